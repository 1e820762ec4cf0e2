"""The Live tab's loop without a browser: newest picture wins between the page and the network, the
quality selector reaches the matter, the capture stamp comes back in the reply's name."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from live_fakes import decode_echo, echo_session, index_value, indexed_frames

from videomatte.live.push import PushSource
from videomatte.web.live_feed import LiveFeed, feed_report


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


def test_the_quality_selector_reaches_the_matter() -> None:
    session, _ = echo_session()
    feed = LiveFeed(session, background="green")
    frame = np.full((360, 640, 3), 200, np.uint8)
    try:
        for quality, ratio in (("fast", 0.4), ("balanced", 0.5), ("high", 0.8)):
            feed.set_quality(quality)
            deadline, shown = time.monotonic() + 20, None
            while shown is None and time.monotonic() < deadline:
                feed.push(frame, "123")
                shown = feed.newest(feed._serial, 0.25)
            assert shown is not None and shown.stamp == "123", quality
            assert session.fixed_ratio == pytest.approx(ratio) and feed.choice == (quality, pytest.approx(ratio))
            assert f"quality {quality}: {quality}**, ratio {ratio:g}" in feed_report(feed, (640, 360), 1)
            assert shown.picture.shape == (360, 640, 3)
    finally:
        feed.close()
