"""The pipelined conversion of one input: decode thread → network (caller's thread) → one encode
thread per output, joined by bounded queues."""
from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch
from torch import Tensor, nn

from videomatte.inference.compose import Background
from videomatte.inference.options import ConvertOptions
from videomatte.inference.outputs import OutputPlan, open_outputs, render
from videomatte.inference.phases import ENCODING, PhaseClock
from videomatte.inference.pipeline import END, Channel, Pipeline
from videomatte.inference.progress import Progress
from videomatte.inference.session import MattingSession
from videomatte.io.frames import to_tensor
from videomatte.io.readers import Reader, VideoInfo
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
    """

    index: int
    stamps: list[tuple[int, Fraction]]
    src: Tensor
    fgr: Tensor | None = None
    pha: Tensor | None = None


class SessionFactory:
    """Builds the conversion's network once, and one ``MattingSession`` per backend over it.

    ``auto`` runs onnxruntime (the network exported to ONNX on first use, official or local weights
    alike) for float32 networks that export (``network.exportable``) on the CPU, where it is the faster
    runtime; everything else runs the eager network. Both give the same mattes to float precision.
    """

    def __init__(self, options: ConvertOptions) -> None:
        self.options = options
        self._network: nn.Module | None = None
        self._sessions: dict[str, MattingSession] = {}

    def network(self) -> nn.Module:
        """The network of the options, loaded on first use."""
        if self._network is None:
            from videomatte.models.weights.zoo import load_model

            self._network = load_model(self.options.variant, self.options.weights, self.options.refiner)
        return self._network

    def choose(self) -> str:
        """The backend for this conversion's settings."""
        from videomatte.inference.session import resolve_device

        options = self.options
        if options.backend != "auto":
            return options.backend
        cpu_fp32 = resolve_device(options.device).type == "cpu" and options.dtype in (None, "float32", "fp32")
        return "onnxruntime" if cpu_fp32 and self.network().exportable else "torch"

    def session_for(self, info: VideoInfo | None, seq_chunk: int = 1) -> tuple[MattingSession, str]:
        """A fresh-state session for the input described by ``info``, and its backend's name.

        Raises:
            VideoMatteError: a ratio that leaves the network no pixel, or frames too large for memory
                (see ``videomatte.inference.limits``), before any network is loaded.
        """
        from videomatte.inference.limits import check_frame_memory, check_ratio_fits
        from videomatte.models.registry import auto_downsample_ratio

        if info is not None:  # a live source's size is known only from its frames (the session checks it)
            ratio = self.options.downsample_ratio
            ratio = ratio if ratio is not None else auto_downsample_ratio(info.height, info.width)
            check_ratio_fits(ratio, info.height, info.width)
            check_frame_memory(info.height, info.width, seq_chunk)
        backend = self.choose()
        if backend not in self._sessions:
            options = self.options
            self._sessions[backend] = MattingSession(self.network(), device=options.device, dtype=options.dtype,
                                                     downsample_ratio=options.downsample_ratio, backend=backend,
                                                     subject=options.subject)
        session = self._sessions[backend]
        session.reset()
        return session, backend


def _decode(reader: Reader, out: Channel, seq_chunk: int, device: torch.device, dtype: torch.dtype,
            clock: PhaseClock) -> None:
    batch: list = []
    frames = iter(reader)

    def send() -> None:
        begin = time.perf_counter()
        pictures = to_tensor(np.stack([f.image for f in batch]), device, dtype)
        clock.add("decode", time.perf_counter() - begin)
        out.put(Chunk(batch[0].index, [(f.pts, f.time_base) for f in batch], pictures))

    while True:
        begin = time.perf_counter()
        frame = next(frames, None)
        clock.add("decode", time.perf_counter() - begin)
        if frame is None:
            break
        batch.append(frame)
        if len(batch) == seq_chunk:
            send()
            batch = []
    if batch:
        send()
    out.put(END)


def _encode(inbox: Channel, writer: Writer, plan: OutputPlan, background: Background | None,
            premultiplied: bool, clock: PhaseClock) -> None:
    bits = 16 if writer.deep else 8
    for chunk in inbox:
        with clock.timing("compositing"):
            pictures = render(plan.kind, chunk.src, chunk.fgr, chunk.pha, background, chunk.index, premultiplied,
                              bits)
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
            matte = session.step(chunk.src)
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
                 clock: PhaseClock | None = None) -> int:
    """Convert everything ``reader`` yields into the outputs of ``plans``; returns the frame count.

    Outputs are written under temporary names and renamed only when every stage succeeded. ``clock``
    (optional) gets the seconds of each phase (``videomatte.inference.phases``) and the frames.
    """
    info, clock = reader.info, clock if clock is not None else PhaseClock()
    pipeline = Pipeline()
    with ExitStack() as stack:
        writers = open_outputs(stack, plans, info, options)
        progress = Progress(info.path.name, info.frame_count, options.progress)
        decoded = pipeline.channel(QUEUE_SIZE)
        pipeline.start("decode", lambda: _decode(reader, decoded, options.seq_chunk, session.device,
                                                 session.dtype, clock))
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
    if session.backend.name == "onnxruntime":
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
