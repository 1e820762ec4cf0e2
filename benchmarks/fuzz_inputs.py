"""Seed files and their mutations for ``fuzz_convert.py``.

Seeds are small real media made here: a few frames of ``../shared/data/clips`` (a synthetic scene when
absent) re-encoded at 64x64 (and one 160x96) into MP4, MOV, MKV, WebM, MPEG-TS, AVI and a raw H.264
stream, and pictures (PNG 8/16-bit, RGBA, palette, JPEG, WebP, TIFF, a folder of PNGs). A mutation is a
pure function of the seed bytes and a ``random.Random``: truncations, bit flips in the header or the
payload, overwritten or repeated blocks, another container's bytes under this extension, a wrong
extension, pictures with absurd sizes (a valid PNG header claiming 10^5 x 10^5), empty files, and
containers whose video stream has no packet.
"""
from __future__ import annotations

import random
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

CLIPS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "clips"
VIDEO_SEEDS = {  # name: (muxer, codec, width, height)
    "clip.mp4": ("mp4", "libx264", 64, 64), "clip.mov": ("mov", "libx264", 64, 64),
    "clip.mkv": ("matroska", "ffv1", 64, 64), "clip.webm": ("webm", "libvpx-vp9", 64, 64),
    "clip.ts": ("mpegts", "libx264", 64, 64), "clip.avi": ("avi", "mjpeg", 64, 64),
    "clip.h264": ("h264", "libx264", 64, 64), "wide.mp4": ("mp4", "libx264", 160, 96),
}


def source_frames(count: int = 6) -> list[np.ndarray]:
    """RGB ``uint8 [H, W, 3]`` frames of a real clip when ``../shared/data/clips`` is there, else a scene."""
    clips = sorted(CLIPS.glob("*.mp4")) if CLIPS.is_dir() else []
    if clips:
        with av.open(str(clips[0])) as container:
            frames = []
            for frame in container.decode(video=0):
                frames.append(frame.to_ndarray(format="rgb24"))
                if len(frames) == count:
                    return frames
    yy, xx = np.mgrid[0:360, 0:640]
    return [np.stack([(xx + 9 * i) % 256, yy % 256, np.full_like(xx, 90)], -1).astype(np.uint8)
            for i in range(count)]


def _encode(path: Path, frames: list[np.ndarray], muxer: str, codec: str, width: int, height: int) -> None:
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=Fraction(25))
        stream.width, stream.height = width, height
        stream.pix_fmt = {"mjpeg": "yuvj420p", "ffv1": "yuv420p"}.get(codec, "yuv420p")
        for index, picture in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24").reformat(width, height)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _no_packets(path: Path) -> None:
    """An MP4 whose video stream has no packet at all."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"


def make_seeds(folder: Path) -> list[Path]:
    """Write the seed files into ``folder``; returns them (a folder of PNGs counts as one)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = source_frames()
    for name, (muxer, codec, width, height) in VIDEO_SEEDS.items():
        _encode(folder / name, frames, muxer, codec, width, height)
    _no_packets(folder / "no_packets.mp4")
    picture = Image.fromarray(frames[0]).resize((64, 64))
    picture.save(folder / "photo.png")
    picture.save(folder / "photo.jpg", quality=90)
    picture.save(folder / "photo.webp")
    picture.save(folder / "photo.tiff")
    picture.convert("RGBA").save(folder / "rgba.png")
    picture.convert("P").save(folder / "palette.png")
    Image.fromarray((np.asarray(picture, np.uint16) * 257)[..., 0]).save(folder / "deep.png")
    sequence = folder / "frames"
    sequence.mkdir(exist_ok=True)
    for index, frame in enumerate(frames[:3]):
        Image.fromarray(frame).resize((64, 64)).save(sequence / f"{index:04d}.png")
    return sorted(p for p in folder.iterdir())


def png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width x height`` (valid CRC) over a tiny zlib stream."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _flip(data: bytearray, rng: random.Random, start: int, end: int, count: int) -> None:
    end = max(start + 1, min(end, len(data)))
    for _ in range(count):
        position = rng.randrange(start, end)
        data[position] ^= 1 << rng.randrange(8)


def mutate(seed: bytes, others: list[bytes], rng: random.Random) -> tuple[str, bytes]:
    """One mutation of ``seed``: ``(operator name, new bytes)``."""
    data = bytearray(seed)
    operator = rng.choice(["truncate", "header_bits", "payload_bits", "overwrite_block", "repeat_block",
                           "swap_container", "absurd_png", "empty", "header_only", "tail_only"])
    if operator == "truncate":
        return operator, bytes(data[:rng.randrange(1, max(2, len(data)))])
    if operator == "header_bits" and data:
        _flip(data, rng, 0, 512, rng.choice([1, 2, 8, 32]))
    elif operator == "payload_bits" and len(data) > 600:
        _flip(data, rng, 512, len(data), rng.choice([1, 4, 16, 128]))
    elif operator == "overwrite_block" and data:
        start = rng.randrange(len(data))
        size = min(rng.choice([4, 64, 1024]), len(data) - start)
        data[start:start + size] = bytes(rng.randrange(256) for _ in range(size))
    elif operator == "repeat_block" and data:
        start = rng.randrange(len(data))
        block = data[start:start + rng.choice([16, 256, 4096])]
        at = rng.randrange(len(data))
        data[at:at] = block * rng.choice([1, 3])
    elif operator == "swap_container":
        return operator, rng.choice(others)
    elif operator == "absurd_png":
        width, height = rng.choice([(100000, 100000), (1, 1), (0, 64), (64, 0), (2**31 - 1, 1), (1, 40000),
                                    (30000, 20000)])
        return operator, png_with_size(width, height)
    elif operator == "empty":
        return operator, b""
    elif operator == "header_only":
        return operator, bytes(data[:rng.choice([8, 32, 200, 1000])])
    elif operator == "tail_only":
        return operator, bytes(data[len(data) // 2:])
    return operator, bytes(data)
