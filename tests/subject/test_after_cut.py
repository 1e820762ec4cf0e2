"""Who is kept after a shot cut: chosen again by the prompt, or carried on when it points at nobody."""
import numpy as np
import pytest
import torch

from videomatte.errors import SubjectError
from videomatte.subject.tracker import SubjectTracker
from videomatte.subject.after_cut import AfterCutTracker
from videomatte.subject.prompt import SubjectPrompt

H, W = 64, 96


def _people(*centres: float) -> torch.Tensor:
    """Alpha ``[1, 1, H, W]`` of upright people (ellipses) centred at these fractions of the width."""
    yy, xx = np.mgrid[0:H, 0:W]
    alpha = np.zeros((H, W), np.float32)
    for centre in centres:
        alpha[((xx - centre * W) / 9) ** 2 + ((yy - H / 2) / 22) ** 2 <= 1] = 1.0
    return torch.from_numpy(alpha)[None, None]


def _tracker_after_shot(prompt: SubjectPrompt) -> SubjectTracker:
    tracker = SubjectTracker(prompt)
    for _ in range(3):  # the first shot: the left person chosen, the right one not
        tracker.apply(_people(0.25, 0.75))
    return tracker


def test_the_prompt_chooses_again_on_the_new_shot():
    prompt = SubjectPrompt.from_cli(["0.25,0.5"])
    after = AfterCutTracker(_tracker_after_shot(prompt))
    fresh = SubjectTracker(prompt)
    for centres in [(0.3, 0.7), (0.31, 0.69)]:  # another shot: someone stands under the point
        shot = _people(*centres)
        assert torch.equal(after.apply(shot), fresh.apply(shot))  # as if the shot were matted alone
    assert after.apply(_people(0.32, 0.68))[0, 0, :, int(0.68 * W)].max() == 0  # the other one stays out


def test_a_prompt_that_points_at_nobody_carries_the_selection_on():
    prompt = SubjectPrompt.from_cli(["0.25,0.5"])
    with pytest.raises(SubjectError):  # alone, this shot would be refused
        SubjectTracker(prompt).apply(_people(0.45, 0.8))  # nobody at x = 0.25
    after = AfterCutTracker(_tracker_after_shot(prompt))
    out = after.apply(_people(0.45, 0.8))  # someone next to where the chosen one stood, and another
    assert out[0, 0, :, int(0.45 * W)].max() == 1 and out[0, 0, :, int(0.8 * W)].max() == 0
