"""The two-person subject-selection set (seeded, truth kept per person) and its per-frame scores."""
from __future__ import annotations

import json

import numpy as np
import pytest

from videomatte.cli.main import main
from videomatte.evaluation import media, testset
from videomatte.evaluation.subject_score import frame_scores
from videomatte.evaluation.subject_set import SubjectSetConfig, build_subject_set, compose_subject_clip, distance_at


def test_people_walk_apart_together_across_and_apart():
    assert distance_at(0.0, True) == distance_at(0.15, True) > 0.5
    assert distance_at(0.5, True) == 0.0 and distance_at(1.0, True) < -0.5 and distance_at(1.0, False) > 0.5


def test_frame_scores_count_leak_loss_and_swap():
    mine = np.zeros((3, 10, 20))
    mine[:, :, :10] = 1
    other = 1 - mine
    selected = np.stack([mine[0], mine[0] * 0, other[0]])  # right, lost, swapped
    scores = frame_scores(selected, mine, other)
    np.testing.assert_allclose(scores["leak"], [0, 0, 1000])
    np.testing.assert_allclose(scores["lost"], [0, 1, 1])
    np.testing.assert_allclose(scores["swapped"], [0, 0, 1])
    np.testing.assert_allclose(scores["mad"], [0, 500, 1000])


@pytest.mark.slow
def test_subject_set_is_seeded_and_keeps_each_persons_truth(shared_data, official_onnx, tmp_path):
    config = SubjectSetConfig(size=(160, 90), frames=8, clips=1, seed=3)
    people = [shared_data / "clips" / f"person_{n}_360x640.mp4" for n in ("short", "walk")]
    path = build_subject_set(tmp_path / "set", shared_data / "clips", shared_data / "images", official_onnx,
                             config, people=people)
    record = json.loads(path.read_text())["clips"][0]
    assert record["people"] == ["person_short_360x640_00", "person_walk_360x640_00"]
    clip = tmp_path / "set" / record["clip"]
    frames = {k: np.stack([media.read_gray(p) for p in media.list_frames(clip / k)]) / 255.0
              for k in ("pha_a", "pha_b", "full_a", "full_b")}
    assert len(frames["pha_a"]) == len(record["overlap"]) == 8
    front, back = ("a", "b") if record["front"] == "a" else ("b", "a")
    np.testing.assert_allclose(frames[f"pha_{front}"], frames[f"full_{front}"], atol=1 / 255)
    np.testing.assert_allclose(frames[f"pha_{back}"], frames[f"full_{back}"] * (1 - frames[f"full_{front}"]),
                               atol=2 / 255)
    for person in "ab":
        x, y = record["points"][person]
        assert frames[f"full_{person}"][0, y, x] > 0.9
    sources = {c.name: c for c in testset.videomatte_clips(tmp_path / "set" / "source")}
    background = np.zeros((90, 160, 3), np.float32)
    again = [compose_subject_clip([sources[n] for n in record["people"]], background, tmp_path / f"again{i}",
                                  config, np.random.default_rng([3, 0])) for i in range(2)]
    assert again[0] == again[1]  # same seed, same clip
    np.testing.assert_array_equal(media.read_gray(tmp_path / "again0" / "pha_a" / "0005.png"),
                                  media.read_gray(tmp_path / "again1" / "pha_a" / "0005.png"))


@pytest.mark.parametrize("extra, message", [([], "needs --clips and --images"),
                                            (["--clips", "c", "--images", "i"], "needs --weights PATH")])
def test_make_subject_set_needs_its_inputs(extra, message, tmp_path, capsys):
    code = main(["evaluate", "--make-subject-set", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err
    assert code == 1 and message in err and err.count("\n") == 1
