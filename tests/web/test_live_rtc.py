"""The Live tab's WebRTC transport without a browser: an aiortc client sends numbered frames to the
server's ``RtcPeers`` (a stand-in network that takes 0.1 s a frame) and receives the composites."""
from __future__ import annotations

import asyncio
import fractions
import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gradio", reason="the web extra (gradio) is not installed")
aiortc = pytest.importorskip("aiortc", reason="the web extra (aiortc) is not installed")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))

from live_fakes import decode_echo, echo_session, index_value, indexed_frames

from videomatte.web.live_peers import RtcPeers
from videomatte.web.settings import ServeSettings

FRAMES, STEP = 45, 3000  # camera frames sent at 30 fps; their RTP times are k * STEP
SIZE = (48, 64)  # height, width (even: VP8)


class NumberedCamera(aiortc.MediaStreamTrack):
    """Frame k: left half grey ``index_value(k)``, right half white, pts ``k * STEP``, at 30 fps; after
    ``FRAMES`` frames it sends nothing more."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.frames, self.next = indexed_frames(FRAMES, *SIZE), 0

    async def recv(self):
        import av

        await asyncio.sleep(1 / 30)
        if self.next >= FRAMES:  # the camera has no more frames: it waits (a frame never repeats its time)
            await asyncio.sleep(3600)
        k = self.next
        self.next += 1
        frame = av.VideoFrame.from_ndarray(self.frames[k], format="rgb24")
        frame.pts, frame.time_base = k * STEP, fractions.Fraction(1, 90000)
        return frame


async def _call(peers: RtcPeers, controls: dict, seconds: float) -> tuple[list, list[dict], object]:
    """Connect, send the camera for ``seconds``; the replies (pts, picture), the channel's messages,
    and the answers to a second caller and to a malformed offer."""
    client = aiortc.RTCPeerConnection(aiortc.RTCConfiguration(iceServers=[]))
    channel = client.createDataChannel("videomatte")
    messages: list[dict] = []
    channel.on("message", lambda text: messages.append(json.loads(text)))
    client.addTransceiver(NumberedCamera(), direction="sendrecv")
    replies: list[tuple[int, np.ndarray]] = []

    async def receive(track) -> None:
        while True:
            frame = await track.recv()
            replies.append((frame.pts, frame.to_ndarray(format="rgb24")))

    tasks = []
    client.on("track", lambda track: tasks.append(asyncio.ensure_future(receive(track))))
    await client.setLocalDescription(await client.createOffer())
    answer = await peers.offer(client.localDescription.sdp, controls)
    await client.setRemoteDescription(aiortc.RTCSessionDescription(**answer))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(replies) < 8:
        await asyncio.sleep(0.1)
    channel.send(json.dumps({"controls": {"kind": "image", "image": {"path": "/etc/passwd"}}}))
    await asyncio.sleep(0.8)  # a status line or two
    busy = await peers.offer(client.localDescription.sdp, controls)  # a second caller while one runs
    for task in tasks:
        task.cancel()
    await asyncio.to_thread(peers.shutdown)  # as the server stopping does, from another thread
    assert peers.peers and all(peer.closed for peer in peers.peers)
    await client.close()
    bad = await peers.offer("v=0 not an offer", controls)  # the slot is free again; this offer is not SDP
    return replies, messages, (busy, bad)


def test_camera_frames_come_back_matted_with_their_own_times() -> None:
    session, _ = echo_session(delay=0.1)
    peers = RtcPeers(ServeSettings(concurrency=1), make_session=lambda: session)
    controls = {"quality": "fast", "kind": "colour", "colour": "#000000", "mirror": False}
    replies, messages, (busy, bad) = asyncio.run(_call(peers, controls, seconds=20))
    assert len(replies) >= 8
    pairs = [pair for message in messages for pair in message.get("sent", [])]  # [reply pts, camera pts]
    count = min(len(pairs), len(replies))
    assert count >= 8
    assert [pts for pts, _ in replies[:count]] == [reply for reply, _ in pairs[:count]]  # as announced
    cameras = [camera for _, camera in pairs]  # camera times, frame 0's is 0
    assert cameras == sorted(set(cameras))
    indices = [round(pts / STEP) for pts in cameras]
    assert all(abs(pts - k * STEP) <= 2 for pts, k in zip(cameras, indices))  # VP8's clock: a tick or two
    assert indices[count - 1] - indices[0] > count  # frames that came while one was matted were dropped
    for (_, picture), k in list(zip(replies, indices))[2:count]:  # VP8 both ways: a few grey levels off
        left, right = decode_echo(picture)
        assert abs(left - index_value(k) ** 2 / 255) <= 6 and abs(right - index_value(k)) <= 6, (k, left, right)
    reports = [message["report"] for message in messages if "report" in message]
    assert any("quality fast: fast**, ratio 1" in line for line in reports)
    assert "not an upload of this page" in reports[-1]  # a background file from elsewhere is refused
    assert busy == {"error": "videomatte: error: the server runs 1 live stream(s) at a time and all are in use; "
                             "try again later"}
    assert bad["error"].startswith("videomatte: error: the browser's WebRTC offer was refused")
