"""Joining: the finished segments of an input, in order, into every output it asked for.

The outputs are written by the same writers and the same ``render`` as the local engine, with the
input's audio and exact timestamps, so they are the same kinds of file.
"""
from __future__ import annotations

from contextlib import ExitStack
from fractions import Fraction
from typing import Iterator

import numpy as np
import torch
from torch import Tensor

from videomatte.cluster.plan import Segment
from videomatte.errors import MediaError
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.output_writers import open_outputs
from videomatte.conversion.outputs import OutputPlan, render
from videomatte.io.frames import to_tensor
from videomatte.io.readers import open_reader
from videomatte.io.stream import VideoInfo
from videomatte.io.segments import read_segment


def _mattes(segments: list[Segment]) -> Iterator[tuple[Tensor, Tensor, int, Fraction]]:
    """Foreground ``[1, 3, H, W]``, alpha ``[1, 1, H, W]`` (float32, 0..1) and timestamp of every frame."""
    for segment in segments:
        for picture, pts, time_base in read_segment(segment.path):
            planes = to_tensor(picture[None])
            yield planes[:, :3], planes[:, 3:], pts, time_base


def _sources(source: str, frame_rate: Fraction | None, needed: bool) -> Iterator[Tensor | None]:
    """The input's frames ``[1, 3, H, W]`` in 0..1 when a composite needs them (blurred backgrounds),
    else ``None`` for ever."""
    if not needed:
        while True:
            yield None
    with open_reader(source, frame_rate) as reader:
        for frame in reader:
            yield to_tensor(frame.image)


def join_segments(source: str, info: VideoInfo, segments: list[Segment], plans: list[OutputPlan],
                  options: ConvertOptions) -> int:
    """Write every output of ``plans`` from the finished ``segments`` of ``source``, in order.

    Args:
        info: the input's description (size, rate, time base, colour tags, audio).
        options: the conversion's ``background``, ``premultiplied``, ``crf``, ``audio``, ``overwrite`` and
            ``frame_rate``, as the local engine reads them.

    Returns:
        Frames written to each output.

    Raises:
        MediaError: a segment is missing or does not hold the frames planned.
    """
    with ExitStack() as stack, torch.inference_mode():
        outputs = open_outputs(stack, plans, info, options)
        sources = _sources(source, options.frame_rate, any(p.kind == "composite" for p in plans))
        index = 0
        for (fgr, pha, pts, time_base), src in zip(_mattes(segments), sources):
            for writer, plan, background in outputs:
                bits = 16 if writer.deep else 8
                picture = render(plan.kind, fgr if src is None else src, fgr, pha, background, index,
                                 options.premultiplied, bits)
                writer.write(np.asarray(picture[0]), pts, time_base)
            index += 1
        expected = sum(s.frames for s in segments)
        if index != expected:
            raise MediaError(f"{source}: the segments hold {index} frames, {expected} were planned")
    return index
