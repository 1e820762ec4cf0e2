"""Rewrites applied while the exporter traces the network: same math, a graph onnxruntime runs faster.

``TraceRewrites`` is a ``TorchFunctionMode`` active around ``torch.onnx.export``. It watches the torch
functions the network calls and answers some of them with an equivalent that traces to a better
graph; the network's own code (and its eager outputs) stays as it is. What it leaves unused, such as
a concatenation whose only reader was split, the exporter drops as dead code.

- A convolution over a channel concatenation, ``conv(cat([a, b, c]), W)``, equals the sum of
  convolutions over the parts, ``conv(a, W_a) + conv(b, W_b) + conv(c, W_c)``, each with its slice of
  the weights (the bias goes to the first). The concatenation (a full copy of its inputs) disappears,
  and the parts whose channel count is a multiple of onnxruntime's NCHWc block run in the blocked layout
  instead of falling back to im2col. RVM's decoder concatenates the upsampled features, the encoder
  skip and the image at every scale, and its ConvGRUs concatenate input and state, so most of its
  convolutions qualify. Nested concatenations count as one. Only the summation order changes
  (differences of a few 1e-8).
- With ``block_upsamplings``, a bilinear upsampling by a whole number of a concatenation,
  ``up(cat([a, b]))``, becomes ``cat([up(id(a)), up(id(b))])``, where ``id`` is an exact identity (a
  depthwise 1x1 convolution with weight 1) and ``up`` a ``Resize`` with constant scales and
  ``half_pixel`` coordinates (PyTorch's, for outputs larger than a pixel), crops of it are taken per
  part, and the result counts as a concatenation for the convolution that reads it. onnxruntime runs a
  ``Resize`` in its blocked (NCHWc) layout only in that form: each decoder block upsamples the
  pass-through half and the ConvGRU state together, neither straight from a convolution, so the
  upsampling ran in NCHW and its output was reordered again for the next convolution. Every part must
  have a multiple of 8 channels (onnxruntime pads blocked tensors to 8 or 16). A tensor that is not a
  concatenation (the back stage's input ``x1``, see ``stages.py``) is upsampled the same way as one part.

Measured with ``benchmarks/bench_onnx_rewrites.py`` (CPU time of one onnxruntime thread per frame, the
official weights, static graphs, two runs; docs/export.md): without the convolution splitting the graph
takes 1.26-1.28x as long at 512x288 ratio 1 and 1.18-1.23x at 1920x1080 ratio 0.25; without the
blocked upsampling 1.07-1.08x and 1.05-1.09x.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import torch
from torch.autograd.function import FunctionCtx
from torch import Tensor
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from videomatte.export.upsample import resize_node

_CONV_ARGS = ("input", "weight", "bias", "stride", "padding", "dilation", "groups")
_CONV_DEFAULTS = {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1}
BLOCK = 8  # channel multiple of each upsampled part
REWRITES = frozenset({"split_concat_convs", "block_upsamplings"})


class _BlockedUpsample(torch.autograd.Function):
    """Bilinear upsampling by the whole number ``scale``, exported as a ``Resize`` by constant scales with
    ``half_pixel`` coordinates (equal to PyTorch's for outputs larger than one pixel)."""

    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, scale: int) -> Tensor:  # noqa: D102 - see class docstring
        return F.interpolate(x, scale_factor=float(scale), mode="bilinear", align_corners=False)

    @staticmethod
    def symbolic(g, x, scale):  # noqa: ANN001, ANN205 - ONNX graph-building callback
        scales = g.op("Constant", value_t=torch.tensor([1.0, 1.0, float(scale), float(scale)], dtype=torch.float32))
        return resize_node(g, x, scales, coordinates="half_pixel")


