"""The Live tab's transport: WebRTC (aiortc) between the browser's camera and the live loop.

The page's script (``web/live_client.py``) sends an offer through the tab's server function; the server
answers with a peer connection whose camera track feeds the session's ``LiveFeed`` and whose reply
track is the newest composite:

::

    camera ──VP8──▶ receive (newest av.VideoFrame) ──▶ convert thread ──push──▶ LiveFeed (LiveMatting)
                                                                                    │
    <video> ◀──VP8── CompositeTrack.recv: the newest composite, with its camera frame's timestamp ◀─┘

Newest frame wins at every hand-over: the receiver hands the newest decoded frame to a ``Latest`` slot
(a frame that arrives while one waits replaces it, unconverted), the ``PushSource`` behind the feed
holds one, and the reply track sends only the newest finished composite. The data channel tells the
page which camera frame (its RTP time) each reply frame (its own RTP time) was made from, so the page
can match what it shows to what it sent (its capture-to-display latency). Only host candidates are used: no STUN or TURN server is asked.
The data channel carries the page's settings (quality, background, mirror), clicks on a person and
the server's status line.
"""
from __future__ import annotations

import asyncio
import fractions
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from videomatte.errors import VideoMatteError
from videomatte.live.quality import QUALITIES
from videomatte.live.slots import END, Latest
from videomatte.subject.prompt import Point, SubjectPrompt
from videomatte.web.choices import DEFAULT_COLOUR, background_spec
from videomatte.web.jobs import error_line
from videomatte.web.live_feed import LiveFeed, feed_report

if TYPE_CHECKING:
    import av

    from videomatte.inference.session import MattingSession

RTP_CLOCK = fractions.Fraction(1, 90000)  # video's RTP time base (camera and reply pts count in it)
MICROSECONDS = fractions.Fraction(1, 1_000_000)
STATUS_EVERY = 0.5  # seconds between two status lines sent to the page
REPLY_WAIT = 0.5  # seconds the reply track waits for a composite before checking that it is still live
EVERYONE = "Every person is matted. Click a person in the matted picture to keep only them."


class CompositeTrack(MediaStreamTrack):
    """The reply: the newest composite of ``feed``, each sent once, as ``av.VideoFrame`` (rgb24).

    Its timestamps are the times the composites are sent (RTP clock, from the first): regular as a
    stream's should be, so the browser's jitter buffer does not hold frames back for the matting's
    varying delay. ``announce`` gets ``[reply pts, camera frame's pts]`` of each, for the page's latency.
    """

    kind = "video"

    def __init__(self, feed: LiveFeed, announce: Callable[[list[int]], None]) -> None:
        super().__init__()
        self.feed, self.announce, self._last = feed, announce, 0
        self._start: float | None = None
        self._pts = -1

    async def recv(self) -> av.VideoFrame:
        import av

        while True:
            if self.readyState != "live":
                raise MediaStreamError
            shown = await asyncio.to_thread(self.feed.newest, self._last, REPLY_WAIT)
            if shown is not None and shown.stamp:
                break
        self._last = shown.serial
        now = time.monotonic()
        self._start = now if self._start is None else self._start
        self._pts = max(self._pts + 1, round((now - self._start) / RTP_CLOCK))
        frame = av.VideoFrame.from_ndarray(shown.picture, format="rgb24")
        # in microseconds, rounded up: PyAV's encoder counts in them, and aiortc's truncating conversion
        # back to the RTP clock then gives exactly ``pts`` (1/90000 s ticks would lose one now and then)
        frame.pts, frame.time_base = (self._pts * 100 + 8) // 9, MICROSECONDS
        self.announce([self._pts, int(shown.stamp)])
        return frame


