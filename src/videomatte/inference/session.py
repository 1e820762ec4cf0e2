"""``MattingSession``: a stateful front-end over the stateless network, for streams of frames.

It owns the device, the dtype, the recurrent state and the downsample ratio, so that a capture loop
only hands it frames::

    session = MattingSession("mobilenetv3")
    for frame in camera:                 # uint8 [H, W, 3] RGB
        matte = session.step(frame)      # matte.pha [1, 1, H, W], matte.fgr [1, 3, H, W]

``subject=SubjectPrompt.from_cli(["0.3,0.5"])`` keeps only the person under that point;
``despill=True`` cleans the colours of the soft edge; ``finishing=Finishing(shrink=1.5)`` chokes the matte.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from videomatte.finishing.despill import despill as despill_edge
from videomatte.finishing.matte import finish_matte
from videomatte.finishing.settings import Finishing
from videomatte.inference.backends import Backend, make_backend
from videomatte.errors import OptionError
from videomatte.inference.limits import check_ratio_fits
from videomatte.models.geometry import check_ratio
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.prompt import SubjectPrompt
from videomatte.subject.after_cut import AfterCutTracker
from videomatte.io.frames import to_tensor
from videomatte.models.registry import DEFAULT_MODEL, auto_downsample_ratio
from videomatte.models.weights.zoo import OFFICIAL, load_model

DTYPES = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
          "half": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}


@dataclass
class Matte:
    """The network's answer for a chunk of ``T`` frames, on the session's device.

    Attributes:
        fgr: foreground colour ``[T, 3, H, W]`` in 0..1.
        pha: alpha ``[T, 1, H, W]`` in 0..1.
    """

    fgr: Tensor
    pha: Tensor


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` picks CUDA, then Apple's MPS, then the CPU; anything else is checked for availability."""
    if str(device) == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise OptionError(f"unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise OptionError("device 'cuda' was asked for, but this PyTorch build sees no CUDA GPU")
    if resolved.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise OptionError("device 'mps' was asked for, but Apple's Metal backend is not available here")
    return resolved


def resolve_dtype(dtype: str | torch.dtype | None, device: torch.device) -> torch.dtype:
    """``None`` = float32; ``"auto"`` = float16 on CUDA/MPS, float32 on the CPU (where fp16 is slower)."""
    if dtype is None:
        return torch.float32
    if dtype == "auto":
        return torch.float16 if device.type in ("cuda", "mps") else torch.float32
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise OptionError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
        dtype = DTYPES[dtype]
    if dtype == torch.float16 and device.type == "cpu":
        raise OptionError("float16 is for GPUs: on the CPU it is slower than float32 and less accurate")
    return dtype


class MattingSession:
    """Matte a stream of frames while carrying the recurrent state from one call to the next.

    Args:
        model: a registered variant name, or an already built ``MattingNetwork``.
        weights: with a variant name: ``"official"``, a local weights file, or ``None`` (random init).
        refiner: with a variant name: ``"deep_guided_filter"`` or ``"fast_guided_filter"``.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
        dtype: ``None``/``"float32"``, ``"float16"`` (GPU only), ``"bfloat16"``, or ``"auto"``.
        downsample_ratio: fixed ratio in (0, 1]; ``None`` picks ``min(512 / max(H, W), 1)`` for each
            resolution it sees.
        backend: ``"auto"`` (the default: on the CPU in float32 the runtime measured fastest on this
            machine within the alpha budget, tuned once per frame size and cached, see
            ``videomatte.inference.tuning``; elsewhere eager PyTorch), ``"torch"`` (eager),
            ``"torchscript"`` or ``"onnxruntime"`` (CPU, or CUDA/TensorRT providers when present); see
            ``videomatte.inference.backends``.
        subject: keep only the people this prompt points at on the first frame (see
            ``videomatte.subject.tracker``); ``None`` keeps everyone. Applied to ``pha`` after the
            network, so every output follows it.
        despill: replace the foreground's colours where alpha is soft by an estimate of the person's
            own (``videomatte.finishing.despill``), so that no rim of the old background shows over a
            new one; alpha is not changed. Off, the network's foreground is returned as it is.
        finishing: levels, shrink/grow and feather of the matte (``videomatte.finishing.Finishing``),
            after the subject selection; ``None`` or the default leaves the matte as it is. Despill
            works from the matte before finishing (the network's estimate of the true alpha).

    A change of frame size resets the state (the network's and the subject's; an automatic ratio is
    recomputed), and a change of ``fixed_ratio`` the network's (its states' sizes follow the ratio).
    ``step`` holds a lock, so one session may be fed from several threads, one chunk at a time.
    """

    def __init__(
        self,
        model: str | nn.Module = DEFAULT_MODEL,
        weights: str | Path | None = OFFICIAL,
        refiner: str = "deep_guided_filter",
        device: str | torch.device = "auto",
        dtype: str | torch.dtype | None = None,
        downsample_ratio: float | None = None,
        backend: str = "auto",
        subject: SubjectPrompt | None = None,
        despill: bool = False,
        finishing: Finishing | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device)
        self.fixed_ratio = check_ratio(downsample_ratio)
        network = load_model(model, weights, refiner) if isinstance(model, str) else model
        self.model = network.eval().to(self.device, self.dtype)
        self.backend: Backend = make_backend(backend, self.model, self.device, self.dtype)
        self._lock = threading.Lock()
        self._finish_lock = threading.Lock()
        self._rec: list[Tensor | None] = [None] * 4
        self._size: tuple[int, int] | None = None
        self._shape: tuple[tuple[int, int], float] | None = None
        self._subject = SubjectTracker(subject) if subject is not None else None
        self.despill = despill  # public: the live window's key toggles it between frames
        self.finishing = finishing if finishing is not None else Finishing()

    @property
    def runtime(self) -> str:
        """The runtime in use, in words (``auto (1920x1080 @0.25: openvino bf16, 2 threads)`` once tuned)."""
        return getattr(self.backend, "describe", lambda: self.backend.name)()

    def __repr__(self) -> str:
        runtime = self.runtime
        ratio = "auto" if self.fixed_ratio is None else f"{self.fixed_ratio:g}"
        variant = getattr(self.model, "variant", type(self.model).__name__)
        dtype = str(self.dtype).replace("torch.", "")
        return (f"MattingSession({variant!r}, runtime={runtime!r}, device={str(self.device)!r}, "
                f"dtype={dtype!r}, downsample_ratio={ratio})")

    @property
    def subject(self) -> SubjectPrompt | None:
        """The prompt choosing who is matted (``None``: everyone)."""
        return self._subject.prompt if self._subject is not None else None

    def set_subject(self, subject: SubjectPrompt | None) -> None:
        """Choose who is matted from the next frame on (that frame is the prompt's first frame);
        ``None`` mattes everyone again. The network's state is kept."""
        with self._lock:
            self._subject = SubjectTracker(subject) if subject is not None else None

    def _renew_subject(self) -> None:
        """A fresh tracker for the same prompt (frames already begun keep finishing with the old one)."""
        if self._subject is not None:
            self._subject = SubjectTracker(self._subject.prompt, self._subject.settings)

    @property
    def downsample_ratio(self) -> float | None:
        """The ratio in use for the current resolution (``None`` before the first frame in auto mode)."""
        if self.fixed_ratio is not None or self._size is None:
            return self.fixed_ratio
        return self.ratio_for(*self._size)

    def ratio_for(self, height: int, width: int) -> float:
        """The ratio frames of ``height x width`` are matted at: the fixed one, else
        ``min(512 / max(H, W), 1)``."""
        return self.fixed_ratio if self.fixed_ratio is not None else auto_downsample_ratio(height, width)

    def reset(self) -> None:
        """Forget the recurrent state (call at a shot cut or when a new video starts)."""
        with self._lock:
            self._rec = [None] * 4
            self._size = None
            self._renew_subject()

    def cut(self) -> None:
        """A new shot starts with the next frame: forget the network's recurrent state (its mattes then
        equal the shot's matted alone), and choose the subject again by its prompt on that frame (where
        the prompt points at nobody there, the selection carries on from the shot before; see
        ``videomatte.subject.after_cut``). Frames begun before keep finishing with the old tracker."""
        with self._lock:
            self._rec = [None] * 4
            if self._subject is not None:
                self._subject = AfterCutTracker(self._subject)

    def to_input(self, frames: np.ndarray | Tensor) -> Tensor:
        """Frames as the network's input ``[T, 3, H, W]`` on the session's device and dtype.

        Accepts ``uint8``/``uint16`` arrays ``[H, W, 3]`` or ``[T, H, W, 3]`` (RGB), or float tensors
        ``[3, H, W]`` or ``[T, 3, H, W]`` in 0..1.
        """
        if isinstance(frames, np.ndarray):
            return to_tensor(frames, self.device, self.dtype)
        if not isinstance(frames, Tensor) or not frames.is_floating_point():
            raise TypeError("frames must be a uint8/uint16 numpy array [T,H,W,3] or a float tensor [T,3,H,W]")
        if frames.ndim == 3:
            frames = frames[None]
        if frames.ndim != 4 or frames.shape[1] != 3:
            raise ValueError(f"expected a float tensor [T, 3, H, W], got shape {tuple(frames.shape)}")
        return frames.to(self.device, self.dtype)

    def step(self, frames: np.ndarray | Tensor) -> Matte:
        """Matte the next frame or chunk of frames of the stream; see ``to_input`` for the accepted forms."""
        return self.finish(self.begin(frames))

    def begin(self, frames: np.ndarray | Tensor) -> "InFlight":
        """The first, stateful part of ``step``: call in frame order; ``finish`` the result later.

        With :meth:`overlap_stages` on, ``finish`` of frame t may run on another thread while ``begin``
        of frame t+1 runs (each finished in frame order, since the subject's tracker is recurrent too);
        otherwise ``begin`` does all the work.
        """
        pictures = self._pictures(frames)
        # the float frames, unless nothing after the network reads them (converted now, not from a
        # caller's buffer that may change before finish)
        needed = pictures is None or self._subject is not None or self.despill
        src = self.to_input(frames) if needed else None
        with self._lock, torch.inference_mode():
            if pictures is not None and not self.backend.takes_pictures():  # type: ignore[union-attr]
                pictures, src = None, src if src is not None else self.to_input(frames)  # staged since
            size = (int(src.shape[-2]), int(src.shape[-1])) if src is not None else pictures.shape[1:3]
            ratio = self.ratio_for(*size)
            if size != self._size:
                self._size = size
                self._renew_subject()
            if (size, ratio) != self._shape:  # the states' sizes follow both
                self._rec = [None] * 4
                self._shape = (size, ratio)
            check_ratio_fits(ratio, *size, fewest=1)  # the network's limit; conversions ask for 64
            if pictures is not None:
                handoff, self._rec = self.backend.begin_pictures(pictures, self._rec, ratio)  # type: ignore[union-attr]
            else:
                handoff, self._rec = self.backend.begin(src[None], self._rec, ratio)
            return InFlight(handoff, self._subject, src, pictures)

    def takes_pictures(self) -> bool:
        """Whether :meth:`begin` takes decoded ``uint8`` pictures without a float copy (the runtime
        converts them inside its graph, and neither a subject nor despill reads the float frames): a
        caller that prepares frames ahead of ``begin`` (the live loop) then hands the pictures as they are."""
        takes = getattr(self.backend, "takes_pictures", None)
        return bool(takes is not None and takes()) and self._subject is None and not self.despill

    def _pictures(self, frames: np.ndarray | Tensor) -> np.ndarray | None:
        """``uint8`` RGB ``frames`` as ``[T, H, W, 3]`` when the backend converts pictures itself (OpenVINO
        inside its compiled graph: no float copy of the frame here), else ``None``."""
        takes = getattr(self.backend, "takes_pictures", None)
        if (takes is None or not isinstance(frames, np.ndarray) or frames.dtype != np.uint8
                or frames.ndim not in (3, 4) or frames.shape[-1] != 3 or not takes()):
            return None
        return frames[None] if frames.ndim == 3 else frames

    def _source(self, flight: InFlight) -> Tensor:
        """The frames of ``flight`` as ``to_input`` gives them (converted now where the backend took pictures)."""
        return flight.src if flight.src is not None else self.to_input(flight.pictures)  # type: ignore[arg-type]

    def finish(self, flight: "InFlight") -> Matte:
        """The matte of a frame (or chunk) started by :meth:`begin`."""
        with self._finish_lock, torch.inference_mode():
            fgr, pha = self.backend.finish(flight.handoff)
            src = self._source(flight) if flight.subject is not None or self.despill else None
            pha = pha[0] if flight.subject is None else flight.subject.apply(pha[0], src)
            fgr = despill_edge(src, fgr[0], pha, inplace=True) if self.despill else fgr[0]
            pha = finish_matte(pha, self.finishing)
        return Matte(fgr=fgr, pha=pha)

    def overlap_stages(self, on: bool = True) -> bool:
        """Split the network between ``begin`` and ``finish`` so that two threads can overlap
        consecutive frames (onnxruntime on the CPU: two half graphs on one thread each). Returns whether
        the split is in force; other backends keep doing all the work in ``begin``."""
        if not hasattr(self.backend, "can_stage"):
            return False
        with self._lock:
            self.backend.staged = bool(on and self.backend.can_stage())  # type: ignore[union-attr]
            return self.backend.staged  # type: ignore[union-attr]


@dataclass
class InFlight:
    """A frame (or chunk) between ``MattingSession.begin`` and ``finish``: what the backend handed over
    and the subject tracker in force when it began (a new one starts with every reset)."""

    handoff: object
    subject: SubjectTracker | None
    src: Tensor | None = None  # the frames, for the subject tracker's colour models and despill
    pictures: np.ndarray | None = None  # or the uint8 pictures the backend took, converted on demand
