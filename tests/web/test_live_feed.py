"""The Live tab's loop without a browser: newest picture wins between the page and the network, the
quality selector reaches the matter, the capture stamp comes back in the reply's name."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from live_fakes import decode_echo, echo_session, index_value, indexed_frames

from videomatte.live.push import PushSource
from videomatte.web.live_feed import LiveFeed
from videomatte.web.live_page import capture_stamp
from videomatte.web.live_tab import LiveStream


def _wait_for(feed: LiveFeed, stamp: str, after: int = 0, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = feed.newest(after, 0.1)
        if shown is not None and shown.stamp == stamp:
            return shown
    raise AssertionError(f"picture {stamp} was never matted")


def test_a_pushed_picture_replaces_the_one_waiting() -> None:
    source = PushSource()
    pictures = indexed_frames(3)
    for picture in pictures:
        source.push(picture)
    source.close()
    taken = list(source)
    assert [frame.index for frame in taken] == [2] and source.dropped == 2
    assert taken[0].image is pictures[2]


def test_pictures_that_arrive_while_one_is_matted_do_not_queue() -> None:
    session, _ = echo_session(delay=0.3)
    feed = LiveFeed(session, quality="fast", background="black")
    matted: list[int] = []
    finished = feed._finished
    feed._finished = lambda picture, captured: (matted.append(captured.index), finished(picture, captured))
    frames = indexed_frames(6)
    try:
        feed.push(frames[0], "0")
        first = _wait_for(feed, "0")
        feed.push(frames[1], "1")
        time.sleep(0.1)  # frame 1 is in the network now (0.3 s); 2..5 arrive meanwhile
        for k in range(2, 6):
            feed.push(frames[k], str(k))
        last = _wait_for(feed, "5", first.serial)
    finally:
        feed.close()
    assert matted == [0, 1, 2, 5] or matted == [0, 1, 5]  # 2 may have been taken before 3 came; 3, 4 never
    assert last.serial == len(matted)
    left, right = decode_echo(last.picture)  # the matte of its own frame: v * v / 255 left, v right
    assert abs(left - index_value(5) ** 2 / 255) <= 1 and right == index_value(5)


def _jpeg(frame: np.ndarray, stamp: str) -> Image.Image:
    data = io.BytesIO()
    Image.fromarray(frame).save(data, "JPEG", quality=95, comment=f"videomatte {stamp}".encode())
    return Image.open(io.BytesIO(data.getvalue()))


def test_the_quality_selector_reaches_the_matter(tmp_path: Path) -> None:
    session, _ = echo_session()
    served: set[str] = set()
    stream = LiveStream(session, str(tmp_path), served)
    frame = np.full((360, 640, 3), 200, np.uint8)
    try:
        for quality, ratio in (("fast", 0.4), ("balanced", 0.5), ("high", 0.8)):
            deadline, reply = time.monotonic() + 20, None
            while reply is None and time.monotonic() < deadline:
                reply = stream(_jpeg(frame, "1733500000123.5"), "green", False, quality)
            assert reply is not None, quality
            assert session.fixed_ratio == pytest.approx(ratio) and stream.feed.choice == (quality, pytest.approx(ratio))
            assert f"quality {quality}: {quality}**, ratio {ratio:g}" in stream.report((640, 360))
            assert Path(reply).name.endswith("-1733500000123.5.jpeg") and reply in served
            assert Image.open(reply).size == (640, 360)
    finally:
        stream.close()
    assert not any(Path(path).exists() for path in served) and not served


def test_the_capture_stamp_is_read_from_the_jpeg_comment() -> None:
    frame = np.zeros((8, 8, 3), np.uint8)
    assert capture_stamp(_jpeg(frame, "1733500000123.5")) == "1733500000123.5"
    assert capture_stamp(_jpeg(frame, "1733500000123.5  ")) == "1733500000123.5"  # the page pads it
    assert capture_stamp(_jpeg(frame, "<script>")) == ""
    assert capture_stamp(Image.fromarray(frame)) == ""
