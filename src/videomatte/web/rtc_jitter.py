"""The Live tab's receiving side of WebRTC: each camera frame handed to the decoder as soon as its last
packet is in (``FrameEndJitterBuffer``), not one frame interval later.

aiortc's video jitter buffer (1.16) gives out an encoded frame when the first packet of the *next* frame
arrives (a new RTP timestamp), so every camera frame waits a whole frame interval (33 ms at 30 fps) on
the server before it is even decoded. The sender marks each frame's last packet (the RTP marker bit,
RFC 7741 for VP8; browsers and aiortc set it), so a frame whose packets from the first to the marked one
are all in, with one timestamp, is complete: this buffer hands it over then, and otherwise (a packet
lost or late) waits as aiortc's does.
"""
from __future__ import annotations

import logging
from typing import Any, Optional

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add

log = logging.getLogger(__name__)
BUFFER_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"  # where aiortc 1.16 keeps a receiver's buffer


class FrameEndJitterBuffer(JitterBuffer):
    """aiortc's video ``JitterBuffer``, releasing a frame at its marked last packet when it is complete."""

    def add(self, packet: RtpPacket) -> tuple[bool, Optional[JitterFrame]]:
        """Store ``packet``; returns ``(send a PLI, the frame completed, if any)`` as aiortc's does."""
        pli, frame = super().add(packet)
        if frame is None and packet.marker:
            frame = self._take_complete(packet)
        return pli, frame

    def _take_complete(self, last: RtpPacket) -> Optional[JitterFrame]:
        """The frame ending with ``last`` when every packet from the oldest kept to it is in and has its
        timestamp (removed from the buffer), else ``None``."""
        if self._origin is None:
            return None
        count = uint16_add(last.sequence_number, -self._origin) + 1
        if count > self.capacity:
            return None
        packets = [self._packets[(self._origin + k) % self.capacity] for k in range(count)]
        if any(p is None or p.timestamp != last.timestamp for p in packets):
            return None
        self.remove(count)
        return JitterFrame(data=b"".join(p._data for p in packets), timestamp=last.timestamp)  # type: ignore[union-attr]


def receive_frames_at_once(pc: Any) -> bool:
    """Give each video receiver of the peer connection ``pc`` a ``FrameEndJitterBuffer`` (call after the
    remote description is set, before media flows). Returns whether every one could be given it:
    another aiortc version may keep the buffer elsewhere, and then its own stays, with its delay."""
    receivers = [r for r in pc.getReceivers() if r.track is not None and r.track.kind == "video"]
    for receiver in receivers:
        kept = getattr(receiver, BUFFER_ATTRIBUTE, None)
        if not isinstance(kept, JitterBuffer):
            log.debug("web live: this aiortc keeps no jitter buffer where expected; frames wait one interval")
            return False
        setattr(receiver, BUFFER_ATTRIBUTE, FrameEndJitterBuffer(capacity=kept.capacity, is_video=True))
    return bool(receivers)
