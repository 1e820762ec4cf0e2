"""A second signal while the command is stopping ends it at once (the signal's exit status, one line,
no partial file); names longer than the file system allows and other OSErrors on outputs are one line."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys

import pytest

from robustness_helpers import CONVERT, digest, run_cli, wait_for_partial




def test_a_second_signal_while_stopping_ends_at_once(corpus, tmp_path):
    source = corpus / "long.mp4"
    before = digest([source])
    folder = tmp_path / "out"
    folder.mkdir()
    argv = [sys.executable, "-c", CONVERT, "convert", str(source), "-o", str(folder / "x.mov"), "--alpha",
            f"{folder}/alpha/", "--weights", "none", "--backend", "torch", "--quiet"]
    process = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert wait_for_partial(folder, process), "the conversion ended before it could be stopped"
    process.send_signal(signal.SIGINT)  # the first starts an orderly stop ...
    process.send_signal(signal.SIGTERM)  # ... the second, before it is done, ends the process now
    _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert err.splitlines() == ["videomatte: stopped at once by signal 15 (a second signal while stopping)"]
    assert list(folder.iterdir()) == []
    assert digest([source]) == before


def test_the_handlers_of_an_uninterrupted_command_are_given_back():
    from videomatte.cli._signals import terminate_as_interrupt

    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with terminate_as_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {number: signal.getsignal(number) for number in before} == before


def test_own_partials_are_removed_on_demand(tmp_path):
    from videomatte.io.partials import remove_own_partials, temporary_path

    file_partial = temporary_path(tmp_path / "a.mov", ".mov")
    folder_partial = temporary_path(tmp_path / "frames")
    file_partial.write_bytes(b"half")
    folder_partial.mkdir()
    (folder_partial / "000000.png").write_bytes(b"half")
    (tmp_path / "kept.mov").write_bytes(b"someone else's")
    assert remove_own_partials() >= 2
    assert [p.name for p in tmp_path.iterdir()] == ["kept.mov"]


@pytest.mark.parametrize("output", ["{long}.mov", "{long}/", "sub/{long}/x.mov", "out/{{name}}{long}.mov",
                                    "{near}.mov"])
def test_names_longer_than_the_file_system_allows_are_one_line(corpus, tmp_path, capsys, output):
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    text = output.format(long="n" * (name_max + 1), near="n" * (name_max - 8))  # near: fits, its partial not
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", tmp_path / text, "--weights", "none"], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1, outcome
    assert "is longer than the file system allows" in outcome.err_lines[0]
    assert list(tmp_path.iterdir()) == []


def test_an_oserror_on_an_output_is_one_line(corpus, tmp_path, capsys, monkeypatch):
    import videomatte.io.writers as writers

    def vanish(*args, **kwargs):  # what a folder removed under the writer, or a full quota, raises
        raise OSError(errno.EIO, "Input/output error", str(tmp_path / "x.mov"))

    monkeypatch.setattr(writers, "check_output", vanish)
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", tmp_path / "x.mov", "--weights", "none",
                       "--backend", "torch"], capsys)
    assert outcome.code == 1
    assert outcome.err_lines == [f"videomatte: error: {tmp_path / 'x.mov'}: Input/output error"]
