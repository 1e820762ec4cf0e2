"""Joining parts of a video by packet copy (``io.concat``), for every codec a worker may write: the joined
file decodes to the frames, timestamps and audio of the same pictures written in one pass."""

import numpy as np
import pytest
from media_clips import make_clip, moving_scene

from videomatte.errors import MediaError
from videomatte.io.codecs import codec_for
from videomatte.io.concat import PacketJoiner
from videomatte.io.readers import VideoReader, open_reader
from videomatte.io.writers import VideoWriter

FRAMES, CUTS = 24, (0, 7, 16, 24)  # three parts of unequal length


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """An NTSC-rate clip with AAC audio: its info (time base, audio) drives every writer."""
    path = tmp_path_factory.mktemp("concat") / "source.mp4"
    make_clip(path, frames=FRAMES, audio=True)
    with open_reader(path) as reader:
        return reader.info, [f.pts for f in reader]


def _pictures() -> list[np.ndarray]:
    pictures = []
    for index in range(FRAMES):
        rgb, alpha = moving_scene(index, 96, 64)
        pictures.append(np.concatenate([rgb, (alpha[..., None] * 255).round().astype(np.uint8)], axis=-1))
    return pictures


def _write(path, info, spec, frames, stamps, audio):
    with VideoWriter(path, info, spec, alpha=spec.alpha_pix_fmt is not None, audio=audio) as writer:
        for picture, pts in zip(frames, stamps):
            writer.write(picture, pts, info.time_base)


def _decoded(path):
    import av

    with VideoReader(path, alpha=True) as reader:
        frames = list(reader)
    with av.open(str(path)) as container:
        audio = [(p.pts, bytes(p)) for p in container.demux(container.streams.audio[0]) if p.size]
    return [f.pts for f in frames], np.stack([f.image.astype(np.float64) for f in frames]), audio


# Mean |difference| (0..1) from the one-pass file: none for the lossless codecs; ProRes (intra-frame, but
# prores_ks's quantisers are not the same as in one pass) a few 1e-4; the inter-frame codecs, whose key
# frames fall elsewhere, the size of their coding noise.
@pytest.mark.parametrize("suffix, codec, bound", [
    (".mov", "prores", 1e-3), (".mkv", "ffv1", 0.0), (".mov", "png", 0.0),
    (".mp4", "h264", 0.02), (".mp4", "h265", 0.02), (".webm", "vp9", 0.02), (".mkv", "h264", 0.02),
])
def test_parts_join_into_the_one_pass_file(source, tmp_path, suffix, codec, bound):
    info, stamps = source
    spec, pictures = codec_for(f"x{suffix}", codec), _pictures()
    _write(tmp_path / f"whole{suffix}", info, spec, pictures, stamps, audio=True)
    parts = []
    for k, (a, b) in enumerate(zip(CUTS, CUTS[1:])):
        parts.append((tmp_path / f"part{k}{suffix}", stamps[a:b]))
        _write(parts[-1][0], info, spec, pictures[a:b], stamps[a:b], audio=False)
    with PacketJoiner(tmp_path / f"joined{suffix}", info) as joiner:
        for part, shown in parts:
            joiner.add(part, shown)
    assert joiner.frames == FRAMES
    whole_pts, whole, whole_audio = _decoded(tmp_path / f"whole{suffix}")
    pts, joined, audio = _decoded(tmp_path / f"joined{suffix}")
    assert pts == whole_pts and len(pts) == FRAMES
    assert audio == whole_audio and audio
    assert joined.shape == whole.shape  # alpha kept where the codec has it (VP9 in WebM: block additions)
    scale = 65535.0 if joined.max() > 255 else 255.0
    difference = np.abs(joined - whole).mean() / scale
    assert difference <= bound, difference


def test_a_part_with_other_frames_than_planned_is_refused(source, tmp_path):
    info, stamps = source
    spec = codec_for("x.mkv")
    _write(tmp_path / "part.mkv", info, spec, _pictures()[:5], stamps[:5], audio=False)
    with pytest.raises(MediaError, match="holds 5 frames, 6 were planned"):
        with PacketJoiner(tmp_path / "joined.mkv", info) as joiner:
            joiner.add(tmp_path / "part.mkv", stamps[:6])
    assert not list(tmp_path.glob("joined*")) and not list(tmp_path.glob(".joined*"))
