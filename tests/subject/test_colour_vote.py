"""The colour vote that splits merged people: a wider pooling must agree before colour decides."""
from __future__ import annotations

import numpy as np

from videomatte.subject.colour import ColourModels, colour_vote

RED, BLUE = (0.9, 0.1, 0.1), (0.1, 0.1, 0.9)


def _models() -> ColourModels:
    models = ColourModels()
    models.learn(2, models.codes(np.full((10, 10, 3), RED, np.float32)))
    models.learn(3, models.codes(np.full((10, 10, 3), BLUE, np.float32)))
    return models


def _picture() -> np.ndarray:
    """A red shirt (40 x 60) with a 2-pixel blue stripe at column 15 and a blue person from column 40."""
    rgb = np.full((40, 60, 3), RED, np.float32)
    rgb[:, 15:17] = BLUE
    rgb[:, 40:] = BLUE
    return rgb


def test_a_stripe_of_the_other_persons_colour_is_decided_by_fine_pooling_alone() -> None:
    models, rgb = _models(), _picture()
    candidate = np.ones((2, 40, 60), bool)
    winner, decided, _ = colour_vote(models, [2, 3], models.codes(rgb), candidate, 0.5, 0.8)
    assert decided[:, 15:17].all() and (winner[:, 15:17] == 1).all()  # the stripe goes to the other person


def test_the_wider_check_leaves_the_stripe_open_and_keeps_the_clear_parts() -> None:
    models, rgb = _models(), _picture()
    candidate = np.ones((2, 40, 60), bool)
    winner, decided, anyone = colour_vote(models, [2, 3], models.codes(rgb), candidate, 0.5, 0.8, check=1.5)
    assert not decided[:, 15:17].any()  # left to the geometry
    assert decided[:, :10].all() and (winner[:, :10] == 0).all()
    assert decided[:, 45:].all() and (winner[:, 45:] == 1).all()
    assert anyone.shape == (2, 40, 60) and np.allclose(anyone.sum(axis=0), 1, atol=1e-4)


def test_a_pixel_only_one_person_may_own_is_never_decided() -> None:
    models, rgb = _models(), _picture()
    candidate = np.zeros((2, 40, 60), bool)
    candidate[0] = True
    _, decided, _ = colour_vote(models, [2, 3], models.codes(rgb), candidate, 0.5, 0.8, check=1.5)
    assert not decided.any()
