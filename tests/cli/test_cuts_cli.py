"""``--cuts`` on the command line: help with an example, one-line errors before anything loads."""
import subprocess
import sys

import pytest

from videomatte.cli.main import main


def test_help_explains_the_cut_list():
    done = subprocess.run([sys.executable, "-m", "videomatte.cli.main", "convert", "--help"],
                          capture_output=True, text=True, check=True)
    text = " ".join(done.stdout.split())
    for part in ("--cuts auto|off|FILE", "HH:MM:SS:FF", "HH:MM:SS.mmm", "--cuts cuts.txt"):
        assert part in text


@pytest.mark.parametrize("contents, message", [
    (None, "--cuts {path}: no such file (give auto, off or a cut-list file)"),
    ("120\n00:00:04:00, soon\n", "cut list {path}, line 2: 'soon' is not a frame number, HH:MM:SS:FF or HH:MM:SS.mmm"),
])
def test_a_bad_cut_list_is_one_line(odd_clip, tmp_path, capsys, contents, message):
    path = tmp_path / "cuts.txt"
    if contents is not None:
        path.write_text(contents)
    code = main(["convert", str(odd_clip), "-o", str(tmp_path / "out.mkv"), "--weights", "none", "--cuts", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "Traceback" not in err
    assert message.format(path=path) in err
    assert not (tmp_path / "out.mkv").exists()


def test_a_cut_list_needs_a_single_input(odd_clip, ntsc_clip, tmp_path, capsys):
    path = tmp_path / "cuts.txt"
    path.write_text("3\n")
    code = main(["convert", str(odd_clip), str(ntsc_clip), "-o", str(tmp_path / "{name}.mkv"), "--weights", "none",
                 "--cuts", str(path)])
    err = capsys.readouterr().err
    assert code != 0 and err.count("\n") == 1 and "a cut list belongs to one input" in err


def test_live_refuses_a_cut_list(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["live", "--source", "testsrc", "--stats", "s.json", "--cuts", "cuts.txt"])
    assert exited.value.code == 2 and "invalid choice: 'cuts.txt'" in capsys.readouterr().err
