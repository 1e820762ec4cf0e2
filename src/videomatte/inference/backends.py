"""Runtimes behind ``MattingSession``: eager PyTorch, TorchScript, or onnxruntime.

A backend maps ``(src [1, T, 3, H, W], states, ratio)`` to ``(fgr [1, T, 3, H, W], pha [1, T, 1, H, W],
states)`` on the session's device; ``None`` states mean zeros. All three give the same mattes within
float tolerance: the ONNX backend bakes each ratio and frame size it meets into its own static graph
(so ratio 1 skips the refiner, as PyTorch does), exporting on first use.
"""
from __future__ import annotations

import copy
from typing import Optional, Union

import numpy as np
import torch
from torch import Tensor, nn

from videomatte.export.runner import OnnxRunner
from videomatte.inference.options import BACKENDS

States = list[Optional[Tensor]]


class TorchBackend:
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


class OnnxRuntimeBackend:
    """The network exported to ONNX with static shapes (ratio and frame size baked in) and run by onnxruntime.

    One graph per ratio and frame size, exported on first use (about a second) and kept in the on-disk
    cache (``graph_cache``): a video has one size, and fixed shapes let the exporter drop the crops and
    shape arithmetic and apply the CPU rewrites, which makes the graph faster than the dynamic-shape one.
    """

    name = "onnxruntime"

    def __init__(self, model: nn.Module, device: torch.device, dtype: torch.dtype, threads: int = 0) -> None:
        if dtype not in (torch.float32, torch.float16):
            raise ValueError(f"the onnxruntime backend runs float32 or float16, not {dtype}")
        self.model, self.device, self.dtype, self.threads = model, device, dtype, threads
        self._runners: dict[tuple[float, int, int], OnnxRunner] = {}

    def _runner(self, ratio: float, height: int, width: int) -> OnnxRunner:
        key = (ratio, height, width)
        if key not in self._runners:
            from videomatte.export.onnx import OnnxSettings, trace_to_onnx
            from videomatte.inference.graph_cache import load_or_export

            net = copy.deepcopy(self.model).cpu().float()
            settings = OnnxSettings(ratio=ratio, static=(height, width), fp16=self.dtype == torch.float16)
            # idle workers sleep rather than spin: in a conversion the decode and encode threads need the cores
            session = dict(providers=providers_for(self.device), threads=self.threads, spinning=False)
            export = lambda path: trace_to_onnx(net, settings, path)  # noqa: E731
            try:
                self._runners[key] = OnnxRunner(load_or_export(net, settings, export), **session)
            except Exception:  # noqa: BLE001 - a damaged cached graph: export it again
                self._runners[key] = OnnxRunner(load_or_export(net, settings, export, fresh=True), **session)
        return self._runners[key]

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        height, width = src.shape[-2:]
        runner = self._runner(float(ratio), height, width)
        if any(r is None for r in rec):
            runner.reset()
        else:
            runner.states = [r.cpu().numpy().astype(runner.dtype, copy=False) for r in rec]
        fgrs, phas = [], []
        for frame in src[0].detach().cpu().numpy().astype(runner.dtype, copy=False):
            fgr, pha = runner.step(frame[None])
            fgrs.append(fgr)
            phas.append(pha)
        to_torch = lambda a: torch.from_numpy(a[0] if len(a) == 1 else np.concatenate(a))[None].to(self.device)  # noqa: E731
        return to_torch(fgrs), to_torch(phas), [torch.from_numpy(s).to(self.device) for s in runner.states]


Backend = Union[TorchBackend, TorchScriptBackend, OnnxRuntimeBackend]


def make_backend(name: str, model: nn.Module, device: torch.device, dtype: torch.dtype) -> Backend:
    """The backend called ``name`` (one of ``BACKENDS``) over ``model``; ``ValueError`` for others."""
    if name == "torch":
        return TorchBackend(model)
    if name == "torchscript":
        return TorchScriptBackend(model)
    if name == "onnxruntime":
        return OnnxRuntimeBackend(model, device, dtype)
    raise ValueError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