class RtcPeer:
    """One browser's WebRTC connection and its live matting.

    Args:
        pc: the peer connection (its offer not yet applied); session: its network session;
        controls: the page's settings at the time of the offer (see ``configure``); uploads: the folder
            a background image must come from (Gradio's upload cache).
    """

    def __init__(self, pc: RTCPeerConnection, session: MattingSession, controls: dict, uploads: Path) -> None:
        self.pc, self.uploads = pc, uploads
        self.feed = LiveFeed(session, fps=30.0)
        self.frames = 0
        self.size: tuple[int, int] | None = None
        self.subject = EVERYONE
        self.errors = {"controls": "", "loop": ""}  # one line each for the status, "" when none
        self._inbox = Latest(threading.Event())
        self._channel: Any = None
        self._tasks: list[asyncio.Task] = []
        self.closed = False
        self.on_close: Callable[[], None] = lambda: None
        self.configure(controls)
        self._converter = threading.Thread(target=self._convert, name="web live rtc", daemon=True)
        self._converter.start()
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_channel)
        pc.on("connectionstatechange", self._on_state)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind != "video":
            return
        self.pc.addTrack(CompositeTrack(self.feed, self._announce))  # on the camera's transceiver (sendrecv)
        self._tasks.append(asyncio.ensure_future(self._receive(track)))

    async def _receive(self, track: MediaStreamTrack) -> None:
        """Each decoded camera frame into the slot (newest wins; converted on the convert thread)."""
        try:
            while True:
                self._inbox.put(await track.recv())
        except MediaStreamError:  # the browser stopped its camera or left: the connection ends
            asyncio.ensure_future(self.close())
        finally:
            self._inbox.close()

    def _convert(self) -> None:
        while (frame := self._inbox.take()) is not END:
            picture = frame.to_ndarray(format="rgb24")  # type: ignore[attr-defined]
            if self.size is None or self.size != (picture.shape[1], picture.shape[0]):
                self.size = (picture.shape[1], picture.shape[0])
                self.feed.overhead_ms = rtc_cost_ms(picture)
            try:
                self.feed.push(picture, str(frame.pts))  # type: ignore[attr-defined]
                self.errors["loop"] = ""
            except Exception as err:  # noqa: BLE001 - one line in the page, never a traceback
                self.errors["loop"] = error_line(err)

    def _on_channel(self, channel: Any) -> None:
        self._channel = channel
        channel.on("message", self._on_message)
        self._tasks.append(asyncio.ensure_future(self._status()))

    def _on_message(self, text: str) -> None:
        try:
            message = json.loads(text)
            self._apply(message if isinstance(message, dict) else {})
        except (ValueError, TypeError, VideoMatteError) as err:  # a malformed message: one line, not a traceback
            self.errors["controls"] = error_line(err)
        self._send_status()

    def _apply(self, message: dict) -> None:
        """A message of the page: ``{"controls": {...}}``, ``{"pick": [x, y]}`` or ``{"everyone": true}``."""
        if "controls" in message:
            self.configure(message["controls"])
        if "pick" in message:
            x, y = (int(v) for v in message["pick"])
            self.feed.note = ""
            self.feed.session.set_subject(SubjectPrompt((Point(x, y),)))
            self.subject = f"Keeping only the person under ({x}, {y}); people who come into view later are not added."
        if message.get("everyone"):
            self.feed.session.set_subject(None)
            self.subject = EVERYONE

    def configure(self, controls: dict) -> None:
        """The page's settings: ``{"quality", "kind", "colour", "image": {"path"}, "mirror"}`` (missing
        ones unchanged); a bad one becomes the status line's error."""
        quality = controls.get("quality", self.feed.quality)
        image = controls.get("image") or {}
        try:
            if quality not in QUALITIES:
                raise VideoMatteError(f"quality must be one of {', '.join(QUALITIES)}, not {quality!r}")
            spec = background_spec(controls.get("kind", "colour"), controls.get("colour") or DEFAULT_COLOUR,
                                   self._upload(image.get("path") if isinstance(image, dict) else None))
        except VideoMatteError as err:
            self.errors["controls"] = error_line(err)
            return
        self.errors["controls"] = ""
        self.feed.set_quality(quality)
        self.feed.set_look(spec, bool(controls.get("mirror", self.feed.mirror)))

    def _upload(self, path: str | None) -> str | None:
        """A background image the page uploaded (only files in Gradio's upload folder are read)."""
        if not path:
            return None
        resolved = Path(path).resolve()
        if not resolved.is_file() or not resolved.is_relative_to(self.uploads.resolve()):
            raise VideoMatteError("the background image is not an upload of this page: upload it again")
        return str(resolved)

    async def _status(self) -> None:
        while self.pc.connectionState not in ("closed", "failed"):
            self._send_status()
            await asyncio.sleep(STATUS_EVERY)

    def _announce(self, pair: list[int]) -> None:
        """A reply is being sent: ``[its pts, its camera frame's pts]`` to the page at once (before the
        frame itself is encoded), for the page's latency."""
        self.frames += 1
        if self._channel is not None and self._channel.readyState == "open":
            self._channel.send(json.dumps({"sent": [pair]}))

    def _send_status(self) -> None:
        """The status lines: the server's report (with any error) and the subject line."""
        if self._channel is None or self._channel.readyState != "open":
            return
        report = feed_report(self.feed, self.size, self.frames) if self.size else "Waiting for the camera"
        for line in self.errors.values():
            report = f"{report}\n\n{line}" if line else report
        self._channel.send(json.dumps({"report": report, "subject": self.subject}))

    async def _on_state(self) -> None:
        if self.pc.connectionState in ("failed", "closed"):
            await self.close()

    async def close(self) -> None:
        """End the connection, the tasks and the loop (once)."""
        if self.closed:
            return
        self.closed = True
        for task in self._tasks:
            task.cancel()
        self._inbox.close()
        await self.pc.close()
        await asyncio.to_thread(self._converter.join, 10)  # its last picture pushed: no loop starts after
        await asyncio.to_thread(self.feed.close)
        self.feed.session.set_subject(None)
        self.on_close()


def rtc_cost_ms(picture: Any) -> float:
    """CPU milliseconds the transport costs the server per picture of this size, timed once on it:
    the camera frame's conversion to RGB and the reply's back to YUV and its VP8 encoding (decoding the
    camera's VP8 is taken as costing what encoding does not: it is not timed apart)."""
    import time

    import av
    from aiortc.codecs.vpx import Vp8Encoder

    frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
    frame.pts, frame.time_base = 0, RTP_CLOCK
    encoder = Vp8Encoder()
    encoder.encode(frame, force_keyframe=True)
    frame.pts = 3000
    start = time.thread_time()
    frame.reformat(format="yuv420p").to_ndarray()
    encoder.encode(frame)
    return (time.thread_time() - start) * 1000
