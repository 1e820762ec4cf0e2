"""The help formatter (examples wrapped to the terminal, no runs of blanks carried into a wrap) and the
one frame-size form of the command line (WIDTHxHEIGHT)."""
from __future__ import annotations

import argparse
import re

import pytest

from videomatte.cli._help import fill_block, wrap_line
from videomatte.cli._sizes import frame_size, height_width
from videomatte.cli.main import build_parser


def test_a_line_that_fits_is_kept_as_written() -> None:
    line = "  videomatte convert a.mp4 -o a.mov     # aligned comment"
    assert wrap_line(line, 80) == [line]


def test_a_wide_example_puts_its_comment_on_a_line_of_its_own() -> None:
    line = "  videomatte convert clips/ -o 'out/{name}.mov'                        # every video of a folder"
    assert wrap_line(line, 60) == ["  videomatte convert clips/ -o 'out/{name}.mov'",
                                   "      # every video of a folder"]


def test_a_wide_table_row_is_split_at_its_column_gap() -> None:
    row = "  .mov   ProRes 4444, 10-bit, foreground + alpha     .webm  VP9, foreground + alpha"
    assert wrap_line(row, 60) == ["  .mov   ProRes 4444, 10-bit, foreground + alpha", "  .webm  VP9, foreground + alpha"]


def test_a_comment_continued_on_the_next_line_is_joined_when_wrapped() -> None:
    text = ("  videomatte convert clips/ -o 'out/{name}.mov'               # every video; reruns skip\n"
            "                                                              # the finished ones")
    assert fill_block(text, 70) == ["  videomatte convert clips/ -o 'out/{name}.mov'",
                                    "      # every video; reruns skip the finished ones"]


@pytest.mark.parametrize("command", [["convert"], ["export"], ["bench", "model"], ["serve"], ["live"], ["evaluate"]])
@pytest.mark.parametrize("columns", [60, 80, 200])
def test_examples_fit_the_terminal_without_runs_of_blanks(monkeypatch, capsys, command, columns) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--help"])
    out = capsys.readouterr().out
    examples = out[out.index("examples:"):].splitlines()
    assert len(examples) > 2
    for line in examples:
        if len(line) > columns - 2:
            assert len(line.split()) == 1, f"{len(line)} columns at {columns}: {line!r}"
        assert not re.search(r"\S\s{3,}-", line), f"a joined continuation line at {columns}: {line!r}"


@pytest.mark.parametrize("text, size", [("1920x1080", (1920, 1080)), ("512X288", (512, 288)), (" 64 x 48 ", (64, 48))])
def test_sizes_are_width_by_height(text, size) -> None:
    assert frame_size(text) == size and height_width(text) == size[::-1]


@pytest.mark.parametrize("text", ["1920", "0x100", "axb", "1920x1080x3", "-5x4"])
def test_a_size_that_is_not_one_is_refused(text) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="WIDTHxHEIGHT such as 1920x1080"):
        frame_size(text)


def test_bench_and_export_take_width_by_height(capsys) -> None:
    parser = build_parser()
    bench = parser.parse_args(["bench", "model", "--size", "1920x1080", "--official", "x.onnx", "--int8", "talk.mp4"])
    assert bench.size == [(1080, 1920)] and bench.int8 == "talk.mp4"  # (height, width) inside
    export = parser.parse_args(["export", "--format", "onnx", "-o", "m.onnx", "--static", "1920x1080"])
    assert export.static == (1080, 1920)
    live = parser.parse_args(["live", "--size", "1280x720"])
    assert live.size == (1280, 720)  # (width, height), as the capture takes it


def test_every_example_of_bench_help_parses(capsys) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "model", "--help"])
    examples = [line.split("#")[0].split()[1:] for line in capsys.readouterr().out.splitlines()
                if line.strip().startswith("videomatte bench")]
    assert len(examples) == 3
    for argv in examples:
        build_parser().parse_args(argv)  # exits 2 on a flag the example gets wrong
