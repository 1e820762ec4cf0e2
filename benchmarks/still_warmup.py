"""Does a warm-up help photos? A frame of a real clip matted as a photo (a fresh recurrent state, then
K extra passes of the same picture) is compared with the matte the network gives that frame inside
its video (after every frame before it: the state the network was trained to run in).

    PYTHONPATH=src python benchmarks/still_warmup.py --frames 40 120 300 --warmups 0 1 2 4 8

Prints the mean absolute alpha difference (x1000) to the in-video matte per K, and the change from
K-1 to K; needs ../shared/data/clips and the official weights (cached).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from videomatte.conversion.stills import matte_still
from videomatte.inference.factory import create_session
from videomatte.io.readers import read_frames

CLIPS = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "clips"


def in_video_mattes(session, clip: Path, wanted: set[int]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``{frame: (picture, alpha)}`` for the wanted frames, the video run from its first frame."""
    session.reset()
    found = {}
    for index, picture in enumerate(read_frames(clip, limit=max(wanted) + 1)):
        matte = session.step(picture)
        if index in wanted:
            found[index] = (picture, matte.pha[0, 0].float().cpu().numpy())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", nargs="+", default=["person_walk_360x640.mp4", "group_1920x1080.mp4",
                                                       "person_short_360x640.mp4"])
    parser.add_argument("--frames", nargs="+", type=int, default=[30, 90, 200])
    parser.add_argument("--warmups", nargs="+", type=int, default=[0, 1, 2, 4, 8])
    args = parser.parse_args()
    session = create_session()
    rows: dict[int, list[float]] = {k: [] for k in args.warmups}
    for name in args.clips:
        clip = CLIPS / name
        backend = session.runtime
        references = in_video_mattes(session, clip, set(args.frames))
        for index, (frame, reference) in sorted(references.items()):
            previous = None
            for k in args.warmups:
                alpha = matte_still(session, frame, k).pha[0, 0].float().cpu().numpy()
                mad = float(np.abs(alpha - reference).mean() * 1000)
                change = float(np.abs(alpha - previous).mean() * 1000) if previous is not None else 0.0
                previous = alpha
                rows[k].append(mad)
                print(f"{name} frame {index} ({backend}): K={k}  MAD to in-video {mad:6.2f}  change {change:6.2f}")
    for k, values in rows.items():
        print(f"K={k}: mean MAD x1000 to the in-video matte {np.mean(values):.2f} over {len(values)} frames")


if __name__ == "__main__":
    main()
