"""Every path written against every path read and every other path written (issue 24), and the option
parser, as properties over generated cases (Hypothesis).

The property of the path rules is checked against the file system itself, not against a second copy of
the rules: in a fresh folder of real inputs (files, a folder of videos, an image sequence, a symbolic
link, a background), every planned output is written in both orders (a folder output replacing its
folder as the image writer does). A plan is refused exactly when such a simulation destroys or changes
something read, drops a file into a folder read as a whole, or loses one output under another.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from media_clips import make_clip
from robustness_helpers import run_cli
from videomatte.errors import PathClashError, VideoMatteError
from videomatte.conversion.results import expand_inputs
from videomatte.io.codecs import is_sequence_path
from videomatte.io.path_clashes import check_paths, input_name

INPUTS = ["a/x.mp4", "b/x.mp4", "a/y.mp4", "y.mov", "seq", "seq/*.png", "l/x.mp4", "a", "./b/../y.mov"]
PATTERNS = ["out/{name}.mov", "out/x.mov", "{name}.mov", "a/{name}.mp4", "l/{name}.mp4", "out/", "seq/",
            "./out/../out/{name}.mov", "y.mov", "a/x.mp4", "bg.png", "out/{name}/", "b/", "out", "l/",
            "seq/000001.png", "out/{name}.webm", "./", "a/z.mov", "{name}/"]
OPTIONS = ["-o", "--alpha", "--foreground", "--composite"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Inputs made once; each example copies them into a fresh folder."""
    root = tmp_path_factory.mktemp("layout")
    for name in ("a/x.mp4", "b/x.mp4", "a/y.mp4", "y.mov"):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(f"video {name}".encode())
    (root / "seq").mkdir()
    for index in range(2):
        (root / "seq" / f"{index:06d}.png").write_bytes(f"frame {index}".encode())
    (root / "bg.png").write_bytes(b"background")
    return root


def _layout(template: Path, folder: Path) -> None:
    shutil.copytree(template, folder, dirs_exist_ok=True)
    os.symlink("a", folder / "l")


def _read_state(sources: list[str], background: str | None) -> dict[str, object]:
    """Bytes of every file read and the listing of every folder read (``realpath`` keys)."""
    state: dict[str, object] = {}
    for text in sources + ([background] if background else []):
        target = Path(text).parent if "*" in text else Path(text)
        if target.is_dir():
            state[os.path.realpath(target)] = sorted(p.name for p in target.iterdir())
            files = [p for p in target.iterdir() if p.is_file()]
        else:
            files = [target]
        for file in files:
            state[os.path.realpath(file)] = file.read_bytes() if file.is_file() else None
    return state


def _write(path: str, marker: bytes) -> bool:
    """Write one output as the writers would; ``False`` where the file system refuses."""
    try:
        if is_sequence_path(path):
            if os.path.isdir(path) and os.path.realpath(path) != os.path.realpath("."):
                for entry in Path(path).iterdir():  # the folder's old content is replaced as a whole
                    shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
            elif os.path.realpath(path) == os.path.realpath("."):
                return False  # the folder holding everything would be replaced
            os.makedirs(path, exist_ok=True)
            Path(path, "000000.png").write_bytes(marker)
        else:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            if os.path.isdir(path):
                return False
            Path(path).write_bytes(marker)
        return True
    except OSError:
        return False


def _simulation_clashes(sources: list[str], writes: list[str], background: str | None, order: int) -> bool:
    before = _read_state(sources, background)
    planned = list(enumerate(writes))[::order]
    if not all(_write(path, f"output {i}".encode()) for i, path in planned):
        return True
    for i, path in planned:
        marker = Path(path, "000000.png") if is_sequence_path(path) else Path(path)
        if not marker.is_file() or marker.read_bytes() != f"output {i}".encode():
            return True
    after = {key: value for key, value in _read_state(sources, background).items() if key in before}
    return after != before


def _expanded(sources: list[str], outputs: list[tuple[str, str]]) -> list[str]:
    return [pattern.replace("{name}", input_name(s)) for _, pattern in outputs
            for s in (sources if "{name}" in pattern else sources[:1])]


