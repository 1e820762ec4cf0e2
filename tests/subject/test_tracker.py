"""Subject selection on synthetic mattes: discs that approach, merge, cross and separate; a point on
nobody; leaving and coming back; people entering; reset; people standing shoulder to shoulder."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from media_clips import TINY_SIZE
from videomatte.errors import SubjectError
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.prompt import Box, Point, SubjectPrompt

H, W = 120, 240


def disc(cx: float, cy: float = 60, r: float = 20) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.clip(r - np.hypot(xx - cx, yy - cy) + 0.5, 0, 1)


def run(tracker: SubjectTracker, alpha: np.ndarray) -> np.ndarray:
    return tracker.apply(torch.from_numpy(alpha)[None, None])[0, 0].numpy()


def kept(out: np.ndarray, person: np.ndarray) -> float:
    return float((out * person).sum() / person.sum())


def leak(out: np.ndarray, other: np.ndarray, person: np.ndarray) -> float:
    theirs = (other > 0.5) & (person < 0.05)
    return float(out[theirs].mean()) if theirs.any() else 0.0


@pytest.mark.parametrize("crossing", [True, False])
@pytest.mark.parametrize("start", ["left", "right"])
def test_two_discs_approach_merge_and_separate(crossing, start):
    """Crossing: they pass through each other (full overlap); not crossing: they meet, overlap by a
    third and go back (a full overlap and back would be the same mattes as a crossing)."""
    frames = 36
    closest = 0 if crossing else 28
    gaps = np.interp(np.linspace(0, 1, frames), [0, 0.1, 0.5, 1], [160, 160, closest, -160 if crossing else 160])
    tracker = SubjectTracker(SubjectPrompt.from_cli(["40,60" if start == "left" else "200,60"]))
    for t, gap in enumerate(gaps):
        left, right = disc(120 - gap / 2), disc(120 + gap / 2)
        mine, other = (left, right) if start == "left" else (right, left)
        out = run(tracker, np.maximum(left, right))
        assert out.max() <= 1.0 and (out <= np.maximum(left, right) + 1e-6).all()
        if abs(gap) > 44:  # apart: all of the subject, none of the other
            assert kept(out, mine) > 0.97, t
            assert leak(out, other, mine) < 0.01, t
    assert kept(out, mine) > 0.97 and leak(out, other, mine) < 0.01  # after the overlap: no swap


def test_point_on_nobody_is_one_clear_error():
    tracker = SubjectTracker(SubjectPrompt((Point(230, 10),)))
    with pytest.raises(SubjectError) as err:
        run(tracker, disc(60))
    message = str(err.value)
    assert "frame 0" in message and "(230, 10)" in message and "hits no person" in message
    assert "nearest person is around (60, 60)" in message and "\n" not in message


def test_fractions_pick_the_same_person_as_pixels():
    alpha = np.maximum(disc(50), disc(190))
    by_pixels = run(SubjectTracker(SubjectPrompt.from_cli("190,60")), alpha)
    by_fraction = run(SubjectTracker(SubjectPrompt.from_cli("0.795,0.5")), alpha)
    np.testing.assert_array_equal(by_pixels, by_fraction)
    assert kept(by_pixels, disc(190)) > 0.97 and by_pixels[:, :100].max() == 0


def test_leaving_zero_alpha_until_return_and_newcomers_never_added():
    tracker = SubjectTracker(SubjectPrompt.from_cli("120,60"))
    path = [120 + 8 * t for t in range(25)] + [None] * 10 + [250 - 6 * t for t in range(12)]
    saw_return = False
    for t, x in enumerate(path):
        stranger = disc(30, 60, 18) if t >= 5 else np.zeros((H, W), np.float32)  # enters at frame 5
        subject = disc(x) if x is not None else np.zeros((H, W), np.float32)
        out = run(tracker, np.maximum(subject, stranger))
        assert leak(out, stranger, subject) < 0.01, t
        if x is None:
            assert tracker.lost and out.max() == 0.0
        elif subject.sum() > 400:
            assert kept(out, subject) > 0.97, t
            saw_return = saw_return or t > 35
    assert saw_return


def test_reset_makes_the_next_frame_a_first_frame():
    tracker = SubjectTracker(SubjectPrompt.from_cli("60,60"))
    run(tracker, np.maximum(disc(60), disc(180)))
    moved = np.maximum(disc(20), disc(60, r=10) * 0 + disc(120))  # the left person is gone from (60, 60)
    tracker.reset()
    assert tracker.frame == 0
    with pytest.raises(SubjectError, match="frame 0"):
        run(tracker, np.where(np.abs(np.arange(W) - 60) < 25, 0, moved))
    tracker.reset()
    out = run(tracker, np.maximum(disc(60), disc(180)))
    assert kept(out, disc(60)) > 0.97 and out[:, 150:].max() == 0


def shoulder_to_shoulder(centres: list[float]) -> np.ndarray:
    """Busts cut by the bottom of the frame: a head over shoulders that touch the neighbours'."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    alpha = np.zeros((H, W), np.float32)
    for cx in centres:
        head = (np.hypot(xx - cx, yy - 35) < 16) | ((np.abs(xx - cx) < 7) & (yy > 40))
        torso = (np.abs(xx - cx) < 41) & (yy > 62 + 0.3 * np.abs(xx - cx))
        alpha[head | torso] = 1
    return alpha


