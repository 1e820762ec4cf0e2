"""The pipelined conversion of one input: decode thread → network (caller's thread) → one encode
thread per output, joined by bounded queues."""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import torch
from torch import Tensor

from videomatte.compositing import Background, backdrop_reference
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.output_writers import open_outputs
from videomatte.conversion.outputs import OutputPlan, render
from videomatte.conversion.phases import ENCODING, PhaseClock
from videomatte.conversion.threads import END, Channel, Pipeline
from videomatte.conversion.progress import Progress
from videomatte.inference.session import MattingSession
from videomatte.io.frames import to_tensor
from videomatte.io.readers import Reader
from videomatte.io.shots import ShotStarts
from videomatte.io.writers import Writer

QUEUE_SIZE = 1  # chunks waiting between two stages (each is ~60 MB of floats at 1080p)


@dataclass
class Chunk:
    """Consecutive frames on their way through the pipeline.

    Attributes:
        index: number of the first frame in the input (``Frame.index``: a video background follows it).
        stamps: ``(pts, time_base)`` of each frame.
        src: input ``[T, 3, H, W]`` in 0..1 on the session's device, or ``None`` where the session takes
            the decoded ``pictures`` as they are (``MattingSession.takes_pictures``: the runtime
            converts them inside its graph, and the float frames are made only if an output reads them).
        fgr, pha: the network's foreground ``[T, 3, H, W]`` and alpha ``[T, 1, H, W]`` (after inference).
        cut: a new shot starts at its first frame (a chunk never holds frames of two shots).
        pictures: the decoded ``uint8 [T, H, W, 3]`` RGB frames, where ``src`` is ``None``.
    """

    index: int
    stamps: list[tuple[int, Fraction]]
    src: Tensor | None
    fgr: Tensor | None = None
    pha: Tensor | None = None
    cut: bool = False
    pictures: np.ndarray | None = None

    def source(self) -> Tensor:
        """The input ``[T, 3, H, W]`` in 0..1 (made from the pictures on first use where only they were kept)."""
        if self.src is None:
            self.src = to_tensor(self.pictures, self.fgr.device, self.fgr.dtype)  # type: ignore[arg-type, union-attr]
        return self.src


def _decode(reader: Reader, out: Channel, seq_chunk: int, session: MattingSession,
            shots: Callable[[int, np.ndarray], bool], cuts: list[int], clock: PhaseClock) -> None:
    """Frames into chunks of ``seq_chunk``, a chunk ended early before a frame that starts a shot (whose
    ``Frame.index`` goes into ``cuts``); float frames, or the ``uint8`` pictures themselves where the
    session takes them."""
    batch: list = []
    cut, frames = False, iter(reader)

    def send() -> None:
        begin = time.perf_counter()
        stamps, pictures = [(f.pts, f.time_base) for f in batch], np.stack([f.image for f in batch])
        if pictures.dtype == np.uint8 and session.takes_pictures():
            chunk = Chunk(batch[0].index, stamps, None, cut=cut, pictures=pictures)
        else:
            chunk = Chunk(batch[0].index, stamps, to_tensor(pictures, session.device, session.dtype), cut=cut)
        clock.add("decode", time.perf_counter() - begin)
        out.put(chunk)

    while True:
        begin = time.perf_counter()
        frame = next(frames, None)
        clock.add("decode", time.perf_counter() - begin)
        if frame is None:
            break
        if shots(frame.index, frame.image):
            cuts.append(frame.index)
            if batch:
                send()
                batch = []
            cut = True
        batch.append(frame)
        if len(batch) == seq_chunk:
            send()
            batch, cut = [], False
    if batch:
        send()
    out.put(END)


def _encode(inbox: Channel, writer: Writer, plan: OutputPlan, background: Background | None,
            premultiplied: bool, clock: PhaseClock) -> None:
    bits = 16 if writer.deep else 8
    for chunk in inbox:
        with clock.timing("compositing"):
            behind = backdrop_reference(background, chunk.fgr, chunk.source)  # type: ignore[arg-type]
            pictures = render(plan.kind, behind, chunk.fgr, chunk.pha, background, chunk.index, premultiplied, bits)
        with clock.timing("encode"):
            for picture, (pts, time_base) in zip(pictures, chunk.stamps):
                writer.write(picture, pts, time_base)


