"""The pipelined conversion of one input: decode thread → network (caller's thread) → one encode
thread per output, joined by bounded queues."""
from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch
from torch import Tensor

from videomatte.compositing import Background
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.output_writers import open_outputs
from videomatte.conversion.outputs import OutputPlan, render
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
        index: number of the first frame.
        stamps: ``(pts, time_base)`` of each frame.
        src: input ``[T, 3, H, W]`` in 0..1 on the session's device.
        fgr, pha: the network's foreground ``[T, 3, H, W]`` and alpha ``[T, 1, H, W]`` (after inference).
        cut: a new shot starts at its first frame (a chunk never holds frames of two shots).
    """

    index: int
    stamps: list[tuple[int, Fraction]]
    src: Tensor
    fgr: Tensor | None = None
    pha: Tensor | None = None
    cut: bool = False


def _decode(reader: Reader, out: Channel, seq_chunk: int, device: torch.device, dtype: torch.dtype,
            shots: ShotStarts, cuts: list[int]) -> None:
    """Frames into chunks of ``seq_chunk``, a chunk ended early before a frame that starts a shot (whose
    number goes into ``cuts``)."""
    batch: list = []
    index, cut = 0, False

    def send() -> None:
        pictures = np.stack([f.image for f in batch])
        out.put(Chunk(index, [(f.pts, f.time_base) for f in batch], to_tensor(pictures, device, dtype), cut=cut))

    for number, frame in enumerate(reader):
        if shots(number, frame.image):
            cuts.append(number)
            if batch:
                send()
                index, batch = index + len(batch), []
            cut = True
        batch.append(frame)
        if len(batch) == seq_chunk:
            send()
            index, batch, cut = index + len(batch), [], False
    if batch:
        send()
    out.put(END)


def _encode(inbox: Channel, writer: Writer, plan: OutputPlan, background: Background | None,
            premultiplied: bool) -> None:
    bits = 16 if writer.deep else 8
    for chunk in inbox:
        pictures = render(plan.kind, chunk.src, chunk.fgr, chunk.pha, background, chunk.index, premultiplied, bits)
        for picture, (pts, time_base) in zip(pictures, chunk.stamps):
            writer.write(picture, pts, time_base)


def _infer(decoded: Channel, session: MattingSession, outboxes: list[Channel], progress: Progress) -> int:
    frames = 0
    for chunk in decoded:
        if chunk.cut:
            session.cut()
        matte = session.step(chunk.src)
        chunk.fgr, chunk.pha = matte.fgr, matte.pha
        for box in outboxes:
            box.put(chunk)
        frames += len(chunk.stamps)
        progress.update(len(chunk.stamps))
    for box in outboxes:
        box.put(END)
    return frames


def run_pipeline(reader: Reader, session: MattingSession, plans: list[OutputPlan], options: ConvertOptions,
                 cuts: list[int] | None = None) -> int:
    """Convert everything ``reader`` yields into the outputs of ``plans``; returns the frame count.

    The recurrent state is reset at every frame that starts a shot (``options.cuts``); their numbers are
    appended to ``cuts`` when given. Outputs are written under temporary names and renamed only when
    every stage succeeded.
    """
    info = reader.info
    pipeline = Pipeline()
    with ExitStack() as stack:
        writers = open_outputs(stack, plans, info, options)
        progress = Progress(info.path.name, info.frame_count, options.progress)
        decoded = pipeline.channel(QUEUE_SIZE)
        shots = ShotStarts(options.cuts, info.frame_rate)
        found = cuts if cuts is not None else []
        pipeline.start("decode", lambda: _decode(reader, decoded, options.seq_chunk, session.device,
                                                 session.dtype, shots, found))
        outboxes = []
        for writer, plan, background in writers:
            box = pipeline.channel(QUEUE_SIZE)
            outboxes.append(box)
            pipeline.start(f"encode {plan.path}", lambda b=box, w=writer, p=plan, g=background:
                           _encode(b, w, p, g, options.premultiplied))
        frames = 0
        torch_threads = torch.get_num_threads()
        if session.backend.name in ("onnxruntime", "auto"):
            torch.set_num_threads(1)  # torch only composes here; leave the cores to onnxruntime and codecs
        try:
            try:
                frames = _infer(decoded, session, outboxes, progress)
            except BaseException as err:  # noqa: BLE001 - handed to join(), which re-raises the first error
                pipeline.fail(err)
            pipeline.join()
        finally:
            torch.set_num_threads(torch_threads)
        progress.close()
    return frames
