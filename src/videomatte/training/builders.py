"""Builds what a :class:`~videomatte.training.config.Config` describes: datasets, network, optimizer."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from videomatte.training.augment import PRESETS, MotionAugmentation
from videomatte.training.config import Config, data_path
from videomatte.training.datasets.backgrounds import BackgroundPool
from videomatte.training.datasets.clips import FrameClip, VideoClip
from videomatte.training.datasets.coco import CocoPanopticPersons
from videomatte.training.datasets.footage import footage_clips
from videomatte.training.datasets.matting import MattingDataset
from videomatte.training.datasets.segmentation import ImageSegmentationDataset
from videomatte.training.datasets.supervisely import SuperviselyPersons
from videomatte.training.datasets.videomatte import imagematte_clips, videomatte240k_clips
from videomatte.training.datasets.youtubevis import YouTubeVISPersons
from videomatte.training.samplers import TrainFrameSampler, ValidFrameSampler
from videomatte.training.seg_augment import SegmentationAugmentation

log = logging.getLogger(__name__)

CLIP_READERS = {"videomatte": videomatte240k_clips, "imagematte": imagematte_clips, "footage": footage_clips}


@dataclass
class TrainingData:
    """The datasets of one run; the optional ones are ``None`` when not configured."""

    matting: MattingDataset
    matting_hr: MattingDataset | None
    valid: MattingDataset | None
    video_segmentation: YouTubeVISPersons | None
    image_segmentation: ImageSegmentationDataset | None


def build_data(config: Config, root: Path) -> TrainingData:
    """Opens every dataset named in ``config.data`` (paths relative to ``root``)."""
    d, t = config.data, config.train
    read_clips = CLIP_READERS[d.matting_format]
    preset = PRESETS[d.augmentation or ("imagematte" if d.matting_format == "imagematte" else "videomatte")]
    clips = read_clips(data_path(d.matting_train, root))
    backgrounds = _backgrounds(d.background_images, d.background_videos, root, clips)
    matting = MattingDataset(clips, backgrounds, t.seq_length, MotionAugmentation(t.resolution, preset), TrainFrameSampler())
    matting_hr = None
    if t.train_hr:
        augmentation = MotionAugmentation(t.resolution_hr, preset)
        matting_hr = MattingDataset(clips, backgrounds, t.seq_length_hr, augmentation, TrainFrameSampler())
    valid = None
    if d.matting_valid:
        valid_clips = read_clips(data_path(d.matting_valid, root))
        valid_backgrounds = _backgrounds(d.valid_background_images or d.background_images,
                                         d.valid_background_videos or d.background_videos, root, valid_clips)
        valid = MattingDataset(valid_clips, valid_backgrounds, t.seq_length,
                               MotionAugmentation(t.resolution, PRESETS["none"]), ValidFrameSampler())
    video_seg = image_seg = None
    if t.segmentation and d.youtubevis:
        video_seg = YouTubeVISPersons(data_path(d.youtubevis, root), t.seq_length,
                                      SegmentationAugmentation(t.resolution, "video"))
    sources = []
    if t.segmentation and d.coco:
        sources.append(CocoPanopticPersons(data_path(d.coco, root), "train"))
    if t.segmentation and d.supervisely:
        sources.append(SuperviselyPersons(data_path(d.supervisely, root)))
    if sources:
        image_seg = ImageSegmentationDataset(sources, SegmentationAugmentation(t.resolution, "image"))
    return TrainingData(matting, matting_hr, valid, video_seg, image_seg)


def _backgrounds(images: str | None, videos: str | None, root: Path,
                 clips: list[FrameClip | VideoClip]) -> BackgroundPool | None:
    if not images and not videos and all(c.composited or c.bgr_paths for c in clips):
        return None
    return BackgroundPool(data_path(images, root), data_path(videos, root))


def build_model(config: Config) -> nn.Module:
    """The network on the CPU in train mode, with ``model.init_from`` or ``model.weights`` loaded."""
    from videomatte.models.weights.zoo import load_model

    m = config.model
    weights = m.init_from or m.weights
    model = load_model(variant=m.variant, weights=weights, refiner=m.refiner, device="cpu")
    if m.init_matching and not weights:
        _init_matching(model, m.init_matching)
    return model.train()


def _init_matching(model: nn.Module, weights: str) -> None:
    from videomatte.models.registry import MODELS, get_spec
    from videomatte.models.weights.zoo import OFFICIAL, fetch_official, load_matching_weights

    if weights == OFFICIAL:
        backbone = get_spec(model.variant).backbone
        base = next(spec for spec in MODELS.values() if spec.released_weights and spec.backbone == backbone)
        path = fetch_official(base)
    else:
        path = weights
    copied, left = load_matching_weights(model, path)
    log.info("initialised %d tensors of %s from %s; %d keep their initialisation", copied, model.variant, path, left)


def build_optimizer(model: nn.Module, config: Config) -> torch.optim.Adam:
    """Adam with one parameter group per module family: backbone, aspp, refiner, and the decoder group,
    which holds everything else (decoder, heads, and a variant's own modules such as BRM)."""
    lr = config.lr
    named = {name: list(getattr(model, name).parameters()) for name in ("backbone", "aspp", "refiner")}
    grouped = {id(p) for params in named.values() for p in params}
    rest = [p for p in model.parameters() if id(p) not in grouped]
    groups = {"backbone": (named["backbone"], lr.backbone), "aspp": (named["aspp"], lr.aspp),
              "decoder": (rest, lr.decoder), "refiner": (named["refiner"], lr.refiner)}
    param_groups = [{"params": params, "lr": rate, "name": name} for name, (params, rate) in groups.items() if params]
    return torch.optim.Adam(param_groups)


def freeze_batchnorm(model: nn.Module) -> None:
    """Puts every BatchNorm layer in eval mode (running statistics stay as loaded)."""
    for module in model.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()
