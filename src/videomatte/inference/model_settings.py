"""``ModelSettings``: which network runs, where, in what precision and runtime, at what ratio, on whom.

The one description of a matting model that every door shares: ``convert`` (``ConvertOptions.model``),
``live`` (``LiveOptions.model``), the web page and the Ray workers hold one, and
``videomatte.inference.factory.create_session`` turns it into a ``MattingSession``. Nothing here imports
torch, so a bad value is answered before the network loads.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

from videomatte.errors import OptionError
from videomatte.finishing.settings import Finishing
from videomatte.models.geometry import check_ratio
from videomatte.models.registry import DEFAULT_MODEL, check_refiner, get_spec

if TYPE_CHECKING:
    from videomatte.subject.prompt import SubjectPrompt

T = TypeVar("T")
BACKENDS = ("torch", "torchscript", "onnxruntime")
BACKEND_CHOICES = ("auto", *BACKENDS)
DTYPE_NAMES = ("float32", "fp32", "float16", "fp16", "half", "bfloat16", "bf16", "auto")
DEVICE_KINDS = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class ModelSettings:
    """The model of a matting session.

    Attributes:
        variant: a registered variant (``videomatte models`` lists them).
        weights: ``"official"``, a ``.pth``/``.safetensors``/``.onnx`` file, or ``None`` (random, for tests).
        refiner: ``deep_guided_filter``, ``fast_guided_filter`` or ``prm``.
        device: ``auto`` (CUDA, then MPS, then the CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        dtype: ``None``/``float32``, ``float16`` (GPU), ``bfloat16``, or ``auto``.
        backend: ``auto`` (the fastest correct runtime for the device) or one of :data:`BACKENDS`.
        downsample_ratio: in (0, 1]; ``None`` picks ``min(512 / longest side, 1)`` for each frame size.
        subject: keep only the people this prompt points at on the first frame; ``None`` keeps everyone.
        despill: replace the foreground's colours where alpha is soft by an estimate of the person's own
            (``videomatte.finishing.despill``); alpha is not changed.
        finishing: levels, shrink/grow and feather of the matte after the subject selection
            (``videomatte.finishing.Finishing``); the default leaves it as the network made it.

    Raises:
        OptionError: (from the constructor) a name nobody knows or a value out of range.
    """

    variant: str = DEFAULT_MODEL
    weights: str | os.PathLike | None = "official"
    refiner: str = "deep_guided_filter"
    device: str = "auto"
    dtype: str | None = None
    backend: str = "auto"
    downsample_ratio: float | None = None
    subject: SubjectPrompt | None = None
    despill: bool = False
    finishing: Finishing = field(default_factory=Finishing)

    def __post_init__(self) -> None:
        get_spec(self.variant)
        check_refiner(self.refiner)
        check_ratio(self.downsample_ratio)
        if self.backend not in BACKEND_CHOICES:
            raise OptionError(f"backend must be one of {', '.join(BACKEND_CHOICES)}, not {self.backend!r}")
        if self.dtype is not None and self.dtype not in DTYPE_NAMES:
            raise OptionError(f"unknown dtype {self.dtype!r}; use one of {', '.join(DTYPE_NAMES)}")
        if not isinstance(self.finishing, Finishing):
            raise OptionError(f"finishing must be a videomatte.finishing.Finishing, not {self.finishing!r}")
        if str(self.device).split(":")[0] not in DEVICE_KINDS:
            raise OptionError(f"unknown device {self.device!r}; use auto, cpu, cuda, cuda:N or mps")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The settings' names (keywords of ``create_session`` and ``convert``)."""
        return tuple(f.name for f in fields(cls))

    def replace(self, **changes: Any) -> ModelSettings:
        """A copy with ``changes`` (validated again)."""
        return replace(self, **changes) if changes else self

    def portable(self) -> ModelSettings:
        """The same settings for another process or machine: a local weights file as an absolute path."""
        weights = self.weights if self.weights is None else os.fspath(self.weights)
        if weights is not None and os.path.exists(weights):
            weights = os.path.abspath(weights)
        return self.replace(weights=weights)

    def key(self) -> dict[str, Any]:
        """Every setting as plain values (the subject as its text), for names of work folders and pools."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["weights"] = None if self.weights is None else os.fspath(self.weights)
        values["subject"] = None if self.subject is None else repr(self.subject)
        values["finishing"] = repr(self.finishing)
        return values


def replace_with_model(options: T, changes: dict[str, Any]) -> T:
    """A copy of ``options`` (a frozen dataclass with a ``model: ModelSettings`` field) with ``changes``:
    its own fields, or ``ModelSettings``' (routed to ``model``), so callers may write ``variant=...``.

    Raises:
        TypeError: a name that is neither.
    """
    own_names = {f.name for f in fields(options)}  # type: ignore[arg-type]
    model_names = set(ModelSettings.field_names())
    unknown = sorted(set(changes) - own_names - model_names)
    if unknown:
        raise TypeError(f"unexpected keyword arguments: {', '.join(unknown)}")
    own = {k: v for k, v in changes.items() if k in own_names}
    model = {k: v for k, v in changes.items() if k not in own_names}
    result = replace(options, **own) if own else options  # type: ignore[type-var]
    return replace(result, model=result.model.replace(**model)) if model else result  # type: ignore[attr-defined]
