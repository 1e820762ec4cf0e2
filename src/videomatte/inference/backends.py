"""Runtimes behind ``MattingSession``: eager PyTorch, TorchScript, or onnxruntime.

A backend maps ``(src [1, T, 3, H, W], states, ratio)`` to ``(fgr [1, T, 3, H, W], pha [1, T, 1, H, W],
states)`` on the session's device; ``None`` states mean zeros. All three give the same mattes within
float tolerance: the ONNX backend bakes each ratio and frame size it meets into its own static graph
(so ratio 1 skips the refiner, as PyTorch does), exporting on first use.
"""
from __future__ import annotations

import copy
from typing import Optional

import numpy as np
import torch
from torch import Tensor, nn

BACKENDS = ("torch", "torchscript", "onnxruntime")
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
        self._sessions: dict[tuple[float, int, int], object] = {}
        self._np_dtype = np.float16 if dtype == torch.float16 else np.float32

    def _session(self, ratio: float, height: int, width: int) -> object:
        key = (ratio, height, width)
        if key not in self._sessions:
            import onnxruntime as ort

            from videomatte.export.onnx import OnnxSettings, trace_to_onnx
            from videomatte.inference.graph_cache import load_or_export

            net = copy.deepcopy(self.model).cpu().float()
            settings = OnnxSettings(ratio=ratio, static=(height, width), fp16=self.dtype == torch.float16)
            options = ort.SessionOptions()
            # idle workers sleep rather than spin: in a conversion the decode and encode threads need the cores
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if self.threads:
                options.intra_op_num_threads = self.threads
            providers = providers_for(self.device)
            export = lambda path: trace_to_onnx(net, settings, path)  # noqa: E731
            try:
                self._sessions[key] = ort.InferenceSession(load_or_export(net, settings, export), options,
                                                           providers=providers)
            except Exception:  # noqa: BLE001 - a damaged cached graph: export it again
                self._sessions[key] = ort.InferenceSession(load_or_export(net, settings, export, fresh=True),
                                                           options, providers=providers)
        return self._sessions[key]

    def _zero_states(self, ratio: float, height: int, width: int) -> list[np.ndarray]:
        from videomatte.export.wrappers import zero_states

        return [s.numpy().astype(self._np_dtype) for s in zero_states(self.model, 1, height, width, ratio)]

    def __call__(self, src: Tensor, rec: States, ratio: float) -> tuple[Tensor, Tensor, States]:
        height, width = src.shape[-2:]
        session = self._session(float(ratio), height, width)
        if any(r is None for r in rec):
            states = self._zero_states(float(ratio), height, width)
        else:
            states = [r.cpu().numpy().astype(self._np_dtype, copy=False) for r in rec]
        fgrs, phas = [], []
        for frame in src[0].detach().cpu().numpy().astype(self._np_dtype, copy=False):
            fgr, pha, *states = session.run(None, {"src": frame[None], **{f"r{k + 1}i": s for k, s in enumerate(states)}})
            fgrs.append(fgr)
            phas.append(pha)
        to_torch = lambda a: torch.from_numpy(a[0] if len(a) == 1 else np.concatenate(a))[None].to(self.device)  # noqa: E731
        return to_torch(fgrs), to_torch(phas), [torch.from_numpy(s).to(self.device) for s in states]


def make_backend(name: str, model: nn.Module, device: torch.device, dtype: torch.dtype):  # noqa: ANN201
    """The backend called ``name`` (one of ``BACKENDS``) over ``model``; ``ValueError`` for others."""
    if name == "torch":
        return TorchBackend(model)
    if name == "torchscript":
        return TorchScriptBackend(model)
    if name == "onnxruntime":
        return OnnxRuntimeBackend(model, device, dtype)
    raise ValueError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
