"""``convert --stats``: where the time went, per phase, adding up to the wall time (local engine)."""
import json

import pytest

from videomatte.cli.main import main
from videomatte.conversion.phases import PHASES, PhaseClock


def test_stats_of_a_local_conversion_add_up_to_its_wall_time(odd_clip, random_weights, tmp_path):
    stats = tmp_path / "run.json"
    code = main(["convert", str(odd_clip), "-o", str(tmp_path / "out.mov"), "--alpha", str(tmp_path / "a/"),
                 "--weights", str(random_weights), "--device", "cpu", "--quiet", "--stats", str(stats)])
    assert code == 0
    record = json.loads(stats.read_text())
    assert record["engine"] == "local" and record["frames"] == 6
    assert set(record["phases"]) == set(PHASES)
    assert sum(record["phases"].values()) == pytest.approx(record["seconds"], rel=1e-9)
    for phase in ("decode", "network", "compositing", "encode"):
        assert record["busy"][phase] > 0, phase
    assert record["busy"]["join"] == 0 and record["phases"]["waiting"] == 0


def test_the_wait_on_the_encoders_is_split_by_their_work():
    clock = PhaseClock()
    clock.add("compositing", 1.0)
    clock.add("encode", 3.0)
    clock.add("encoding", 2.0, busy=False, wall=True)
    clock.add("network", 0.5, wall=True)
    record = clock.close().as_dict()
    assert record["wall"]["compositing"] == pytest.approx(0.5) and record["wall"]["encode"] == pytest.approx(1.5)
    assert record["wall"]["other"] == 0.0  # the unit lasted less than what was charged: nothing left over
    assert "encoding" not in record["wall"]
