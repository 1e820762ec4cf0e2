"""The Live tab's pictures on the wire: the browser's capture stamp, the replies' JPEG files, and the
script that measures, in the page, the rate and the latency from capture to display.

Gradio's streaming webcam sends each picture as a JPEG data URL made by a canvas. ``PAGE_SCRIPT`` puts
the capture time into that JPEG as a comment (a ``COM`` segment, which decoders skip); the server reads
it (``capture_stamp``), carries it with the picture through the loop and writes the composite to a file
named after it (``Replies``). When the page has loaded a reply, the script subtracts its stamp from the
clock: the latency from capture to display, with the frames shown per second, under the pictures and in
``window.videomatteLive`` (which the browser benchmark reads).
"""
from __future__ import annotations

import io
import re
import shutil
import time
import uuid
from collections import deque
from pathlib import Path

import numpy as np
from PIL import Image

REPLY_QUALITY = 80  # JPEG quality of the composites sent back
REPLIES_KEPT = 30  # reply files kept on disk (1 s at 30 fps): the page may still be fetching the last few
STAMP = re.compile(rb"^videomatte ([0-9]{1,16}(?:\.[0-9]{1,3})?) {0,2}$")

PAGE_SCRIPT = r"""
if (!window.videomatteLive) {
  const live = window.videomatteLive = {shown: [], latencies: [], stamped: 0};
  const toDataURL = HTMLCanvasElement.prototype.toDataURL;
  HTMLCanvasElement.prototype.toDataURL = function (type, ...rest) {
    const url = toDataURL.call(this, type, ...rest);
    const head = 'data:image/jpeg;base64,';
    if (type !== 'image/jpeg' || !url.startsWith(head)) return url;
    // a COM segment after the SOI marker; padded so that the segment is a multiple of 3 bytes long, the
    // rest of the base64 text stays as it is and only its first 4 characters (3 bytes) are redone
    let note = 'videomatte ' + (performance.timeOrigin + performance.now()).toFixed(1);
    while ((note.length + 4) % 3) note += ' ';
    const size = note.length + 2;
    const first = atob(url.slice(head.length, head.length + 4));
    live.stamped += 1;
    return head + btoa(first.slice(0, 2) + '\xff\xfe' + String.fromCharCode(size >> 8, size & 255) + note +
                       first.slice(2)) + url.slice(head.length + 4);
  };
  let written = 0;
  document.addEventListener('load', (event) => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement) || !img.closest('#live-output')) return;
    const match = /live-\d+-([0-9.]+)\.jpe?g/.exec(img.src);
    if (!match) return;
    const now = performance.timeOrigin + performance.now();
    live.shown.push(now);
    live.latencies.push(now - parseFloat(match[1]));
    if (live.shown.length > 20000) { live.shown.splice(0, 10000); live.latencies.splice(0, 10000); }
    if (now - written < 500 || live.shown.length < 2) return;
    written = now;
    const recent = live.shown.filter((t) => t > now - 3000);
    const fps = recent.length > 1 ? (recent.length - 1) * 1000 / (recent[recent.length - 1] - recent[0]) : 0;
    const last = live.latencies.slice(-recent.length).sort((a, b) => a - b);
    const pick = (q) => last[Math.min(last.length - 1, Math.floor(q * last.length))];
    const shown = document.querySelector('#live-shown');
    if (shown) shown.innerText = `shown ${fps.toFixed(1)} fps · capture to display ${pick(0.5).toFixed(0)} ms ` +
                                 `(p95 ${pick(0.95).toFixed(0)} ms)`;
  }, true);
}
"""


def capture_stamp(picture: Image.Image) -> str:
    """The capture time the page's script wrote into the picture's JPEG comment (milliseconds since
    the epoch, as text), or ``""`` if there is none."""
    comment = picture.info.get("comment", b"")
    match = STAMP.match(comment if isinstance(comment, bytes) else str(comment).encode())
    return match.group(1).decode() if match else ""


def encode_reply(picture: np.ndarray) -> bytes:
    """A composite ``uint8`` ``[H, W, 3]`` as the JPEG sent back to the page."""
    out = io.BytesIO()
    Image.fromarray(picture).save(out, "JPEG", quality=REPLY_QUALITY)
    return out.getvalue()


def page_cost_ms(picture: np.ndarray) -> float:
    """CPU milliseconds the page costs the server per picture of this size: decoding the browser's JPEG
    (made here at the browser's quality) and encoding the reply, timed once on this picture."""
    sent = io.BytesIO()
    Image.fromarray(picture).save(sent, "JPEG", quality=92)
    start = time.thread_time()
    np.asarray(Image.open(io.BytesIO(sent.getvalue())).convert("RGB"))
    encode_reply(picture)
    return (time.thread_time() - start) * 1000


class Replies:
    """The reply files of one browser session, in Gradio's cache folder (served as they are), the
    last ``REPLIES_KEPT`` kept.

    Args:
        cache: the output component's cache folder (``GRADIO_CACHE``); served: the component's set of
            files it may serve (``temp_files``), kept from growing with every reply.
    """

    def __init__(self, cache: str | Path, served: set[str]) -> None:
        self.folder = Path(cache) / "videomatte-live" / uuid.uuid4().hex
        self.folder.mkdir(parents=True, exist_ok=True)
        self._served = served
        self._written: deque[Path] = deque()

    def write(self, serial: int, stamp: str, data: bytes) -> str:
        """Write one reply; returns its path (its name carries the capture stamp for the page)."""
        path = self.folder / f"live-{serial}-{stamp or '0'}.jpeg"
        path.write_bytes(data)
        self._written.append(path)
        self._served.add(str(path))
        while len(self._written) > REPLIES_KEPT:
            old = self._written.popleft()
            old.unlink(missing_ok=True)
            self._served.discard(str(old))
        return str(path)

    def close(self) -> None:
        """Delete every reply file."""
        for path in self._written:
            self._served.discard(str(path))
        shutil.rmtree(self.folder, ignore_errors=True)
