"""Reading by ranges (seek + decode) gives exactly the frames of a sequential read; lossless segments."""
from fractions import Fraction

import numpy as np
import pytest

from media_clips import moving_scene
from videomatte.errors import MediaError
from videomatte.io.readers import open_reader
from videomatte.io.seeking import open_seekable
from videomatte.io.segments import finish_segment, read_segment, segment_finished, segment_writer


@pytest.fixture(scope="module")
def gop_clip(tmp_path_factory):
    """40 frames of variable frame rate, B-frames and a key frame every 8 frames (seeks land mid-GOP)."""
    import av

    path = tmp_path_factory.mktemp("seek") / "vfr_gop.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "veryfast", "g": "8", "bf": "2",
                                                                    "sc_threshold": "0"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 90000)
        pts = 0
        for index in range(40):
            frame = av.VideoFrame.from_ndarray(moving_scene(index, 96, 64)[0], format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 90000)
            container.mux(stream.encode(frame.reformat(format="yuv420p")))
            pts += 3000 if index % 2 == 0 else 4500
        container.mux(stream.encode(None))
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(container.streams.video[0]) if p.size]
    assert sum(p.is_keyframe for p in packets) >= 4
    assert any(b.pts < a.pts for a, b in zip(packets, packets[1:]))  # decode order differs from display order
    return path


def _sequential(path):
    with open_reader(path) as reader:
        return [(f.index, f.pts, f.image) for f in reader]


def test_ranges_match_a_sequential_read(gop_clip):
    path = gop_clip
    reference = _sequential(path)
    with open_seekable(path) as video:
        assert video.timestamps() == [pts for _, pts, _ in reference]
        for start, stop in [(0, 3), (5, 17), (17, 18), (33, 99)]:
            got = list(video.frames(start, stop))
            assert [f.index for f in got] == list(range(start, min(stop, 40)))
            for frame in got:
                index, pts, image = reference[frame.index]
                assert frame.pts == pts and np.array_equal(frame.image, image)
        with pytest.raises(MediaError, match="outside"):
            list(video.frames(40, 41))


def test_image_sequence_ranges(tmp_path):
    from PIL import Image

    for k in range(5):
        Image.fromarray(np.full((4, 6, 3), k * 40, np.uint8)).save(tmp_path / f"{k}.png")
    with open_seekable(tmp_path, Fraction(25)) as images:
        assert images.timestamps() == [0, 1, 2, 3, 4]
        assert [int(f.image[0, 0, 0]) for f in images.frames(2, 4)] == [80, 120]


def test_segments_are_lossless_with_exact_timestamps(tmp_path, ntsc_clip):
    with open_reader(ntsc_clip) as reader:
        info = reader.info
    rng = np.random.default_rng(1)
    pictures = [rng.integers(0, 65536, (info.height, info.width, 4), dtype=np.uint16) for _ in range(3)]
    stamps = [1001, 4004, 5005]  # exact values Matroska's milliseconds could not keep
    path = tmp_path / "segment-00000.mkv"
    with segment_writer(path, info) as writer:
        for picture, pts in zip(pictures, stamps):
            writer.write(picture, pts, info.time_base)
    assert not segment_finished(path, 3)  # no timestamps yet: not complete
    finish_segment(path, stamps, info.time_base)
    assert segment_finished(path, 3) and not segment_finished(path, 4)
    back = list(read_segment(path))
    assert [pts for _, pts, _ in back] == stamps and all(tb == info.time_base for _, _, tb in back)
    assert all(np.array_equal(a, b) for a, (b, _, _) in zip(pictures, back))
