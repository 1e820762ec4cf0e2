"""COCO run-length encoding (used by YouTubeVIS): column-major runs that start with background.

``counts`` is either a list of ints (uncompressed) or the compact string of the COCO API, where each
count is written in 5-bit groups as characters from ``'0'``; from the third count on, the difference
to the count two places earlier is stored.
"""
from __future__ import annotations

import numpy as np


def decode_counts(text: str) -> list[int]:
    """The counts of a compact RLE string."""
    counts: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(text[position]) - 48
            value |= (chunk & 0x1F) << shift
            more = bool(chunk & 0x20)
            position += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift
        if len(counts) > 2:
            value += counts[-2]
        counts.append(value)
    return counts


def encode_counts(counts: list[int]) -> str:
    """The compact RLE string of ``counts`` (inverse of :func:`decode_counts`)."""
    out = []
    for i, count in enumerate(counts):
        value = count - counts[i - 2] if i > 2 else count
        more = True
        while more:
            chunk = value & 0x1F
            value >>= 5
            more = value != -1 if chunk & 0x10 else value != 0
            out.append(chr((chunk | (0x20 if more else 0)) + 48))
    return "".join(out)


def decode_rle(rle: dict) -> np.ndarray:
    """``{"size": [h, w], "counts": list | str}`` -> bool mask ``[h, w]``."""
    height, width = (int(v) for v in rle["size"])
    counts = rle["counts"]
    if isinstance(counts, bytes):
        counts = counts.decode("ascii")
    if isinstance(counts, str):
        counts = decode_counts(counts)
    if sum(counts) != height * width:
        raise ValueError(f"RLE counts sum to {sum(counts)}, not {height} x {width}")
    flat = np.repeat(np.arange(len(counts)) % 2 == 1, counts)
    return flat.reshape(width, height).T


def encode_rle(mask: np.ndarray) -> list[int]:
    """Bool mask ``[h, w]`` -> uncompressed column-major counts (starting with background)."""
    flat = np.asarray(mask, dtype=bool).T.reshape(-1)
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(bounds).tolist()
    return ([0] + counts) if flat.size and flat[0] else counts
