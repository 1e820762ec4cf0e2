"""Runtimes behind ``MattingSession``: eager PyTorch, TorchScript, onnxruntime, or ``auto`` (the one
measured fastest on this CPU, ``TunedBackend``: onnxruntime or OpenVINO, see ``tuning``).

A backend maps ``(src [1, T, 3, H, W], states, ratio)`` to ``(fgr [1, T, 3, H, W], pha [1, T, 1, H, W],
states)`` on the session's device; ``None`` states mean zeros. The same call in two phases,
``begin(src, states, ratio) -> (handoff, states)`` and ``finish(handoff) -> (fgr, pha)``, lets a caller
overlap the stateless end of one frame with the next frame's beginning; only the staged onnxruntime
graphs (``OnnxRuntimeBackend.staged``) do real work in ``finish``. All three give the same mattes within
float tolerance: the ONNX backend bakes each ratio and frame size it meets into its own static graph
(so ratio 1 skips the refiner, as PyTorch does), exporting on first use.
"""
from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor, nn

from videomatte.export.runner import OnnxRunner, StagedRunner
from videomatte.errors import OptionError
from videomatte.inference.model_settings import BACKENDS
from videomatte.io.frames import to_tensor

States = list[Optional[Tensor]]


class WholeFrames(ABC):
    """``begin``/``finish`` for a runtime that mattes a frame in one call: ``begin`` does all of it."""

    @abstractmethod
    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        """``(fgr, pha, states)`` of ``src`` (see the module's docstring)."""

    def begin(self, src: Tensor, rec: States, ratio: float) -> tuple[object, States]:
        """Matte ``src``; the hand-over is the finished ``(fgr, pha)``."""
        fgr, pha, rec = self(src, rec, ratio)
        return (fgr, pha), rec

    def finish(self, handoff: object) -> tuple[Tensor, Tensor]:
        """``(fgr, pha)`` of a frame begun earlier."""
        return handoff  # type: ignore[return-value]


class TorchBackend(WholeFrames):
    """The eager network."""

    name = "torch"

    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        fgr, pha, *rec = self.model(src, *rec, downsample_ratio=ratio)
        return fgr, pha, rec


class TorchScriptBackend(TorchBackend):
    """The network compiled with ``torch.jit.script`` (same weights, device and dtype)."""

    name = "torchscript"

    def __init__(self, model: nn.Module) -> None:
        from videomatte.export.torchscript import script_model

        super().__init__(script_model(model))

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        fgr, pha, *rec = self.model(src, rec[0], rec[1], rec[2], rec[3], float(ratio))
        return fgr, pha, rec