def test_people_standing_shoulder_to_shoulder_are_told_apart():
    alpha = shoulder_to_shoulder([40, 120, 200])
    assert alpha[100].min() == 1  # one region across the frame
    out = run(SubjectTracker(SubjectPrompt.from_cli("120,35")), alpha)
    assert out[35, 120] == 1 and out[100, 120] == 1
    assert out[35, 40] == 0 and out[35, 200] == 0 and out[100, 30] == 0 and out[100, 210] == 0


def test_several_points_and_a_box_keep_several_people():
    alpha = shoulder_to_shoulder([40, 120, 200])
    two = run(SubjectTracker(SubjectPrompt.from_cli("40,35;200,35")), alpha)
    assert two[35, 40] == 1 and two[35, 200] == 1 and two[35, 120] == 0
    boxed = run(SubjectTracker(SubjectPrompt((), Box(150, 0, 240, 120))), alpha)
    assert boxed[35, 200] == 1 and boxed[35, 120] == 0


def test_a_mask_picks_its_side_of_a_merged_region():
    alpha = np.maximum(disc(100), disc(130))  # two people overlapping on the first frame
    mask = np.zeros((H, W), bool)
    mask[:, 125:] = True
    out = run(SubjectTracker(SubjectPrompt(mask=mask)), alpha)
    assert out[60, 140] == 1 and out[60, 90] == 0


@pytest.mark.parametrize("points, box, message", [
    ("1,2,3", None, "must look like X,Y"), ("a,b", None, "must look like X,Y"), ("-4,5", None, "negative"),
    ("0.5,300", None, "mixes fractions"), (None, "10,10,5,20", "X0 < X1"), (";", None, "needs X,Y"),
])
def test_bad_prompts_say_what_is_wrong(points, box, message):
    with pytest.raises(SubjectError, match=message):
        SubjectPrompt.from_cli([points] if points else None, box)


def test_point_outside_the_frame():
    with pytest.raises(SubjectError, match="outside the 240x120 frame"):
        run(SubjectTracker(SubjectPrompt.from_cli("500,10")), disc(60))


def test_session_applies_the_subject_and_resets_it(random_weights):
    from videomatte.inference.session import MattingSession
    from videomatte.models.weights.zoo import load_model

    frame = np.zeros((*TINY_SIZE, 3), np.uint8)
    frame[10:40, 10:30] = 230
    network = load_model("mobilenetv3", random_weights)
    # the subject is applied after the runtime, whichever it is: onnxruntime, no tuning
    everyone = MattingSession(network, device="cpu", downsample_ratio=0.5, backend="onnxruntime")
    raw = everyone.step(frame).pha[0, 0].numpy()
    y, x = np.unravel_index(int(np.argmax(raw)), raw.shape)
    prompt = SubjectPrompt((Point(float(x), float(y)),))
    session = MattingSession(network, device="cpu", downsample_ratio=0.5, subject=prompt, backend="onnxruntime")
    first = session.step(frame).pha[0, 0].numpy()
    assert (first <= raw + 1e-6).all() and first[y, x] == pytest.approx(raw[y, x])
    assert session._subject.frame == 1
    session.reset()
    assert session._subject.frame == 0 and session.subject is not None
    session.set_subject(None)
    everyone.reset()
    again, reference = session.step(frame).pha[0, 0].numpy(), everyone.step(frame).pha[0, 0].numpy()
    np.testing.assert_allclose(again, reference)


def _two_colours(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
    """Frame ``[1, 3, H, W]``: person a in red in front of person b in blue, over grey, with noise."""
    front, behind = a[..., None], (b * (1 - a))[..., None]
    rgb = front * [0.8, 0.25, 0.2] + behind * [0.2, 0.3, 0.8] + (1 - front - behind) * [0.5, 0.5, 0.5]
    rgb = np.clip(rgb + rng.normal(0, 0.03, rgb.shape), 0, 1).astype(np.float32)
    return torch.from_numpy(rgb).permute(2, 0, 1)[None]


def test_colours_learned_apart_keep_the_one_in_front_whole_while_they_overlap():
    """Two discs cross, a (red) in front of b (blue). By position alone the one behind takes part of
    the one in front while they overlap; with the frames' colours it keeps only what shows of it."""
    gaps = np.interp(np.linspace(0, 1, 40), [0, 0.2, 0.8, 1], [150, 150, -150, -150])
    leaks = {}
    for colour in (True, False):
        rng = np.random.default_rng(0)
        behind = SubjectTracker(SubjectPrompt.from_cli("195,60"))
        front = SubjectTracker(SubjectPrompt.from_cli("45,60"))
        leaks[colour] = []
        for gap in gaps:
            a, b = disc(120 - gap / 2), disc(120 + gap / 2)
            alpha, src = torch.from_numpy(np.maximum(a, b))[None, None], _two_colours(a, b, rng)
            out_b = behind.apply(alpha, src if colour else None)[0, 0].numpy()
            out_a = front.apply(alpha, src if colour else None)[0, 0].numpy()
            visible_b = b * (1 - a)
            if abs(gap) < 40:  # overlapping
                leaks[colour].append(leak(out_b, a, visible_b))
                if colour:
                    assert kept(out_a, a) > 0.95 and leak(out_a, visible_b, a) < 0.1
        assert kept(out_b, b) > 0.97 and leak(out_b, a, b) < 0.01  # apart again, each on their side
    assert max(leaks[True]) < 0.01 and max(leaks[False]) > 0.3, leaks  # position alone: a third of the front one