@settings(max_examples=int(os.environ.get("PATH_CLASH_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(inputs=st.lists(st.sampled_from(INPUTS), min_size=1, max_size=3),
       patterns=st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3),
       background=st.sampled_from([None, "bg.png", "a/x.mp4"]))
def test_a_plan_is_refused_exactly_when_writing_it_would_lose_something(template, inputs, patterns, background):
    outputs = list(zip(OPTIONS, patterns))
    with tempfile.TemporaryDirectory() as scratch:
        clashes, refused = [], None
        for order in (1, -1):
            folder = Path(scratch, str(order))
            _layout(template, folder)
            with contextlib.chdir(folder):
                sources = expand_inputs(inputs)
                assume(len(sources) == 1 or all("{name}" in p for _, p in outputs))  # else convert() refuses first
                if order == 1:
                    try:
                        check_paths(sources, outputs, background)
                    except PathClashError as err:
                        refused = str(err)
                clashes.append(_simulation_clashes(sources, _expanded(sources, outputs), background, order))
    assert (refused is not None) == any(clashes), (sources, outputs, background, refused, clashes)
    if refused:
        assert "\n" not in refused and refused.count("(") >= 1


def test_two_inputs_of_one_name_into_one_pattern_are_refused_before_any_work(tmp_path, capsys, monkeypatch):
    for folder in ("day1", "day2"):
        (tmp_path / folder).mkdir()
        make_clip(tmp_path / folder / "take.mp4", frames=1)
    monkeypatch.chdir(tmp_path)
    outcome = run_cli(["convert", "day1/take.mp4", "day2/take.mp4", "-o", "out/{name}.mov", "--overwrite",
                       "--weights", "none"], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert outcome.err_lines[0] == ("videomatte: error: -o for day2/take.mp4 and -o for day1/take.mp4 are the same "
                                    "path (out/take.mov); give each output a path of its own, away from the inputs")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("argv", "words"), [
    (["clip.mp4", "-o", "link/clip.mp4", "--overwrite"], "would overwrite the input"),
    (["clip.mp4", "--composite", "bg.mp4", "--background", "bg.mp4", "--overwrite"],
     "--composite would overwrite --background bg.mp4 (bg.mp4)"),
    (["clip.mp4", "-o", "same.mov", "--alpha", "./same.mov"], "given to both -o and --alpha"),
    (["frames", "-o", "frames/matte.mov"], "-o (frames/matte.mov) lies inside the input frames (frames)"),
    (["frames/*.png", "--alpha", "frames/alpha/"], "lies inside the input frames/*.png (frames)"),
    (["clip.mp4", "-o", "./", "--overwrite"], "the input clip.mp4 (clip.mp4) lies inside -o (./)"),
    (["clip.mp4", "-o", "net.pth", "--overwrite", "--variant", "mobilenetv3", "--weights", "net.pth"],
     "-o would overwrite --weights net.pth (net.pth)"),
])
def test_each_clash_is_one_line_naming_both(tmp_path, capsys, monkeypatch, argv, words):
    make_clip(tmp_path / "clip.mp4", frames=1)
    shutil.copy(tmp_path / "clip.mp4", tmp_path / "bg.mp4")
    (tmp_path / "frames").mkdir()
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "frames" / "0001.png")
    (tmp_path / "net.pth").write_bytes(b"weights")
    os.symlink(".", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()}
    outcome = run_cli(["convert", "--weights", "none", *argv, "--quiet"], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1 and words in outcome.err_lines[0], outcome
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and not p.is_symlink()} == before


TOKENS = st.one_of(
    st.sampled_from(["-o", "--alpha", "--composite", "--foreground", "--ratio", "--fps", "--seq-chunk", "--crf",
                     "--codec", "--background", "--overwrite", "--backend", "--variant", "--premultiplied",
                     "--no-audio", "--quiet", "--subject", "--engine", "--workers", "--weights", "--device"]),
    st.sampled_from(["clip.mp4", "out.mov", "out/{name}.mov", "dir/", "0", "-1", "nan", "inf", "1e309", "0.5",
                     "#00ff00", "blur", "png", "h265", "ray", "none", "", " ", "{name}", "missing.mp4", "--", "-"]),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tokens=st.lists(TOKENS, max_size=8))
def test_the_option_parser_answers_anything_in_one_line(option_folder, parser, tokens):
    from videomatte.cli._checks import check_convert
    from videomatte.cli.convert import options_from
    from videomatte.cli.main import error_line

    err = io.StringIO()
    with contextlib.chdir(option_folder), contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            args = parser.parse_args(["convert", "clip.mp4", *tokens])
            check_convert(args)
            options_from(args)
        except SystemExit as stop:
            assert stop.code == 2 and len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        except VideoMatteError as error:
            assert str(error) and len(error_line(error).splitlines()) == 1


@pytest.fixture(scope="module")
def parser():  # noqa: ANN201 - an argparse parser
    from videomatte.cli.main import build_parser

    return build_parser()


@pytest.fixture(scope="module")
def option_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("options")
    make_clip(folder / "clip.mp4", frames=1)
    return folder
