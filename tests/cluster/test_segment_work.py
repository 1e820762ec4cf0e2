"""The work of one segment without Ray: warm-up, the shot cut that zeroes the state, its parts in the outputs' codecs."""
from fractions import Fraction

import numpy as np
import pytest
from media_clips import moving_scene

from videomatte.cluster.plan import Segment
from videomatte.cluster.worker import matte_segment
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.conversion.outputs import OutputPlan
from videomatte.inference.session import MattingSession
from videomatte.io.images import load_image
from videomatte.io.readers import open_reader
from videomatte.io.seeking import open_seekable
from videomatte.io.segments import read_stamps


@pytest.fixture(scope="module")
def cut_clip(tmp_path_factory):
    """20 frames at 25 fps with a shot cut at frame 10 (the scene turns into its negative), key frame every 4;
    the disc moves at half its usual speed, so that it never jumps back across the picture (another cut)."""
    import av

    path = tmp_path_factory.mktemp("cut") / "cut.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "veryfast", "g": "4", "crf": "10"})
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for index in range(20):
            picture = moving_scene(index / 2, 96, 64)[0]
            picture = 255 - picture if index >= 10 else picture
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            container.mux(stream.encode(frame.reformat(format="yuv420p")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):  # noqa: ANN001
    """Every test here on one torch thread (``one_torch_thread``)."""


def _session(weights):
    return MattingSession("mobilenetv3", weights, device="cpu", backend="torch", downsample_ratio=0.5)


def _single_pass_alpha(path, weights, first, last):
    """Alpha of frames ``first..last`` by one session that starts from zero at ``first``."""
    session = _session(weights)
    with open_reader(path) as reader:
        frames = [f.image for f in reader][first:last + 1]
    return [session.step(frame).pha[0, 0].numpy() for frame in frames]


@pytest.mark.parametrize("warm_start, start, counted, zero_from", [
    (6, 14, 4, 10),   # the cut at 10 lies in the warm-up: state from zero at 10
    (2, 10, 0, 10),   # the cut is the segment's first frame: no warm-up at all
    (10, 16, 6, 10),  # no cut in the warm-up: all of it counts
])
def test_warmup_restarts_at_a_cut(cut_clip, random_weights, tmp_path, warm_start, start, counted, zero_from):
    segment = Segment(str(cut_clip), 1, start, start + 3, warm_start, str(tmp_path / "segment-00001"))
    plans = [OutputPlan(str(tmp_path / "out") + "/", "alpha")]
    with open_seekable(cut_clip) as video:
        written, warmup = matte_segment(_session(random_weights), video, segment, plans,
                                        ConvertOptions(seq_chunk=2))
        stamps = video.timestamps()[start:start + 3]
    assert (written, warmup) == (3, counted)
    expected = _single_pass_alpha(cut_clip, random_weights, zero_from, start + 2)[-3:]
    assert read_stamps(segment.path)[0] == stamps
    stored = sorted((tmp_path / "segment-00001.0").iterdir())
    assert [p.name for p in stored] == ["000000.png", "000001.png", "000002.png"]  # the output's own format
    for path, alpha in zip(stored, expected):
        assert np.abs(load_image(path)[..., 0] / 255.0 - alpha).max() <= 0.5 / 255 + 1e-6  # 8-bit PNG


def _alpha_parts(folder):
    return [load_image(path)[..., 0] / 255.0 for path in sorted(folder.iterdir())]


def test_a_cut_inside_the_segment_resets_the_state(cut_clip, random_weights, tmp_path):
    segment = Segment(str(cut_clip), 1, 8, 13, 4, str(tmp_path / "segment-00001"))
    plans = [OutputPlan(str(tmp_path / "out") + "/", "alpha")]
    with open_seekable(cut_clip) as video:
        assert matte_segment(_session(random_weights), video, segment, plans,
                             ConvertOptions(seq_chunk=2)) == (5, 4)
    expected = _single_pass_alpha(cut_clip, random_weights, 10, 12)  # from zero at the cut
    for alpha, truth in zip(_alpha_parts(tmp_path / "segment-00001.0")[2:], expected):
        assert np.abs(alpha - truth).max() <= 0.5 / 255 + 1e-6
    with open_seekable(cut_clip) as video:  # without the cut test the state runs on across the cut
        matte_segment(_session(random_weights), video, segment, plans, ConvertOptions(seq_chunk=2, cuts="off"))
    carried = _alpha_parts(tmp_path / "segment-00001.0")[2:]
    assert np.abs(carried[0] - expected[0]).max() > 1e-3
