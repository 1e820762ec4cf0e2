"""MODNet-V's Background Restoration Module (seed 003) as an add-on to the RVM network (``brm=True``).

BRM keeps a background feature ``bgF`` and a binary mask ``bgM`` of the pixels whose background has been
seen, at the 1/4 scale of the encoder feature ``e`` (``f2``). For frame ``t``:

1. the restored background is fed to the prediction: ``f2 <- f2 + fuse([f2, bgF, bgM])`` (``fuse`` is a
   zero-initialised 1x1 convolution, so a fresh BRM network starts out exactly like RVM);
2. the decoder predicts the frame; its coarse alpha ``s`` (pooled to 1/4) marks the foreground;
3. ``bgI = (1 - s) * e`` (seed 003), and pixels newly seen as background (``s < tau`` and ``bgM = 0``)
   copy ``bgI`` into ``bgF`` and set ``bgM``. The mask only grows: pixels that are covered again keep
   their restored background (the seed's discussion notes the same).

``bgF`` and ``bgM`` travel inside the second recurrent state: ``r2 = cat([r2_decoder, bgF, bgM])``, so a
BRM network still takes and returns four state tensors. Frames are decoded one at a time (frame ``t + 1``
depends on frame ``t``'s prediction), so a chunk of T frames equals T single-frame calls. Given an
``aux`` dict, ``decode`` puts there what L_bg needs: ``brm_background`` (``bg_p`` of every frame,
``[B*T, 3, h/4, w/4]``) and ``brm_mask`` (``bgM`` of every frame); the loss is in
the trainer's variant losses.
"""
from __future__ import annotations

from typing import Dict, Optional

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from videomatte.models.blocks.layers import conv_bn_act

BG_CHANNELS = 16
BG_THRESHOLD = 0.05


class BackgroundRestoration(nn.Module):
    """Background feature and mask, accumulated over frames.

    Args:
        feat_ch: channels of the 1/4-scale encoder feature ``f2``.
        bg_ch: channels of the background feature ``bgF``.
        threshold: ``tau``; a pixel whose coarse alpha is below it shows background.
    """

    def __init__(self, feat_ch: int, bg_ch: int = BG_CHANNELS, threshold: float = BG_THRESHOLD) -> None:
        super().__init__()
        self.bg_ch = bg_ch
        self.threshold = threshold
        self.embed = conv_bn_act(feat_ch, bg_ch, 1)
        self.fuse = nn.Conv2d(feat_ch + bg_ch + 1, feat_ch, 1)
        nn.init.zeros_(self.fuse.weight)
        nn.init.zeros_(self.fuse.bias)
        self.to_rgb = nn.Conv2d(bg_ch, 3, 1)

    @property
    def state_channels(self) -> int:
        """Channels BRM appends to ``r2``: ``bg_ch`` for ``bgF`` and 1 for ``bgM``."""
        return self.bg_ch + 1

    def inject(self, f2: Tensor, bg_feat: Tensor, bg_mask: Tensor) -> Tensor:
        """``B(I^t)``: ``f2 [B, C, h, w]`` plus what the restored background says about it."""
        return f2 + self.fuse(torch.cat([f2, bg_feat, bg_mask], dim=1))

    def update(self, bg_feat: Tensor, bg_mask: Tensor, embedding: Tensor, seg: Tensor) -> tuple[Tensor, Tensor]:
        """Accumulate one frame.

        Args:
            bg_feat: ``bgF`` ``[B, bg_ch, h, w]``; bg_mask: ``bgM`` ``[B, 1, h, w]`` of 0/1.
            embedding: ``e^t`` ``[B, bg_ch, h, w]``; seg: foreground probability ``s^t`` ``[B, 1, h, w]``.

        Returns:
            The new ``(bgF, bgM)``; ``bgM`` is 0/1 and never decreases.
        """
        new = (seg < self.threshold).to(bg_mask.dtype) * (1 - bg_mask)
        bg_image = (1 - seg) * embedding
        return bg_feat + new * (bg_image - bg_feat), bg_mask + new

    def background(self, bg_feat: Tensor) -> Tensor:
        """``bg_p``: the RGB background ``[B, 3, h, w]`` that ``bgF`` stands for (trained by L_bg)."""
        return torch.sigmoid(self.to_rgb(bg_feat))

    def split_state(self, r2: Optional[Tensor], f2: Tensor, batch: int) -> tuple[Optional[Tensor], Tensor, Tensor]:
        """``r2`` -> ``(decoder state or None, bgF, bgM)``; zeros of ``f2``'s size when ``r2`` is ``None``."""
        if r2 is None:
            zeros = f2.new_zeros(batch, self.bg_ch + 1, f2.shape[-2], f2.shape[-1])
            return None, zeros[:, : self.bg_ch], zeros[:, self.bg_ch :]
        own = r2.shape[1] - self.state_channels
        r2_dec, bg_feat, bg_mask = r2.split([own, self.bg_ch, 1], dim=1)
        return (r2_dec if own > 0 else None), bg_feat, bg_mask

    def decode(self, decoder: nn.Module, project_mat: nn.Module, s0: Tensor, f1: Tensor, f2: Tensor, f3: Tensor,
               f4: Tensor, r1: Optional[Tensor], r2: Optional[Tensor], r3: Optional[Tensor],
               r4: Optional[Tensor], frames: int, aux: Optional[Dict[str, Tensor]] = None
               ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        """Run ``decoder`` frame by frame with the background fed in; same contract as the decoder's
        ``forward`` (inputs ``[B*T, ...]``), except that ``r2`` carries ``bgF`` and ``bgM`` too and that
        ``aux`` receives ``brm_background`` and ``brm_mask``."""
        batch = s0.shape[0] // frames
        r2_dec, bg_feat, bg_mask = self.split_state(r2, f2, batch)
        seqs = [x.unflatten(0, (batch, frames)) for x in (s0, f1, f2, f3, f4, self.embed(f2))]
        hids, backgrounds, masks = [], [], []
        for t in range(frames):
            s0_t, f1_t, f2_t, f3_t, f4_t, emb_t = [x[:, t] for x in seqs]
            f2_t = self.inject(f2_t, bg_feat, bg_mask)
            hid, r1, r2_dec, r3, r4 = decoder(s0_t, f1_t, f2_t, f3_t, f4_t, r1, r2_dec, r3, r4, 1)
            seg = _quarter(project_mat(hid)[:, 3:4].clamp(0, 1))
            bg_feat, bg_mask = self.update(bg_feat, bg_mask, emb_t, seg)
            hids.append(hid)
            if aux is not None:
                backgrounds.append(self.background(bg_feat))
                masks.append(bg_mask)
        if aux is not None:
            aux["brm_background"] = torch.stack(backgrounds, 1).flatten(0, 1)
            aux["brm_mask"] = torch.stack(masks, 1).flatten(0, 1)
        assert r2_dec is not None
        hid = torch.stack(hids, dim=1).flatten(0, 1)
        return hid, r1, torch.cat([r2_dec, bg_feat, bg_mask], dim=1), r3, r4


def _quarter(x: Tensor) -> Tensor:
    """Average-pool ``[N, C, h, w]`` to ``ceil(ceil(h / 2) / 2)`` as the encoder's 1/4 level is sized."""
    for _ in range(2):
        x = F.avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False)
    return x
