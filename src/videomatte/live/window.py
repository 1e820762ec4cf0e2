"""The preview window (OpenCV's HighGUI) and its keys: ``b`` next background, ``space`` pause (freeze
what is sent), ``m`` mirror, ``d`` despill on/off, ``q``/``Esc`` quit."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from videomatte.errors import MediaError
from videomatte.live.sinks import Outgoing, has_display

if TYPE_CHECKING:
    from videomatte.live.frame_matter import FrameMatter

BACKGROUND_CYCLE = ("green", "blue", "white", "black", "blur")
KEYS = {ord("b"): "background", ord(" "): "pause", ord("m"): "mirror", ord("d"): "despill", ord("q"): "quit", 27: "quit"}


@dataclass
class Controls:
    """What the keys change, shared by the window and the engine.

    Attributes:
        backgrounds: the cycle ``b`` walks through (the run's own background first).
        paused: the output holds its last picture.
        quit: the run should end (like Ctrl-C).
    """

    backgrounds: list[str] = field(default_factory=lambda: list(BACKGROUND_CYCLE))
    paused: bool = False
    quit: bool = False
    mirror_toggles: int = 0
    _position: int = 0

    def next_background(self) -> str:
        """The next background of the cycle."""
        self._position = (self._position + 1) % len(self.backgrounds)
        return self.backgrounds[self._position]

    def press(self, key: int, matter: FrameMatter) -> str | None:
        """Apply ``key`` (an OpenCV key code) to ``matter`` (a ``FrameMatter``); returns the action's name."""
        action = KEYS.get(key & 0xFF) if key >= 0 else None
        if action == "background":
            matter.background = self.next_background()
        elif action == "pause":
            self.paused = not self.paused
        elif action == "mirror":
            matter.mirror = not matter.mirror
        elif action == "despill":
            matter.session.despill = not matter.session.despill
        elif action == "quit":
            self.quit = True
        return action


class WindowSink:
    """Shows the composite in a window and reads its keys.

    Raises:
        MediaError: no display, or OpenCV (with its GUI) is not installed.
    """

    def __init__(self, controls: Controls, matter: Callable[[], object], title: str = "videomatte live") -> None:
        if not has_display():
            raise MediaError("--window needs a display (DISPLAY is not set); use --record or --virtual-camera")
        try:
            import cv2
        except ImportError:
            raise MediaError("--window needs OpenCV with its GUI: pip install opencv-python") from None
        self._cv2, self.controls, self.matter, self.title = cv2, controls, matter, title  # matter() -> FrameMatter

    def send(self, out: Outgoing) -> None:
        picture = out.picture("composite")
        self._cv2.imshow(self.title, picture[..., ::-1])
        self.controls.press(self._cv2.waitKey(1), self.matter())

    def close(self, error: BaseException | None = None) -> None:
        """Close the window (once)."""
        if self.title is not None:
            self._cv2.destroyWindow(self.title)
            self.title = None
