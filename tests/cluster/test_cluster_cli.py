"""Options of ``--engine ray`` and its errors: one line, non-zero exit, nothing written, no Ray started."""
import pytest

from videomatte.cli.main import main


@pytest.mark.parametrize("extra, message", [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--segment-seconds", "0"], "--segment-seconds must be positive"),
    (["--warmup", "-1"], "--warmup must be 0 or more"),
])
def test_bad_engine_options_are_one_line(extra, message, odd_clip, tmp_path, capsys):
    code = main(["convert", str(odd_clip), "-o", str(tmp_path / "out.mkv"), "--engine", "ray", *extra])
    err = capsys.readouterr().err
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_bad_input_fails_before_ray_starts(tmp_path, capsys):
    ray = pytest.importorskip("ray", reason="the ray engine needs the 'cluster' extra (ray)")
    code = main(["convert", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "out.mkv"), "--engine", "ray"])
    err = capsys.readouterr().err
    assert code == 1 and "missing.mp4: no such file" in err and len(err.strip().splitlines()) == 1
    assert not ray.is_initialized()
    assert not list(tmp_path.iterdir())


def test_help_shows_the_engine_options(capsys):
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    text = capsys.readouterr().out
    for option in ("--engine", "--address", "--workers", "--gpus-per-worker", "--segment-seconds", "--warmup"):
        assert option in text
