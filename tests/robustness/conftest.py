"""The bad-input corpus, generated at test time, and the checks every case makes.

Every case runs the command line (in-process through ``videomatte.cli.main.main`` where it can, in a
subprocess for signals and start-up time) and asserts: the exit code, exactly one line on stderr (with
the words that say what is wrong), no file under the output's final name nor any ``.partial`` file,
and the bytes of every input unchanged.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from media_clips import make_clip


def _audio_only(path: Path) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44100)
        stream.layout = "stereo"
        for start in range(0, 44100 // 2, 1024):
            tone = np.zeros((2, 1024), np.float32)
            frame = av.AudioFrame.from_ndarray(tone, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 44100, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _concealed(source: Path, path: Path) -> None:
    """``source`` with 8 bytes inverted mid-stream: the H.264 decoder conceals 4 of its frames."""
    import random

    data = bytearray(source.read_bytes())
    rng = random.Random(0)
    for _ in range(8):
        data[rng.randrange(2000, len(data) - 2000)] ^= 0xFF
    path.write_bytes(bytes(data))


def _malicious_pickle(path: Path, marker: Path) -> None:
    class Payload:
        def __reduce__(self):  # noqa: ANN204 - what a hostile checkpoint does
            return (os.system, (f"touch {marker}",))

    with open(path, "wb") as stream:
        pickle.dump({"backbone.weight": Payload()}, stream, protocol=2)


def _images(folder: Path, sizes: list[tuple[int, int]], junk_last: bool = False) -> None:
    folder.mkdir()
    for index, (w, h) in enumerate(sizes):
        Image.fromarray(np.full((h, w, 3), 40 * index, np.uint8)).save(folder / f"{index:04d}.png")
    if junk_last:
        (folder / f"{len(sizes):04d}.png").write_bytes(b"\x89PNG not really")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bad (and awkward but valid) inputs, made once per session."""
    root = tmp_path_factory.mktemp("corpus")
    good = root / "good.mp4"
    make_clip(good, frames=3, width=64, height=48)
    make_clip(root / "long.mp4", frames=20, width=96, height=64)
    make_clip(root / "odd.mp4", frames=2, width=33, height=19)
    make_clip(root / "ten_bit.mp4", frames=2, width=64, height=48, ten_bit=True)
    make_clip(root / "vfr.mp4", frames=3, width=64, height=48, vfr=True)
    make_clip(root / "rotated.mp4", frames=2, width=64, height=48, rotation=90)
    make_clip(root / "one_frame.mp4", frames=1, width=64, height=48)
    (root / "empty.mp4").write_bytes(b"")
    (root / "truncated.mp4").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (root / "junk.mp4").write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (root / "text.mp4").write_text("this is not a video\n")
    (root / "video.png").write_bytes(good.read_bytes())  # a video under an image's extension
    _audio_only(root / "audio.m4a")
    _concealed(root / "long.mp4", root / "concealed.mp4")
    (root / "empty_dir").mkdir()
    _images(root / "mixed_sizes", [(32, 24), (32, 24), (40, 24)])
    _images(root / "bad_frame", [(32, 24), (32, 24)], junk_last=True)
    _images(root / "tiny", [(3, 2), (3, 2)])
    (root / "random.pth").write_bytes(np.random.default_rng(2).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    (root / "empty.pth").write_bytes(b"")
    (root / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    (root / "junk.onnx").write_bytes(b"not an onnx graph")
    _malicious_pickle(root / "evil.pth", root / "PWNED")
    (root / "weights_dir").mkdir()
    (root / "notes.txt").write_text("a file where a folder is expected\n")
    return root


@pytest.fixture()
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder
