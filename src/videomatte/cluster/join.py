"""Joining: the finished parts of an input's segments, in order, into every output it asked for.

Each part is already in its output's final codec and container (every segment starting with a key frame
and closing its last group of pictures), so an output is joined by copying packets
(:class:`videomatte.io.concat.PacketJoiner`: no decoding, no encoding), its timestamps rewritten from
the input's and its audio muxed in as the local engine does; an image sequence by linking its files
into place under their final numbers. :func:`join_task` runs it as a Ray task, one per input, so the
inputs of a batch join in parallel on whatever node sees the shared paths.
"""
from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from pathlib import Path

from videomatte.cluster.plan import Segment, part_paths
from videomatte.errors import MediaError
from videomatte.conversion.phases import PhaseClock
from videomatte.io.codecs import is_sequence_path
from videomatte.io.concat import PacketJoiner
from videomatte.io.files import list_images
from videomatte.io.segments import read_stamps
from videomatte.io.stream import VideoInfo
from videomatte.io.image_sequence import ImageSequenceWriter


def _link(image: Path, target: Path) -> None:
    """``target`` as a second name of ``image`` (a copy across filesystems): a retried join finds the
    segment's files still there."""
    try:
        os.link(image, target)
    except OSError:
        shutil.copyfile(image, target)


def _join_images(writer: ImageSequenceWriter, parts: list[str], counts: list[int]) -> None:
    for part, count in zip(parts, counts):
        images = list_images(part)
        if len(images) != count:
            raise MediaError(f"{part}: holds {len(images)} images, {count} were planned")
        for image in images:
            writer.add_file(image, _link)


def join_segments(info: VideoInfo, segments: list[Segment], outputs: list[tuple[str, str | None]], *,
                  overwrite: bool = False, audio: bool = True) -> int:
    """Write every output from the finished parts of ``segments``, in order.

    Args:
        info: the input's description (time base, audio; its ``path`` absolute).
        outputs: ``(path, codec override)`` of each output (``OutputPlan``'s), with paths the caller can
            write (absolute for a Ray task); plain values, so that a join task never imports torch.
        overwrite, audio: as in ``ConvertOptions``.

    Returns:
        Frames written to each output. Every output appears under its final name only when all of
        them are complete.

    Raises:
        MediaError: a part is missing, or does not hold the frames planned.
    """
    stamps = [read_stamps(segment.path)[0] for segment in segments]
    parts = [part_paths(segment, [path for path, _ in outputs]) for segment in segments]
    with ExitStack() as stack:
        for index, (path, codec) in enumerate(outputs):
            mine = [paths[index] for paths in parts]
            if is_sequence_path(path):
                writer = ImageSequenceWriter(path, codec or "png", overwrite=overwrite)
                _join_images(stack.enter_context(writer), mine, [len(s) for s in stamps])
                continue
            joiner = stack.enter_context(PacketJoiner(path, info, overwrite=overwrite, audio=audio))
            for part, shown in zip(mine, stamps):
                joiner.add(part, shown)
    return sum(len(s) for s in stamps)


def join_and_clean(info: VideoInfo, segments: list[Segment], outputs: list[tuple[str, str | None]],
                   overwrite: bool, audio: bool, folder: str) -> tuple[int, dict]:
    """:func:`join_segments`, then delete the segments' ``folder``; returns the frames and the phases of
    the join (``PhaseClock.as_dict``: all of it ``join``, no picture is decoded or encoded)."""
    clock = PhaseClock()
    with clock.timing("join", wall=True):
        frames = join_segments(info, segments, outputs, overwrite=overwrite, audio=audio)
        shutil.rmtree(folder, ignore_errors=True)
    clock.frames = frames
    return frames, clock.close().as_dict()


def join_task(ray: object):  # noqa: ANN201 - a Ray remote function
    """:func:`join_and_clean` as a Ray task. It reserves no CPU: the worker actors hold the CPUs for as
    long as they live, and a join mostly reads and writes files."""
    return ray.remote(num_cpus=0, max_retries=3)(join_and_clean)


def ready() -> bool:
    """Nothing but this module's imports: run as a task at the start of a batch, it starts (and keeps)
    a Ray worker process for the joins while the segments are matted."""
    return True


def ready_task(ray: object):  # noqa: ANN201 - a Ray remote function
    """:func:`ready` as a Ray task, with the resources of :func:`join_task`."""
    return ray.remote(num_cpus=0)(ready)
