"""Bad inputs, options and weights: one line on stderr, a non-zero exit, nothing written, inputs intact."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from robustness_helpers import digest, leftovers, run_cli

TORCH = ["--weights", "none", "--backend", "torch", "--quiet"]

# (id, argv after "videomatte", exit code, what the one stderr line must say)
# {c} is the corpus folder, {o} an empty output folder.
CASES = [
    ("missing-file", ["convert", "{c}/nope.mp4", "-o", "{o}/x.mov"], 1, r"nope\.mp4: no such file"),
    ("glob-without-match", ["convert", "{c}/nothing*.png", "-o", "{o}/x/"], 1, r"no file matches"),
    ("zero-byte", ["convert", "{c}/empty.mp4", "-o", "{o}/x.mov"], 1, r"empty\.mp4: file is empty"),
    ("ratio-zero", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--ratio", "0"], 1,
     r"--ratio must be in \(0, 1\], got 0"),
    ("ratio-above-one", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--ratio", "1.5"], 1, r"--ratio must be in"),
    ("ratio-nan", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--ratio", "nan"], 1, r"--ratio must be in"),
    ("ratio-not-a-number", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--ratio", "abc"], 2,
     r"invalid float value: 'abc' \(see videomatte convert --help\)"),
    ("fps-zero", ["convert", "{c}/tiny", "-o", "{o}/x.mov", "--fps", "0"], 1, r"--fps must be in \(0, 1000\], got 0"),
    ("fps-negative", ["convert", "{c}/tiny", "-o", "{o}/x.mov", "--fps", "-24"], 1, r"--fps must be in"),
    ("seq-chunk-zero", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--seq-chunk", "0"], 1,
     r"--seq-chunk must be in \[1, inf\)"),
    ("crf-negative", ["convert", "{c}/good.mp4", "-o", "{o}/x.webm", "--crf", "-1"], 1, r"--crf must be in \[0, 63\]"),
    ("unknown-option", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--frobnicate"], 2,
     r"unrecognized arguments: --frobnicate"),
    ("unknown-codec", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--codec", "xyz"], 2, r"invalid choice: 'xyz'"),
    ("unknown-command", ["frobnicate"], 2, r"invalid choice: 'frobnicate'"),
    ("no-output", ["convert", "{c}/good.mp4"], 1, r"nothing to write"),
    ("same-path-twice", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--composite", "{o}/x.mov"], 1,
     r"x\.mov: given to both -o and --composite"),
    ("output-is-the-input", ["convert", "{c}/good.mp4", "-o", "{c}/good.mp4", "--overwrite"], 1,
     r"would overwrite the input"),
    ("output-under-a-file", ["convert", "{c}/good.mp4", "-o", "{c}/notes.txt/x.mov"], 1, r"is a file, not a folder"),
    ("missing-weights", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/nope.pth"], 1,
     r"nope\.pth: no such weights file"),
    ("empty-weights", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/empty.pth"], 1,
     r"weights file is empty"),
    ("weights-folder", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/weights_dir"], 1,
     r"is a folder, not a weights file"),
    ("missing-background", ["convert", "{c}/good.mp4", "--composite", "{o}/x.mp4", "--background", "{c}/no.jpg"],
     1, r"no\.jpg' is not a colour .*or an existing file"),
    ("unknown-extension", ["convert", "{c}/good.mp4", "-o", "{o}/x.xyz"], 1, r"unknown output format '\.xyz'"),
    ("codec-not-in-container", ["convert", "{c}/good.mp4", "-o", "{o}/x.webm", "--codec", "prores"], 1,
     r"cannot go into \.webm"),
    # Inputs that are only found bad once opened (no network is loaded for them).
    ("truncated", ["convert", "{c}/truncated.mp4", "-o", "{o}/x.mov", *TORCH], 1, r"truncated\.mp4: "),
    ("junk-bytes", ["convert", "{c}/junk.mp4", "-o", "{o}/x.mov", *TORCH], 1, r"junk\.mp4: "),
    ("text-as-video", ["convert", "{c}/text.mp4", "-o", "{o}/x.mov", *TORCH], 1, r"text\.mp4: "),
    ("video-named-png", ["convert", "{c}/video.png", "-o", "{o}/x.mov", *TORCH], 1, r"video\.png"),
    ("audio-only", ["convert", "{c}/audio.m4a", "-o", "{o}/x.mov", *TORCH], 1, r"audio\.m4a: .*video"),
    ("empty-folder", ["convert", "{c}/empty_dir", "-o", "{o}/x.mov", *TORCH], 1, r"empty_dir"),
    ("mixed-size-pictures-without-name", ["convert", "{c}/mixed_sizes", "-o", "{o}/x.mov", *TORCH], 1,
     r"3 inputs: every output needs \{name\} in its path .*e\.g\. -o 'out/\{name\}\.png' or -o out/"),
    ("video-into-one-picture", ["convert", "{c}/good.mp4", "-o", "{o}/x.png", *TORCH], 1,
     r"x\.png: one picture cannot hold .*good\.mp4"),
    ("ratio-too-small", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--ratio", "0.001", *TORCH], 1,
     r"--ratio 0\.001 leaves the network 0x0 pixels of a 64x48 frame; the smallest ratio that works "
     r"here is 1 \(at least 48 pixels on the shorter side\)"),
    # Weights that cannot be used (the network is built, the weights refused).
    ("random-pth", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/random.pth", "--backend", "torch"],
     1, r"random\.pth: not a PyTorch checkpoint \(unreadable data\)$"),
    ("malicious-pickle", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/evil.pth", "--backend",
     "torch"], 1, r"evil\.pth: refused: loading it would run (posix|os)\.system"),
    ("junk-safetensors", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/junk.safetensors",
     "--backend", "torch"], 1, r"junk\.safetensors: not a readable safetensors file"),
    ("junk-onnx", ["convert", "{c}/good.mp4", "-o", "{o}/x.mov", "--weights", "{c}/junk.onnx", "--backend", "torch"],
     1, r"junk\.onnx"),
]


def _argv(argv: list[str], corpus: Path, out: Path) -> list[str]:
    return [a.replace("{c}", str(corpus)).replace("{o}", str(out)) for a in argv]


@pytest.mark.parametrize("argv, code, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_leaves_nothing(corpus, out_dir, capsys, argv, code, message):
    before = digest([corpus])
    outcome = run_cli(_argv(argv, corpus, out_dir), capsys)
    assert outcome.code == code, outcome
    assert len(outcome.err_lines) == 1, outcome.err_lines
    assert re.search(message, outcome.err_lines[0]), outcome.err_lines[0]
    assert "Traceback" not in outcome.err_lines[0] and "weights_only=False" not in outcome.err_lines[0]
    assert list(out_dir.iterdir()) == []
    assert leftovers(corpus, ["x.mov"]) == []
    assert digest([corpus]) == before
    assert not (corpus / "PWNED").exists()  # the malicious pickle never ran


def test_existing_output_is_kept(corpus, out_dir, capsys):
    target = out_dir / "x.mov"
    target.write_bytes(b"precious")
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", target], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert "already exists (use --overwrite" in outcome.err_lines[0]
    assert target.read_bytes() == b"precious" and sorted(p.name for p in out_dir.iterdir()) == ["x.mov"]


def test_existing_folder_named_like_a_video_is_refused(corpus, out_dir, capsys):
    folder = out_dir / "outdir.mov"
    folder.mkdir()
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", folder, "--overwrite"], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert "outdir.mov: is a folder, not a file" in outcome.err_lines[0]
    assert list(folder.iterdir()) == []


def test_huge_frames_are_refused_up_front_with_the_memory_they_need(corpus, out_dir, capsys, monkeypatch):
    # The limit is lowered so that a small clip stands for an 8000x8000 one: the same check refuses
    # both before a network is built or a frame decoded past the first.
    monkeypatch.setenv("VIDEOMATTE_MAX_MEMORY", "0.3G")
    outcome = run_cli(["convert", corpus / "good.mp4", "-o", out_dir / "x.mov", *TORCH], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert re.search(r"64x48 frames need about 0\.4 GB of memory, more than the limit of 0\.3 GB "
                     r"\(\$VIDEOMATTE_MAX_MEMORY\); .*set VIDEOMATTE_MAX_MEMORY=SIZE", outcome.err_lines[0])
    assert list(out_dir.iterdir()) == []


def test_an_8000x8000_frame_needs_more_than_this_machine_has(monkeypatch):
    from videomatte.inference.limits import check_frame_memory, frame_memory
    from videomatte.errors import FrameTooLargeError

    assert frame_memory(2160, 3840) == pytest.approx(2.47e9, rel=0.05)  # measured peak: 2.4 GB
    monkeypatch.setenv("VIDEOMATTE_MAX_MEMORY", "12G")
    with pytest.raises(FrameTooLargeError, match=r"8000x8000 frames need about 16\.4 GB of memory, more than the "
                                                 r"limit of 12\.0 GB"):
        check_frame_memory(8000, 8000)
    check_frame_memory(2160, 3840)
