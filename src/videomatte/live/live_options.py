"""``LiveOptions``: every setting of a live run, and the session and outputs they make."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from videomatte.errors import OptionError
from videomatte.inference.model_settings import ModelSettings, replace_with_model
from videomatte.live.quality import QUALITIES
from videomatte.live.quality_control import ControlSettings

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession
    from videomatte.live.frame_matter import FrameMatter
    from videomatte.live.sinks import Sink
    from videomatte.live.sources import AvSource, FileSource, PictureSource
    from videomatte.live.window import Controls

CALLBACK_PICTURES = ("composite", "rgba", "alpha", "foreground")


@dataclass(frozen=True)
class LiveOptions:
    """Settings of :class:`videomatte.live.loop.LiveMatting`.

    Source: ``source`` is a camera (``"0"``, ``"/dev/video0"``, ``"video=NAME"``), ``"testsrc"``, a URL, a
    video file, or an iterable of ``uint8`` ``[H, W, 3]`` pictures; ``size`` ``(width, height)`` and ``fps``
    ask the camera (or scale/pace the synthetic source); ``loop`` replays a file; ``pace=False`` hands a
    file's frames over as fast as the loop takes them.

    Matting: ``model`` (a ``ModelSettings``: variant, weights, runtime, subject...) builds the session
    through ``create_session``; ``quality`` (``auto``, ``high``, ``balanced``, ``fast``) picks the
    downsample ratio unless ``model.downsample_ratio`` fixes it; ``background``, ``mirror`` and ``smooth``
    as in ``FrameMatter``. ``replace`` (and ``LiveMatting``'s keywords) also take ``ModelSettings``' fields.

    Outputs (any combination): ``virtual_camera`` (with ``camera_backend``/``camera_device``), ``window``,
    ``record`` (a file or folder; ``overwrite`` replaces one), ``callback(picture, captured)`` (what
    ``callback_picture`` names: ``composite`` ``[H, W, 3]``, ``rgba`` ``[H, W, 4]`` with straight alpha,
    ``alpha`` ``[H, W, 1]`` or ``foreground`` ``[H, W, 3]``, all ``uint8``).

    Ending: ``max_frames`` output frames, ``duration`` seconds, the source's end, Ctrl-C or ``stop()``.
    ``readout`` prints a live one-line status on stderr. ``model.subject`` (a ``SubjectPrompt``) keeps only
    the people it points at on the first frame, as ``convert --subject`` does. ``cuts`` ``auto`` (default)
    resets the recurrent state where the picture jumps to another shot (a switcher, an edited file),
    among the frames matted; ``off`` never does. ``overhead_ms``: CPU
    time each frame costs outside the loop (a web page's decoding of the browser's picture and encoding of
    the reply), left out of ``quality auto``'s budget; a ``PushSource`` as ``source`` is used as it is.
    ``control``: the thresholds with which ``quality auto`` keeps adjusting while it runs
    (``live.quality_control.ControlSettings``).
    """

    source: str | Iterable[np.ndarray] = "testsrc"
    size: tuple[int, int] | None = None
    fps: float | None = None
    loop: bool = False
    pace: bool = True
    model: ModelSettings = field(default_factory=ModelSettings)
    quality: str = "auto"
    background: str = "green"
    mirror: bool = False
    smooth: float = 0.0
    virtual_camera: bool = False
    camera_backend: str | None = None
    camera_device: str | None = None
    window: bool = False
    record: str | None = None
    overwrite: bool = False
    callback: Callable | None = None
    callback_picture: str = "composite"
    max_frames: int | None = None
    duration: float | None = None
    readout: bool = False
    cuts: str = "auto"
    overhead_ms: float = 0.0
    control: ControlSettings = field(default_factory=ControlSettings)

    def __post_init__(self) -> None:
        """Raises ``OptionError`` for a value out of range (before anything is opened or loaded)."""
        if self.cuts not in ("auto", "off"):
            raise OptionError(f"live cuts must be auto or off, not {self.cuts!r} (frames are dropped live, "
                              "so a cut list cannot be followed)")
        if self.quality not in QUALITIES:
            raise OptionError(f"quality must be one of {', '.join(QUALITIES)}, not {self.quality!r}")
        if self.callback_picture not in CALLBACK_PICTURES:
            raise OptionError(f"callback_picture must be one of {', '.join(CALLBACK_PICTURES)}, "
                              f"not {self.callback_picture!r}")
        if not isinstance(self.model, ModelSettings):
            raise OptionError(f"model must be a ModelSettings, not {type(self.model).__name__}")
        if self.overhead_ms < 0:
            raise OptionError(f"overhead_ms must not be negative, got {self.overhead_ms}")
        for name in ("max_frames", "duration", "fps"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise OptionError(f"{name} must be positive, got {value}")

    @property
    def ratio(self) -> float | None:
        """The fixed downsample ratio (``None``: ``quality`` chooses)."""
        return self.model.downsample_ratio

    def replace(self, **changes: Any) -> LiveOptions:
        """A copy with ``changes``: these options' fields, or ``ModelSettings``' (routed to ``model``)."""
        return replace_with_model(self, changes)

    def make_session(self) -> MattingSession:
        """The ``MattingSession`` these settings ask for (official weights fetched on first use)."""
        from videomatte.inference.factory import create_session

        return create_session(self.model)

    def make_source(self) -> AvSource | FileSource | PictureSource:
        """The source these settings name."""
        from videomatte.live.push import PushSource
        from videomatte.live.sources import PictureSource, open_source

        if isinstance(self.source, PushSource):
            return self.source
        if isinstance(self.source, str):
            return open_source(self.source, self.size, self.fps, self.loop, self.pace)
        return PictureSource(self.source, self.fps or 30.0, self.pace)

    def make_sinks(self, fps: float, controls: Controls, matter: Callable[[], FrameMatter]) -> list[Sink]:
        """The outputs asked for, in the order frames reach them (cheap sinks first; the recording is
        encoded on its own thread)."""
        from videomatte.live.recorder import BackgroundSink
        from videomatte.live.sinks import CallbackSink, RecordSink, VirtualCameraSink

        sinks: list[Sink] = []
        if self.callback is not None:
            sinks.append(CallbackSink(self.callback, self.callback_picture))
        if self.virtual_camera:
            sinks.append(VirtualCameraSink(fps, self.camera_backend, self.camera_device))
        if self.window:
            from videomatte.live.window import WindowSink

            sinks.append(WindowSink(controls, matter))
        if self.record is not None:  # last: its hand-over waits when the encoder is behind (live.recorder)
            sinks.append(BackgroundSink(RecordSink(self.record, fps, self.overwrite)))
        return sinks
