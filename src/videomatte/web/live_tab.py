"""The Live tab: the browser's webcam, streamed to the server frame by frame and matted in real time.

Gradio's streaming webcam input sends a picture every ``STREAM_EVERY`` seconds over the page's own
connection; each is matted by ``videomatte.live.FrameMatter`` (one per browser session, so the
recurrent state follows that session's camera) and the composite goes back into the page. A click on
the matted picture keeps only the person under it from the next frame on (``set_subject``).
"""
from __future__ import annotations

import time
from collections import deque

import gradio as gr
import numpy as np

from videomatte.errors import SubjectError
from videomatte.subject.prompt import Point, SubjectPrompt
from videomatte.web.choices import DEFAULT_COLOUR, background_spec
from videomatte.web.jobs import error_line
from videomatte.web.settings import ServeSettings

STREAM_EVERY = 0.04  # seconds between two pictures sent by the page (at most 25 fps)
LIVE_HEIGHT = 480
LIVE_BACKGROUNDS = [("colour", "colour"), ("blur", "blur"), ("image", "image")]
EVERYONE = "Every person is matted. Click a person in the matted picture to keep only them."


class LiveStream:
    """One browser session's live matting: its ``FrameMatter`` and the timing of the last frames."""

    def __init__(self, settings: ServeSettings, window: int = 30) -> None:
        from videomatte.inference.factory import create_session
        from videomatte.live import FrameMatter

        self.matter = FrameMatter(create_session(settings.model), background="green")
        self.arrivals: deque[float] = deque(maxlen=window)
        self.matting_ms: deque[float] = deque(maxlen=window)
        self.frames = 0
        self.note = ""  # why the last click chose nobody, shown under the rate until the next click

    def __call__(self, frame: np.ndarray, background: str, mirror: bool) -> np.ndarray:
        """The composite of one webcam picture (``uint8 [H, W, 3]`` RGB) over ``background``."""
        if background != self.matter.background:
            self.matter.background = background
        self.matter.mirror = mirror
        start = time.perf_counter()
        try:
            composite = self.matter(np.ascontiguousarray(frame[..., :3], dtype=np.uint8))
        except SubjectError as err:
            self.matter.session.set_subject(None)  # the next frames matte everyone again
            self.note = error_line(err)
            raise
        self.matting_ms.append((time.perf_counter() - start) * 1000)
        self.arrivals.append(time.perf_counter())
        self.frames += 1
        return composite

    @property
    def fps(self) -> float:
        """Matted frames per second over the last frames."""
        if len(self.arrivals) < 2:
            return 0.0
        return (len(self.arrivals) - 1) / max(self.arrivals[-1] - self.arrivals[0], 1e-9)

    def report(self, frame: np.ndarray) -> str:
        """``12.3 fps · matting 41 ms per frame · 640x360 · 57 frames``."""
        ms = sum(self.matting_ms) / len(self.matting_ms) if self.matting_ms else 0.0
        line = (f"**{self.fps:.1f} fps** · matting {ms:.0f} ms per frame · "
                f"{frame.shape[1]}x{frame.shape[0]} · {self.frames} frames")
        return f"{line}\n\n{self.note}" if self.note else line

    def close(self) -> None:
        """Release the background's files."""
        self.matter.close()


def _close(stream: LiveStream | None) -> None:
    if stream is not None:
        stream.close()


def live_step(settings: ServeSettings, frame: np.ndarray | None, kind: str, colour: str,
              image: str | None, mirror: bool, stream: LiveStream | None) -> tuple:
    """One webcam picture in; (composite, fps line, the session's stream) out."""
    if frame is None:
        return None, "", stream
    try:
        stream = stream or LiveStream(settings)
        composite = stream(frame, background_spec(kind, colour, image), mirror)
    except Exception as err:  # noqa: BLE001 - one line in the page, never a traceback
        return None, error_line(err), stream
    return composite, stream.report(frame), stream


def live_pick(stream: LiveStream | None, event: gr.SelectData) -> str:
    """A click on the matted picture (``event.index``: its pixel, the frame's as matted): keep only the
    person under it from the next frame on."""
    if stream is None:
        return "Start the webcam first, then click a person in the matted picture."
    x, y = (int(v) for v in event.index[:2])
    stream.note = ""
    stream.matter.session.set_subject(SubjectPrompt((Point(x, y),)))
    return f"Keeping only the person under ({x}, {y}); people who come into view later are not added."


def live_everyone(stream: LiveStream | None) -> str:
    if stream is not None:
        stream.matter.session.set_subject(None)
    return EVERYONE


def build_live_tab(settings: ServeSettings) -> None:
    """The Live tab's layout and its streaming event (inside a ``gr.Blocks``)."""
    with gr.Row():
        camera = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="Webcam",
                          webcam_options=gr.WebcamOptions(mirror=False), height=LIVE_HEIGHT, elem_id="webcam")
        matted = gr.Image(label="Matted", type="numpy", format="jpeg", interactive=False,
                          height=LIVE_HEIGHT, elem_id="live-output")
    with gr.Row():
        kind = gr.Radio(LIVE_BACKGROUNDS, value="colour", label="Background")
        colour = gr.ColorPicker(value=DEFAULT_COLOUR, label="Colour")
        image = gr.Image(type="filepath", sources=["upload"], label="Background image", height=120)
        mirror = gr.Checkbox(value=False, label="Mirror")
    fps = gr.Markdown(elem_id="live-fps")
    with gr.Row():
        subject = gr.Markdown(EVERYONE, elem_id="live-subject")
        everyone = gr.Button("Everyone", size="sm", scale=0, elem_id="live-everyone")
    stream = gr.State(None, time_to_live=settings.session_ttl_s, delete_callback=_close)
    matted.select(live_pick, stream, subject, api_visibility="private", queue=False, show_progress="hidden")
    everyone.click(live_everyone, stream, subject, api_visibility="private", queue=False, show_progress="hidden")
    camera.stream(lambda *args: live_step(settings, *args), [camera, kind, colour, image, mirror, stream],
                  [matted, fps, stream], stream_every=STREAM_EVERY, time_limit=None,
                  concurrency_id="live", concurrency_limit=settings.concurrency, api_visibility="undocumented",
                  show_progress="hidden")