class TraceRewrites(TorchFunctionMode):
    """The rewrites named in ``rewrites`` (of ``REWRITES``: ``split_concat_convs``, ``block_upsamplings``)
    while active. Use as ``with TraceRewrites(REWRITES): torch.onnx.export(...)``.
    """

    def __init__(self, rewrites: frozenset[str]) -> None:
        super().__init__()
        unknown = set(rewrites) - REWRITES
        if unknown:
            raise ValueError(f"unknown trace rewrites {sorted(unknown)}; choose from {sorted(REWRITES)}")
        self.split_convs = "split_concat_convs" in rewrites
        self.block_upsamplings = "block_upsamplings" in rewrites
        self._parts: dict[int, tuple[Tensor, list[Tensor]]] = {}  # id(cat output) -> (output, leaves)
        self._split: dict[int, tuple[Tensor, dict, list[Tensor]]] = {}  # id(split conv) -> (it, call, leaves)

    def __torch_function__(self, func: Callable, types: Any, args: tuple = (), kwargs: Optional[dict] = None) -> Any:
        kwargs = kwargs or {}
        if func is torch.cat:
            return self._cat(func, args, kwargs)
        if func is F.conv2d and self.split_convs:
            return self._conv(func, args, kwargs)
        if func is F.batch_norm and self.split_convs:
            return self._batch_norm(func, args, kwargs)
        if self.block_upsamplings and func is F.interpolate:
            return self._upsample(func, args, kwargs)
        if self.block_upsamplings and func is Tensor.__getitem__ and id(args[0]) in self._parts:
            return self._crop(func, args)
        return func(*args, **kwargs)

    def _cat(self, func: Callable, args: tuple, kwargs: dict) -> Tensor:
        """Record a 4-D channel concatenation and its leaves (inner concatenations flattened)."""
        out = func(*args, **kwargs)
        tensors = list(args[0] if args else kwargs["tensors"])
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if out.ndim == 4 and dim in (1, -3) and all(isinstance(t, Tensor) and t.ndim == 4 for t in tensors):
            leaves = [leaf for t in tensors for leaf in (self._parts[id(t)][1] if id(t) in self._parts else [t])]
            self._parts[id(out)] = (out, leaves)
        return out

    def _conv(self, func: Callable, args: tuple, kwargs: dict) -> Tensor:
        """``conv2d`` over a recorded concatenation as a sum of ``conv2d`` over its leaves."""
        call = {**_CONV_DEFAULTS, **dict(zip(_CONV_ARGS, args)), **kwargs}
        source = self._parts.get(id(call["input"]))
        if source is None or source[0] is not call["input"] or call["groups"] != 1:
            return func(*args, **kwargs)
        out = _split_conv(func, source[1], call["weight"], call["bias"], call)
        self._split[id(out)] = (out, call, source[1])
        return out

    def _batch_norm(self, func: Callable, args: tuple, kwargs: dict) -> Tensor:
        """An inference ``batch_norm`` of a split convolution, folded into the weights of its parts (the
        exporter folds it into a single convolution, but not across the sum)."""
        names = ("input", "running_mean", "running_var", "weight", "bias", "training", "momentum", "eps")
        call = {"weight": None, "bias": None, "training": False, "eps": 1e-5, **dict(zip(names, args)), **kwargs}
        split = self._split.get(id(call["input"]))
        if split is None or split[0] is not call["input"] or call["training"] or call["running_mean"] is None:
            return func(*args, **kwargs)
        _, conv, leaves = split
        factor = torch.rsqrt(call["running_var"] + call["eps"])
        if call["weight"] is not None:
            factor = factor * call["weight"]
        bias = conv["bias"] if conv["bias"] is not None else torch.zeros_like(call["running_mean"])
        bias = (bias - call["running_mean"]) * factor + (call["bias"] if call["bias"] is not None else 0.0)
        return _split_conv(F.conv2d, leaves, conv["weight"] * factor.reshape(-1, 1, 1, 1), bias, conv)

    def _upsample(self, func: Callable, args: tuple, kwargs: dict) -> Tensor:
        """A whole-number bilinear upsampling of a recorded concatenation, per part (blockable)."""
        names = ("input", "size", "scale_factor", "mode", "align_corners")
        call = {"size": None, "scale_factor": None, "mode": "nearest", "align_corners": None,
                **dict(zip(names, args)), **kwargs}
        source = self._parts.get(id(call["input"]))
        # a tensor that is no recorded concatenation (a stage's input) is one part of its own
        leaves = source[1] if source is not None and source[0] is call["input"] else [call["input"]]
        scale = call["scale_factor"]
        if (call["size"] is not None or call["mode"] != "bilinear" or call["align_corners"]
                or not isinstance(scale, (int, float)) or scale < 2 or scale != int(scale)
                or any(leaf.shape[1] % BLOCK for leaf in leaves)):
            return func(*args, **kwargs)
        parts = []
        for leaf in leaves:
            identity = torch.ones(leaf.shape[1], 1, 1, 1, dtype=leaf.dtype, device=leaf.device)
            parts.append(_BlockedUpsample.apply(F.conv2d(leaf, identity, groups=leaf.shape[1]), int(scale)))
        return self._cat(torch.cat, (parts, 1), {})

    def _crop(self, func: Callable, args: tuple) -> Tensor:
        """A spatial crop ``x[:, :, ...]`` of a recorded concatenation, per part."""
        tensor, index = args
        out, leaves = self._parts[id(tensor)]
        full = slice(None)
        if (out is not tensor or not isinstance(index, tuple) or len(index) < 3 or index[:2] != (full, full)
                or not all(isinstance(i, slice) for i in index)):
            return func(*args)
        return self._cat(torch.cat, ([func(leaf, index) for leaf in leaves], 1), {})


def _split_conv(func: Callable, leaves: list[Tensor], weight: Tensor, bias: Optional[Tensor], call: dict) -> Tensor:
    """The sum of ``func`` (``conv2d``) over ``leaves``, each with its slice of ``weight``'s input channels."""
    total, start = None, 0
    for k, part in enumerate(leaves):
        count = part.shape[1]
        partial = func(part, weight[:, start:start + count], bias if k == 0 else None,
                       call["stride"], call["padding"], call["dilation"], 1)
        total = partial if total is None else total + partial
        start += count
    return total
