"""One optimisation pass of each kind, and validation.

Batches are dicts from the datasets with an extra leading batch dimension: matting ``fgr``
``[B, T, 3, S, S]``, ``pha`` ``[B, T, 1, S, S]``, ``bgr`` ``[B, T, 3, S, S]``; segmentation ``img``
``[B, T, 3, S, S]`` and ``seg`` ``[B, T, 1, S, S]``; all floats in [0, 1].
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterable

import torch
import torch.nn.functional as F
from torch import nn

from videomatte.training.losses import matting_loss, segmentation_loss
from videomatte.training.variant_losses import variant_losses


class TrainingForward(nn.Module):
    """The network as the trainer calls it (and DDP wraps it): a matting pass returns the auxiliary
    outputs of the seed options beside the prediction, ``(fgr, pha, aux)``; a segmentation pass returns
    ``(seg, {})``."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, src: torch.Tensor, downsample_ratio: float = 1.0, segmentation_pass: bool = False
                ) -> tuple[torch.Tensor, ...]:
        aux: dict[str, torch.Tensor] = {}
        if segmentation_pass:
            return self.net(src, segmentation_pass=True)[0], aux
        fgr, pha = self.net(src, downsample_ratio=downsample_ratio, aux=aux)[:2]
        return fgr, pha, aux


@dataclass
class StepTools:
    """What every pass needs: the (possibly DDP-wrapped) ``TrainingForward`` and its optimiser and scaler."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    device: torch.device
    amp: bool

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.amp:
            return torch.autocast(device_type=self.device.type, dtype=torch.float16)
        return contextlib.nullcontext()

    def update(self, loss: torch.Tensor) -> None:
        """Backward, (unscaled) optimiser step and scaler update: one pass, one step."""
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()


def random_crop(tensors: Iterable[torch.Tensor], generator: torch.Generator) -> list[torch.Tensor]:
    """The same random crop of every ``[B, T, C, H, W]`` tensor: ``w`` in ``[W/2, W)``, ``h`` in
    ``[H/2, H)``, resize (bilinear) to a ``max(h, w)`` square and take the centre ``h x w``."""
    tensors = list(tensors)
    height, width = tensors[0].shape[-2:]
    w = int(torch.randint(width // 2, width, (1,), generator=generator))
    h = int(torch.randint(height // 2, height, (1,), generator=generator))
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    out = []
    for x in tensors:
        y = F.interpolate(x.flatten(0, 1), size=(side, side), mode="bilinear", align_corners=False)
        out.append(y[..., top : top + h, left : left + w].unflatten(0, x.shape[:2]))
    return out


def composite(batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """``fgr * pha + bgr * (1 - pha)``: the source frames ``[B, T, 3, H, W]``."""
    return batch["fgr"] * batch["pha"] + batch["bgr"] * (1 - batch["pha"])


def matting_step(tools: StepTools, batch: dict[str, torch.Tensor], downsample_ratio: float,
                 crop: torch.Generator | None) -> dict[str, float]:
    """One matting pass and optimiser step; returns the loss terms as floats."""
    batch = {k: v.to(tools.device, non_blocking=True) for k, v in batch.items()}
    fgr, pha, bgr = batch["fgr"], batch["pha"], batch["bgr"]
    if crop is not None:
        fgr, pha, bgr = random_crop([fgr, pha, bgr], crop)
    src = composite({"fgr": fgr, "pha": pha, "bgr": bgr})
    with tools.autocast():
        pred_fgr, pred_pha, aux = tools.model(src, downsample_ratio=downsample_ratio)
    losses = matting_loss(pred_fgr.float(), pred_pha.float(), fgr, pha)
    extra = variant_losses(aux, pred_fgr, pred_pha, fgr, pha, bgr)  # the seed options' own terms; {} for RVM
    if extra:
        losses.update(extra)
        losses["total"] = losses["total"] + sum(extra.values())
    tools.update(losses["total"])
    return {k: float(v.detach()) for k, v in losses.items()}


def segmentation_step(tools: StepTools, batch: dict[str, torch.Tensor], crop: torch.Generator | None) -> float:
    """One segmentation pass and optimiser step; returns the BCE loss."""
    img, seg = batch["img"].to(tools.device), batch["seg"].to(tools.device)
    if crop is not None:
        img, seg = random_crop([img, seg], crop)
    with tools.autocast():
        pred_seg = tools.model(img, segmentation_pass=True)[0]
    loss = segmentation_loss(pred_seg.float(), seg)
    tools.update(loss)
    return float(loss.detach())


@torch.no_grad()
def validation_losses(model: nn.Module, batches: Iterable[dict[str, torch.Tensor]], device: torch.device,
                      amp: bool) -> torch.Tensor:
    """Summed matting losses over ``batches`` at ratio 1 with the model in eval mode.

    Returns:
        (Tensor): ``[7]`` float64: the sums of ``total`` and the five terms, then the batch count,
        ready to be summed over processes.
    """
    sums = torch.zeros(7, dtype=torch.float64, device=device)
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        context = torch.autocast(device_type=device.type, dtype=torch.float16) if amp else contextlib.nullcontext()
        with context:
            pred_fgr, pred_pha = model(composite(batch))[:2]
        losses = matting_loss(pred_fgr.float(), pred_pha.float(), batch["fgr"], batch["pha"])
        sums += torch.tensor([float(losses[k]) for k in VALIDATION_KEYS] + [1.0], dtype=torch.float64, device=device)
    return sums


VALIDATION_KEYS = ("total", "pha_l1", "pha_laplacian", "pha_coherence", "fgr_l1", "fgr_coherence")
