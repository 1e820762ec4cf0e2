"""TorchScript export: the network compiled with ``torch.jit.script`` (no tracing, so any frame size,
4-D or 5-D input, optional states and any downsample ratio keep working), checked against eager."""
from __future__ import annotations

import copy
import os
import warnings
import tempfile
from pathlib import Path

import torch

from videomatte.errors import ExportError
from videomatte.export.checks import CHECK_FRAMES, CHECK_SIZE, ParityResult, compare, eager_outputs, synthetic_frames
from videomatte.export.onnx import ExportReport, check_writable
from videomatte.export.wrappers import check_scriptable
from videomatte.models.network import MattingNetwork


def script_model(net: MattingNetwork, fp16: bool = False) -> torch.jit.ScriptModule:
    """``net`` as a TorchScript module with ``forward(src, r1, r2, r3, r4, downsample_ratio: float)``.

    ``fp16`` converts weights to half precision (the caller then feeds half frames, on a GPU).
    """
    net = check_scriptable(net)
    module = copy.deepcopy(net).eval().half() if fp16 else net.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch 2.10+ deprecates TorchScript; it works
        return torch.jit.script(module)


def check_torchscript(net: MattingNetwork, scripted: torch.jit.ScriptModule, ratio: float = 0.5,
                      precision: str = "fp32") -> ParityResult:
    """Run ``scripted`` and eager ``net`` on ten synthetic frames with the state carried; compare."""
    clip = synthetic_frames(CHECK_FRAMES, *CHECK_SIZE)
    expected = eager_outputs(net, clip, ratio, force_refiner=False)
    dtype = torch.float16 if precision == "fp16" else torch.float32
    actual, rec = [], [None, None, None, None]
    with torch.inference_mode():
        for frame in clip:
            fgr, pha, *rec = scripted(frame[None].to(dtype), rec[0], rec[1], rec[2], rec[3], ratio)
            actual.append([fgr, pha, *rec])
    return compare(expected, actual, precision, f"the {precision} TorchScript export")


def export_torchscript(net: MattingNetwork, path: str | Path, fp16: bool = False) -> ExportReport:
    """Script ``net``, check it (fp32, and fp16 where this machine runs half precision), save to ``path``.

    Raises:
        ExportError: an unwritable target or a module that fails its check.
    """
    path = Path(path)
    check_writable(path)
    net = net.eval().float()
    parity = check_torchscript(net, script_model(net))
    notes = []
    scripted = script_model(net, fp16)
    if fp16:
        try:
            parity = check_torchscript(net, scripted, precision="fp16")
            notes.append("fp16 checked on this machine against the fp32 eager network")
        except RuntimeError as err:  # a CPU build without some half kernels
            notes.append(f"fp16 could not run here ({str(err).splitlines()[0]}); checked in fp32 only")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as tmp:
        staged = Path(tmp) / "model.pt"
        scripted.save(str(staged))
        reloaded = load_torchscript(staged)
        if not fp16:
            parity = check_torchscript(net, reloaded)
        os.replace(staged, path)
    return ExportReport(path, parity, notes)


def load_torchscript(path: str | Path, device: str | torch.device = "cpu") -> torch.jit.ScriptModule:
    """Load a TorchScript export; ``ExportError`` when ``path`` is not one."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location=device).eval()
    except (RuntimeError, ValueError, OSError) as err:
        raise ExportError(f"{path}: not a loadable TorchScript file ({str(err).splitlines()[0]})") from None
