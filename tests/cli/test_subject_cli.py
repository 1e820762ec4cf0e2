"""``videomatte convert --subject / --subject-box / --subject-mask`` end to end (random weights)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from videomatte.cli.main import main
from videomatte.subject.regions import person_regions


def alphas(folder):
    return np.stack([np.asarray(Image.open(p).convert("L"), np.int16) for p in sorted(folder.iterdir())])


@pytest.fixture(scope="module")
def everyone(odd_clip, random_weights, tmp_path_factory):
    """The alpha of every frame without a subject, and the flags the runs share."""
    out = tmp_path_factory.mktemp("everyone") / "alpha"
    flags = ["--weights", str(random_weights), "--device", "cpu", "--ratio", "1", "--quiet"]
    assert main(["convert", str(odd_clip), "--alpha", f"{out}/", *flags]) == 0
    return alphas(out), flags


def test_subject_point_keeps_one_region(odd_clip, everyone, tmp_path):
    full, flags = everyone
    labels, count = person_regions(full[0] / 255.0, 0.1, 1)
    areas = np.bincount(labels.ravel())[1:]
    y, x = np.argwhere(labels == 1 + int(np.argmax(areas)))[0]
    code = main(["convert", str(odd_clip), "--alpha", f"{tmp_path}/a/", "--subject", f"{x},{y}", *flags])
    assert code == 0
    kept = alphas(tmp_path / "a")
    assert kept.shape == full.shape
    assert (kept <= full + 1).all() and abs(int(kept[0, y, x]) - int(full[0, y, x])) <= 1
    if count > 1:  # another region of the first frame is removed
        other = (labels > 0) & (labels != labels[y, x]) & (full[0] > 128)
        assert kept[0][other].mean() < 0.5 * full[0][other].mean()


def test_subject_box_and_mask_match_the_point(odd_clip, everyone, tmp_path):
    full, flags = everyone
    h, w = full.shape[1:]
    mask = tmp_path / "mask.png"
    Image.fromarray(np.full((h, w), 255, np.uint8)).save(mask)
    assert main(["convert", str(odd_clip), "--alpha", f"{tmp_path}/m/", "--subject-mask", str(mask), *flags]) == 0
    assert main(["convert", str(odd_clip), "--alpha", f"{tmp_path}/b/", "--subject-box", "0.0,0.0,1.0,1.0",
                 *flags]) == 0
    np.testing.assert_array_equal(alphas(tmp_path / "m"), alphas(tmp_path / "b"))  # everyone, both ways
    assert np.abs(alphas(tmp_path / "m") - full).max() <= 1


@pytest.mark.parametrize("flag, value, message", [
    ("--subject", "12", "must look like X,Y"), ("--subject", "0.5,300", "mixes fractions"),
    ("--subject-box", "30,30,10,10", "X0 < X1"), ("--subject-mask", "missing.png", "cannot read the subject mask"),
    ("--subject", "9000,10", "outside the 73x41 frame"),
])
def test_bad_subject_values_are_one_line(flag, value, message, odd_clip, everyone, tmp_path, capsys):
    _, flags = everyone
    code = main(["convert", str(odd_clip), "-o", str(tmp_path / "out.mov"), flag, value, *flags])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("videomatte: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out.mov").exists() and list(tmp_path.iterdir()) == []
