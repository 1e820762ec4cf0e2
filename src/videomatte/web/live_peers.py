"""``RtcPeers``: the Live tab's WebRTC connections of one server (``web/live_rtc.RtcPeer`` each): the
offer answered, ``--concurrency`` of them at most, network sessions kept for the next connection."""
from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from gradio.utils import get_upload_folder

from videomatte.web.live_rtc import RtcPeer
from videomatte.web.rtc_jitter import receive_frames_at_once

if TYPE_CHECKING:
    from videomatte.inference.session import MattingSession
    from videomatte.web.settings import ServeSettings


class RtcPeers:
    """Every live connection of one server, ``concurrency`` at most; network sessions are kept for the
    next connection (graphs and weights load once).

    Args:
        settings: the server's settings (model, concurrency).
        make_session: builds a network session (default: the server's model, ``live_session``).
    """

    def __init__(self, settings: ServeSettings, make_session: Callable[[], MattingSession] | None = None) -> None:
        self.settings = settings
        self.make_session = make_session or (lambda: live_session(settings))
        self.peers: list[RtcPeer] = []
        self._idle: list[MattingSession] = []
        self._opening = 0
        self._loop: asyncio.AbstractEventLoop | None = None  # the server's loop, where the connections live

    async def offer(self, sdp: str, controls: dict) -> dict:
        """Answer the page's offer (SDP text, all its ICE candidates in it): ``{"sdp", "type"}``, or
        ``{"error": one line}`` when the server has no room or the offer is not valid."""
        self._loop = asyncio.get_running_loop()
        self.peers = [p for p in self.peers if not p.closed]
        if len(self.peers) + self._opening >= self.settings.concurrency:
            return {"error": f"videomatte: error: the server runs {self.settings.concurrency} live stream(s) "
                             "at a time and all are in use; try again later"}
        self._opening += 1  # the slot is taken while the session loads (another offer may come meanwhile)
        try:
            return await self._answer(sdp, controls if isinstance(controls, dict) else {})
        finally:
            self._opening -= 1

    async def _answer(self, sdp: str, controls: dict) -> dict:
        session = self._idle.pop() if self._idle else await asyncio.to_thread(self.make_session)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))  # host candidates only: no STUN, no TURN
        peer = RtcPeer(pc, session, controls, Path(get_upload_folder()))
        peer.on_close = lambda: self._idle.append(session)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=str(sdp), type="offer"))
            receive_frames_at_once(pc)  # a camera frame goes to the decoder when its last packet is in
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as err:  # noqa: BLE001 - a bad offer is one line for the page
            await peer.close()
            return {"error": f"videomatte: error: the browser's WebRTC offer was refused ({err})"}
        self.peers.append(peer)
        return {"sdp": pc.localDescription.sdp, "type": pc.localDescription.type}

    async def close(self) -> None:
        """Close every connection."""
        for peer in self.peers:
            await peer.close()

    def shutdown(self, timeout: float = 15.0) -> None:
        """Close every connection from another thread than the server's loop (the server stopping): its
        camera stream, matting loop and network session end; waits up to ``timeout`` seconds."""
        loop = self._loop
        if loop is None or loop.is_closed() or not any(not p.closed for p in self.peers):
            return
        try:
            asyncio.run_coroutine_threadsafe(self.close(), loop).result(timeout)
        except (RuntimeError, concurrent.futures.TimeoutError):  # the loop stopped first: nothing is left running on it
            pass


def live_session(settings: ServeSettings) -> MattingSession:
    """The network session of one live connection (the server's model: weights, device, runtime)."""
    from videomatte.inference.factory import create_session

    return create_session(settings.model)