def _infer(decoded: Channel, session: MattingSession, outboxes: list[Channel], progress: Progress,
           clock: PhaseClock) -> int:
    """The network's thread: its waits are charged to the stage it waited for (module ``phases``)."""
    frames, chunks = 0, iter(decoded)
    while True:
        with clock.timing("decode", busy=False, wall=True):
            chunk = next(chunks, None)
        if chunk is None:
            break
        with clock.timing("network", wall=True):
            if chunk.cut:
                session.cut()
            matte = session.step(chunk.src if chunk.src is not None else chunk.pictures)  # type: ignore[arg-type]
        chunk.fgr, chunk.pha = matte.fgr, matte.pha
        with clock.timing(ENCODING, busy=False, wall=True):
            for box in outboxes:
                box.put(chunk)
        frames += len(chunk.stamps)
        progress.update(len(chunk.stamps))
    for box in outboxes:
        box.put(END)
    return frames


def run_pipeline(reader: Reader, session: MattingSession, plans: list[OutputPlan], options: ConvertOptions,
                 cuts: list[int] | None = None, clock: PhaseClock | None = None,
                 shots: Callable[[int, np.ndarray], bool] | None = None) -> int:
    """Convert everything ``reader`` yields into the outputs of ``plans``; returns the frame count.

    The recurrent state is reset at every frame that starts a shot (``options.cuts``); their numbers are
    appended to ``cuts`` when given; ``shots`` replaces the cut test (``ShotStarts``; the cluster's
    segments continue one already fed with the frames before). Outputs are written under temporary names and renamed only when every stage
    succeeded. ``clock`` (optional) gets the seconds of each phase (``videomatte.conversion.phases``) and
    the frames.
    """
    info, clock = reader.info, clock if clock is not None else PhaseClock()
    pipeline = Pipeline()
    with ExitStack() as stack:
        writers = open_outputs(stack, plans, info, options)
        progress = Progress(info.path.name, info.frame_count, options.progress)
        decoded = pipeline.channel(QUEUE_SIZE)
        shots = shots if shots is not None else ShotStarts(options.cuts, info.frame_rate)
        found = cuts if cuts is not None else []
        pipeline.start("decode", lambda: _decode(reader, decoded, options.seq_chunk, session, shots, found, clock))
        outboxes = []
        for writer, plan, background in writers:
            box = pipeline.channel(QUEUE_SIZE)
            outboxes.append(box)
            pipeline.start(f"encode {plan.path}", lambda b=box, w=writer, p=plan, g=background:
                           _encode(b, w, p, g, options.premultiplied, clock))
        frames = _run_network(pipeline, decoded, session, outboxes, progress, clock)
        progress.close()
        flushed = time.perf_counter()
    clock.add("encode", time.perf_counter() - flushed, wall=True)  # the encoders' last frames, renames
    clock.frames += frames
    return frames


def _run_network(pipeline: Pipeline, decoded: Channel, session: MattingSession, outboxes: list[Channel],
                 progress: Progress, clock: PhaseClock) -> int:
    """Run the network in this thread until the input ends, then wait for the other stages."""
    frames = 0
    torch_threads = torch.get_num_threads()
    if session.backend.name in ("onnxruntime", "auto"):
        torch.set_num_threads(1)  # torch only composes here; leave the cores to onnxruntime and codecs
    try:
        try:
            frames = _infer(decoded, session, outboxes, progress, clock)
        except BaseException as err:  # noqa: BLE001 - handed to join(), which re-raises the first error
            pipeline.fail(err)
        with clock.timing(ENCODING, busy=False, wall=True):
            pipeline.join()
    finally:
        torch.set_num_threads(torch_threads)
    return frames
