"""``bench_live.py --mode-costs``: what each ``--quality`` mode costs in the matte.

For each clip of ``../shared/data/clips`` (at its own size; ``group_1920x1080.mp4`` also at 1280x720, the
live size), every frame is matted in order at each mode's ratio (as the live loop does when it drops
nothing) and compared with the offline conversion of the same frames (conversion's default ratio,
512 / longest side, which is also ``high``'s):

- mean |Δα| over all pixels, alpha in 0..255;
- **person lost**: the share of the offline matte's person (alpha > 0.5) where the mode's alpha is <= 0.5;
- **person added**: pixels the mode calls person (> 0.5) that the offline matte does not, as a share of
  the offline person.
"""
from __future__ import annotations

import numpy as np

CLIPS = (("group_1920x1080.mp4", (1280, 720)), ("person_walk_360x640.mp4", (360, 640)),
         ("person_short_360x640.mp4", (360, 640)), ("group_1920x1080.mp4", (1920, 1080)))


def mode_cost(offline: list[np.ndarray], mode: list[np.ndarray]) -> dict[str, float]:
    """Mean |Δα| (0..255) and the shares (%) of the offline person lost and added by ``mode``."""
    reference = np.stack(offline)
    got = np.stack(mode)
    person, called = reference > 127, got > 127
    total = max(int(person.sum()), 1)
    return {"mean_abs_dalpha": round(float(np.abs(got.astype(np.int16) - reference).mean()), 3),
            "person_lost_pct": round(100 * float((person & ~called).sum()) / total, 2),
            "person_added_pct": round(100 * float((called & ~person).sum()) / total, 2)}


def clip_costs(session: object, name: str, size: tuple[int, int], frames: int) -> list[dict]:
    """Every mode's cost on the first ``frames`` frames of one clip at ``size`` (width, height)."""
    from bench_live import SHARED, load_frames, offline_alpha

    from videomatte.live.adaptive import ladder

    clip = load_frames(SHARED / "clips" / name, size, frames)
    offline = offline_alpha(session, clip, None)
    rows = []
    for rung in ladder(*size):
        alphas = offline_alpha(session, clip, rung.ratio)
        rows.append({"clip": name, "size": f"{size[0]}x{size[1]}", "frames": len(clip), "mode": rung.mode,
                     "ratio": round(rung.ratio, 4), **mode_cost(offline, alphas)})
        print(rows[-1], flush=True)  # a long run on a loaded machine shows its progress
    return rows


def mode_costs(session: object, frames: int) -> list[dict]:
    """:func:`clip_costs` for every clip of :data:`CLIPS` that is present."""
    from bench_live import SHARED

    return [row for name, size in CLIPS if (SHARED / "clips" / name).is_file()
            for row in clip_costs(session, name, size, frames)]


def costs_table(rows: list[dict]) -> str:
    """The costs as Markdown."""
    lines = ["| clip | size | frames | mode | ratio | mean abs Δα (0..255) | person lost | person added |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['clip']} | {r['size']} | {r['frames']} | {r['mode']} | {r['ratio']:.3g} | "
              f"{r['mean_abs_dalpha']} | {r['person_lost_pct']} % | {r['person_added_pct']} % |" for r in rows]
    return "\n".join(lines)
