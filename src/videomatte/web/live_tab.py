"""The Live tab: the browser's webcam, matted in real time by the engine of ``videomatte live``.

Gradio's streaming webcam input sends a picture every ``STREAM_EVERY`` seconds over the page's own
connection (the newest one waits, older ones are replaced: Gradio keeps one picture per stream). Each
goes into the session's ``LiveFeed`` (``web/live_feed.py``: quality mode, overlapped halves, newest
frame wins, the matte composited with its own frame), and the newest finished composite comes back as a
JPEG whose name carries the capture stamp (``web/live_page.py``), so the page can show its rate and its
latency from capture to display. A click on the matted picture keeps only the person under it from the
next frame on (``set_subject``).
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING

import gradio as gr
import numpy as np
from PIL import Image

from videomatte.live.quality import QUALITIES
from videomatte.subject.prompt import Point, SubjectPrompt
from videomatte.web.choices import DEFAULT_COLOUR, background_spec
from videomatte.web.jobs import error_line
from videomatte.web.live_feed import LiveFeed
from videomatte.web.live_page import (
    PAGE_SCRIPT,
    Replies,
    capture_stamp,
    encode_reply,
    page_cost_ms,
)
from videomatte.web.settings import ServeSettings

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession

STREAM_EVERY = 1 / 30  # seconds between two pictures sent by the page (a 30 fps camera's rate)
REPLY_WAIT = 0.25  # seconds a request waits for a newer composite before answering without a picture
LIVE_HEIGHT = 480
LIVE_BACKGROUNDS = [("colour", "colour"), ("blur", "blur"), ("image", "image")]
EVERYONE = "Every person is matted. Click a person in the matted picture to keep only them."


def live_session(settings: ServeSettings) -> MattingSession:
    """The network session of one browser session's live tab (the server's model: weights, device, runtime)."""
    from videomatte.inference.factory import create_session

    return create_session(settings.model)


class LiveStream:
    """One browser session's live tab: its ``LiveFeed``, reply files and the page's cost per picture.

    Args:
        session: the network session (``live_session``); cache, served: the output component's cache
            folder and set of served files (``Replies``).
    """

    def __init__(self, session: MattingSession, cache: str, served: set[str]) -> None:
        self.feed = LiveFeed(session, fps=1 / STREAM_EVERY)
        self.replies = Replies(cache, served)
        self.sent = 0  # serial of the last composite sent to the page
        self.frames = 0
        self._costed: tuple[int, ...] | None = None

    def __call__(self, picture: Image.Image, background: str, mirror: bool, quality: str) -> str | None:
        """Hand in one webcam picture; the path of a newer composite (JPEG) if one is ready, else ``None``."""
        arrived = time.monotonic()
        frame = np.asarray(picture.convert("RGB"))
        if frame.shape != self._costed:
            self.feed.overhead_ms, self._costed = page_cost_ms(frame), frame.shape
        self.feed.set_quality(quality)
        self.feed.set_look(background, mirror)
        self.feed.push(frame, capture_stamp(picture), arrived)
        shown = self.feed.newest(self.sent, REPLY_WAIT)
        if shown is None:
            return None
        self.sent, self.frames = shown.serial, self.frames + 1
        return self.replies.write(shown.serial, shown.stamp, encode_reply(shown.picture))

    def report(self, size: tuple[int, int]) -> str:
        """``**quality auto: fast**, ratio 0.4 · matted 29.8 fps · server 38 ms (p95 52 ms) · 640x360 · 57 frames``."""
        choice = self.feed.choice
        if choice is None:
            return (f"Preparing the network for {size[0]}x{size[1]} (the first time at a size exports its "
                    "graphs: seconds)")
        mode, ratio = choice
        p50, p95 = self.feed.latency_ms()
        line = (f"**quality {self.feed.quality}: {mode}**, ratio {ratio:.3g} · matted {self.feed.fps_out:.1f} fps · "
                f"server {p50:.0f} ms (p95 {p95:.0f} ms) · {size[0]}x{size[1]} · {self.frames} frames")
        return f"{line}\n\n{self.feed.note}" if self.feed.note else line

    def close(self) -> None:
        """Stop the loop and delete the reply files."""
        self.feed.close()
        self.replies.close()


def _close(stream: LiveStream | None) -> None:
    if stream is not None:
        stream.close()


def live_step(settings: ServeSettings, output: gr.Image, picture: Image.Image | None, kind: str, colour: str,
              image: str | None, mirror: bool, quality: str, stream: LiveStream | None) -> tuple:
    """One webcam picture in; (a newer composite or no change, the status line, the session's stream) out."""
    if picture is None:
        return gr.skip(), gr.skip(), stream
    try:
        stream = stream or LiveStream(live_session(settings), output.GRADIO_CACHE, output.temp_files)
        reply = stream(picture, background_spec(kind, colour, image), mirror, quality)
    except Exception as err:  # noqa: BLE001 - one line in the page, never a traceback
        return gr.skip(), error_line(err), stream
    return (gr.skip() if reply is None else reply), stream.report(picture.size), stream


def live_pick(stream: LiveStream | None, event: gr.SelectData) -> str:
    """A click on the matted picture (``event.index``: its pixel, the frame's as matted): keep only the
    person under it from the next frame on."""
    if stream is None:
        return "Start the webcam first, then click a person in the matted picture."
    if None in event.index[:2]:  # the page had not loaded the picture it was replacing
        return "The picture changed under the click: click the person again."
    x, y = (int(v) for v in event.index[:2])
    stream.feed.note = ""
    stream.feed.session.set_subject(SubjectPrompt((Point(x, y),)))
    return f"Keeping only the person under ({x}, {y}); people who come into view later are not added."


def live_everyone(stream: LiveStream | None) -> str:
    if stream is not None:
        stream.feed.session.set_subject(None)
    return EVERYONE


def build_live_tab(settings: ServeSettings) -> None:
    """The Live tab's layout and its streaming event (inside a ``gr.Blocks``)."""
    with gr.Row():
        camera = gr.Image(sources=["webcam"], streaming=True, type="pil", label="Webcam",
                          webcam_options=gr.WebcamOptions(mirror=False), height=LIVE_HEIGHT, elem_id="webcam")
        matted = gr.Image(label="Matted", type="filepath", interactive=False, height=LIVE_HEIGHT,
                          elem_id="live-output")
    with gr.Row():
        quality = gr.Radio(list(QUALITIES), value="auto", label="Quality", elem_id="live-quality",
                           info="auto: the best mode that holds the camera's rate (as videomatte live --quality)")
        kind = gr.Radio(LIVE_BACKGROUNDS, value="colour", label="Background")
        colour = gr.ColorPicker(value=DEFAULT_COLOUR, label="Colour")
        image = gr.Image(type="filepath", sources=["upload"], label="Background image", height=120)
        mirror = gr.Checkbox(value=False, label="Mirror")
    fps = gr.Markdown(elem_id="live-fps")
    gr.HTML("", elem_id="live-shown", js_on_load=PAGE_SCRIPT)
    with gr.Row():
        subject = gr.Markdown(EVERYONE, elem_id="live-subject")
        everyone = gr.Button("Everyone", size="sm", scale=0, elem_id="live-everyone")
    stream = gr.State(None, time_to_live=settings.session_ttl_s, delete_callback=_close)
    matted.select(live_pick, stream, subject, api_visibility="private", queue=False, show_progress="hidden")
    everyone.click(live_everyone, stream, subject, api_visibility="private", queue=False, show_progress="hidden")
    camera.stream(lambda *args: live_step(settings, matted, *args),
                  [camera, kind, colour, image, mirror, quality, stream], [matted, fps, stream],
                  stream_every=STREAM_EVERY, time_limit=None, concurrency_id="live",
                  concurrency_limit=settings.concurrency, api_visibility="undocumented", show_progress="hidden")