def providers_for(device: torch.device) -> list[str]:
    """onnxruntime execution providers for ``device``: TensorRT, CUDA where present, else the CPU."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    wanted = ["TensorrtExecutionProvider", "CUDAExecutionProvider"] if device.type == "cuda" else []
    return [p for p in wanted if p in available] + ["CPUExecutionProvider"]


class OnnxRuntimeBackend(WholeFrames):
    """The network exported to ONNX with static shapes (ratio and frame size baked in) and run by onnxruntime.

    One graph per ratio and frame size, exported on first use (about a second) and kept in the on-disk
    cache (``graph_cache``): a video has one size, and fixed shapes let the exporter drop the crops and
    shape arithmetic and apply the CPU rewrites, which makes the graph faster than the dynamic-shape one.

    ``staged = True`` (see :meth:`can_stage`) runs the graph as its two halves
    (``videomatte.export.stages``) with one onnxruntime thread each, for a caller that overlaps
    ``finish`` of one frame with ``begin`` of the next on another thread (the live loop); called
    one after the other, the halves are slower than the whole graph on every core.
    """

    name = "onnxruntime"

    def __init__(self, model: nn.Module, device: torch.device, dtype: torch.dtype, threads: int = 0) -> None:
        if dtype not in (torch.float32, torch.float16):
            raise ValueError(f"the onnxruntime backend runs float32 or float16, not {dtype}")
        self.model, self.device, self.dtype, self.threads = model, device, dtype, threads
        self.staged = False
        self._runners: dict[tuple[float, int, int, bool], OnnxRunner] = {}

    def can_stage(self) -> bool:
        """Whether the staged graphs apply: the CPU, and a network the exporter splits (no seed option)."""
        return self.device.type == "cpu" and bool(getattr(self.model, "exportable", False))

    def _runner(self, ratio: float, height: int, width: int) -> OnnxRunner:
        key = (ratio, height, width, self.staged)
        if key not in self._runners:
            try:
                self._runners[key] = self._open(ratio, height, width, fresh=False)
            except Exception:  # noqa: BLE001 - a damaged cached graph: export it again
                self._runners[key] = self._open(ratio, height, width, fresh=True)
        return self._runners[key]

    def _open(self, ratio: float, height: int, width: int, fresh: bool) -> OnnxRunner:
        from videomatte.export.onnx import OnnxSettings, trace_to_onnx
        from videomatte.export.stages import STAGES
        from videomatte.inference.graph_cache import load_or_export

        net = copy.deepcopy(self.model).cpu().float()
        fp16 = self.dtype == torch.float16
        stages = STAGES if self.staged else (None,)
        graphs = []
        for stage in stages:
            settings = OnnxSettings(ratio=ratio, static=(height, width), fp16=fp16, stage=stage)
            export = lambda path, settings=settings: trace_to_onnx(net, settings, path)  # noqa: E731
            graphs.append(load_or_export(net, settings, export, fresh=fresh))
        # idle workers sleep rather than spin: in a conversion the decode and encode threads need the cores
        session = dict(providers=providers_for(self.device), threads=1 if self.staged else self.threads,
                       spinning=False)
        return StagedRunner(*graphs, **session) if self.staged else OnnxRunner(graphs[0], **session)

    def _load_states(self, runner: OnnxRunner, rec: States) -> None:
        if any(r is None for r in rec):
            runner.reset()
        else:
            runner.states = [r.cpu().numpy().astype(runner.dtype, copy=False) for r in rec]

    def _frames(self, src: Tensor, runner: OnnxRunner) -> np.ndarray:
        return src[0].detach().cpu().numpy().astype(runner.dtype, copy=False)

    def _states(self, runner: OnnxRunner) -> States:
        return [torch.from_numpy(s).to(self.device) for s in runner.states]

    def _to_torch(self, arrays: list[np.ndarray]) -> Tensor:
        return torch.from_numpy(arrays[0] if len(arrays) == 1 else np.concatenate(arrays))[None].to(self.device)

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        if self.staged:
            handoff, rec = self.begin(src, rec, ratio)
            return (*self.finish(handoff), rec)
        runner = self._runner(float(ratio), *src.shape[-2:])
        self._load_states(runner, rec)
        fgrs, phas = zip(*(runner.step(frame[None]) for frame in self._frames(src, runner)))
        return self._to_torch(list(fgrs)), self._to_torch(list(phas)), self._states(runner)

    def begin(self, src: Tensor, rec: States, ratio: float) -> tuple[object, States]:
        """The front half of each frame (staged), else the whole matte."""
        if not self.staged:
            return super().begin(src, rec, ratio)
        runner = self._runner(float(ratio), *src.shape[-2:])
        self._load_states(runner, rec)
        handoffs = [runner.begin(frame[None]) for frame in self._frames(src, runner)]  # type: ignore[attr-defined]
        return (runner, handoffs), self._states(runner)

    def finish(self, handoff: object) -> tuple[Tensor, Tensor]:
        """The back half of the frames ``begin`` started (staged)."""
        if not self.staged:
            return super().finish(handoff)
        runner, handoffs = handoff  # type: ignore[misc]
        fgrs, phas = zip(*(runner.finish(h) for h in handoffs))
        return self._to_torch(list(fgrs)), self._to_torch(list(phas))


class TunedBackend(OnnxRuntimeBackend):
    """``backend="auto"`` on the CPU: per frame size and ratio, the runtime ``tuning.choose_runtime``
    measured fastest on this machine within the alpha budget (onnxruntime or OpenVINO, fp32 or bf16),
    tuned on the first frames of that size (seconds, once per CPU: the choice is cached).

    Staged (the live loop's overlapped halves, one thread each), the halves are tuned on their own
    (``choose_runtime(staged=True)``): OpenVINO's (``OpenVinoStagedRunner``, which also takes decoded
    pictures) where they win within the budget, else onnxruntime's float32 halves as in ``OnnxRuntimeBackend``.
    """

    name = "auto"

    def __init__(self, model: nn.Module, device: torch.device, dtype: torch.dtype, threads: int = 0) -> None:
        super().__init__(model, device, dtype, threads)
        self.choices: dict[tuple[float, int, int], object] = {}
        self.staged_choices: dict[tuple[float, int, int], object] = {}

    def describe(self) -> str:
        """``auto``, with the runtime chosen for each size and ratio met so far."""
        chosen = [f"{w}x{h} @{r:g}: {c.candidate.describe()}" for (r, h, w), c in self.choices.items()]  # type: ignore[attr-defined]
        chosen += [f"{w}x{h} @{r:g} in halves: {c.candidate.describe()}"  # type: ignore[attr-defined]
                   for (r, h, w), c in self.staged_choices.items()]
        return "auto" + (f" ({'; '.join(chosen)})" if chosen else " (tuned on first use of each size)")

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        if not self.staged:
            self._tune(float(ratio), src)
        return super().__call__(src, rec, ratio)

    def begin(self, src: Tensor, rec: States, ratio: float) -> tuple[object, States]:
        """``OnnxRuntimeBackend.begin``; staged, the halves are opened in the tuned runtime first."""
        if self.staged:
            self._open_halves(float(ratio), src)
        return super().begin(src, rec, ratio)

    def takes_pictures(self) -> bool:
        """Whether ``begin_pictures`` pays: for whole frames, unless a size opened so far runs in
        onnxruntime (which takes float frames, better converted off the calling thread); for the staged
        halves, once every size opened so far runs them in OpenVINO."""
        opened = tuple(self._runners.items())  # one step under the GIL: a decode thread may ask mid-tuning
        if not self.staged:
            return all(hasattr(runner, "step_pictures") for key, runner in opened if not key[3])
        halves = [runner for key, runner in opened if key[3]]
        return bool(halves) and all(hasattr(runner, "begin_pictures") for runner in halves)

    def begin_pictures(self, pictures: np.ndarray, rec: States, ratio: float) -> tuple[object, States]:
        """``begin`` of decoded pictures ``uint8 [T, H, W, 3]`` RGB: OpenVINO converts them inside its
        compiled graph (no float copy of the frame); for onnxruntime they are converted here."""
        if self.staged:
            return self._begin_halves(pictures, rec, float(ratio))
        height, width = int(pictures.shape[1]), int(pictures.shape[2])
        if (float(ratio), height, width, False) not in self._runners:
            self._tune(float(ratio), to_tensor(pictures)[None])
        runner = self._runners[(float(ratio), height, width, False)]
        if not hasattr(runner, "step_pictures"):
            return self.begin(to_tensor(pictures, self.device)[None], rec, ratio)
        self._load_states(runner, rec)
        fgrs, phas = zip(*(runner.step_pictures(picture[None]) for picture in pictures))
        return (self._to_torch(list(fgrs)), self._to_torch(list(phas))), self._states(runner)

    def _choose(self, ratio: float, src: Tensor, staged: bool = False) -> object:
        """The tuned choice at ``src``'s size and ``ratio`` (tuned on ``src`` if new): for the whole graph,
        or (``staged``) for the two halves on one thread each."""
        from videomatte.inference.tuning import choose_runtime

        height, width = int(src.shape[-2]), int(src.shape[-1])
        frames = src[0].detach().float().cpu().numpy()
        choice = choose_runtime(self.model, self.device, self.dtype, height, width, ratio, frames, self.threads,
                                staged=staged)
        (self.staged_choices if staged else self.choices)[(ratio, height, width)] = choice
        return choice

    def _begin_halves(self, pictures: np.ndarray, rec: States, ratio: float) -> tuple[object, States]:
        """The front halves of decoded pictures (staged); converted here for halves without ``begin_pictures``."""
        height, width = int(pictures.shape[1]), int(pictures.shape[2])
        if (ratio, height, width, True) not in self._runners:
            self._open_halves(ratio, to_tensor(pictures)[None])
        runner = self._runners[(ratio, height, width, True)]
        if not hasattr(runner, "begin_pictures"):
            return self.begin(to_tensor(pictures, self.device)[None], rec, ratio)
        self._load_states(runner, rec)
        handoffs = [runner.begin_pictures(picture[None]) for picture in pictures]
        return (runner, handoffs), self._states(runner)

    def _open_halves(self, ratio: float, src: Tensor) -> None:
        """Open the staged halves at this size in the runtime tuned for them."""
        self._tune(ratio, src, staged=True)

    def _tune(self, ratio: float, src: Tensor, staged: bool = False) -> None:
        """Open the whole graph (or, ``staged``, the two halves) at ``src``'s size in the tuned runtime."""
        from videomatte.inference.tuning import open_runner, static_graph

        height, width = int(src.shape[-2]), int(src.shape[-1])
        if (ratio, height, width, staged) in self._runners:
            return
        choice = self._choose(ratio, src, staged)
        runner = choice.runner  # type: ignore[attr-defined]
        if runner is None:  # a cached choice: open it
            graphs = static_graph(self.model, height, width, ratio, staged)
            runner = open_runner(choice.candidate, graphs)  # type: ignore[attr-defined]
        self._runners[(ratio, height, width, staged)] = runner

Backend = Union[TorchBackend, TorchScriptBackend, OnnxRuntimeBackend, TunedBackend]


def make_backend(name: str, model: nn.Module, device: torch.device, dtype: torch.dtype) -> Backend:
    """The backend called ``name`` (``auto`` or one of ``BACKENDS``) over ``model``; the one place
    ``auto`` is resolved: on the CPU in float32, for a network that exports, the runtime measured fastest
    on this machine (``TunedBackend``); eager PyTorch everywhere else.

    Raises:
        OptionError: an unknown name.
    """
    if name == "torch":
        return TorchBackend(model)
    if name == "torchscript":
        return TorchScriptBackend(model)
    if name == "onnxruntime":
        return OnnxRuntimeBackend(model, device, dtype)
    if name == "auto":  # the one place "auto" is resolved: tuned on the CPU in float32, else eager
        cpu_fp32 = device.type == "cpu" and dtype == torch.float32
        return TunedBackend(model, device, dtype) if cpu_fp32 and getattr(model, "exportable", False) else TorchBackend(model)
    raise OptionError(f"unknown backend {name!r}; use auto or one of {', '.join(BACKENDS)}")
