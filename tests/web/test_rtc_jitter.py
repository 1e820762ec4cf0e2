"""The Live tab's receiving jitter buffer: a camera frame goes to the decoder at its marked last packet."""
from __future__ import annotations

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from videomatte.web.rtc_jitter import FrameEndJitterBuffer


def _packet(sequence: int, timestamp: int, marker: bool, data: bytes) -> RtpPacket:
    packet = RtpPacket(payload_type=96, marker=int(marker), sequence_number=sequence, timestamp=timestamp)
    packet._data = data  # what aiortc's receiver sets: the depayloaded bytes
    return packet


def _feed(buffer: JitterBuffer, packets: list[RtpPacket]) -> list[tuple[int, int, bytes]]:
    """``(index of the packet that released it, timestamp, data)`` of each frame handed out."""
    out = []
    for index, packet in enumerate(packets):
        _, frame = buffer.add(packet)
        if frame is not None:
            out.append((index, frame.timestamp, frame.data))
    return out


def test_a_frame_is_handed_out_at_its_last_packet_not_at_the_next_frames_first():
    packets = [_packet(65534, 3000, False, b"a1"), _packet(65535, 3000, False, b"a2"), _packet(0, 3000, True, b"a3"),
               _packet(1, 6000, True, b"b1"), _packet(2, 9000, False, b"c1"), _packet(3, 9000, True, b"c2")]
    ours = _feed(FrameEndJitterBuffer(capacity=128, is_video=True), packets)
    aiortcs = _feed(JitterBuffer(capacity=128, is_video=True), packets)
    assert ours == [(2, 3000, b"a1a2a3"), (3, 6000, b"b1"), (5, 9000, b"c1c2")]  # across the sequence wrap too
    assert aiortcs == [(3, 3000, b"a1a2a3"), (4, 6000, b"b1")]  # a frame later each


def test_a_frame_with_a_packet_missing_waits_as_before():
    buffer = FrameEndJitterBuffer(capacity=128, is_video=True)
    late = _packet(11, 3000, False, b"a2")
    packets = [_packet(10, 3000, False, b"a1"), _packet(12, 3000, True, b"a3")]  # 11 not yet in
    assert _feed(buffer, packets) == []
    assert buffer.add(late)[1] is None  # complete now, but not at its marked packet: the next frame releases it
    assert _feed(buffer, [_packet(13, 6000, True, b"b1")])[0][1:] == (3000, b"a1a2a3")
