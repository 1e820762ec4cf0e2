"""Colour models of the people the subject tracker follows, for splitting people who overlap.

While two people are apart, the tracker knows exactly which pixels are whose; :class:`ColourModels`
learns from them a colour histogram per person (RGB at the tracker's working resolution, ``bins``
levels per channel, smoothed across neighbouring colours). When the two merge into one region, each
contested pixel (one that lies near where both were expected) goes to the person whose colours it
matches clearly (:func:`colour_vote`), so the one in front keeps their whole body and the one behind
shrinks to what is still visible of them; where the colours do not decide, the geometry does.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

CORE = 0.8  # only pixels of at least this alpha are learned from (soft edges mix in the background)
MIN_PIXELS = 50  # fewer core pixels than this teach nothing
FLOOR = 1e-6  # likelihood of a colour a person was never seen wearing


class ColourModels:
    """One colour histogram per person label, learned while they are apart.

    Args:
        bins: levels per RGB channel (``bins ** 3`` colours).
        rate: weight of a new frame in the running histogram.
        smooth: blur (in bins) of each frame's histogram across neighbouring colours.
    """

    def __init__(self, bins: int = 16, rate: float = 0.1, smooth: float = 1.0) -> None:
        self.bins, self.rate, self.smooth = bins, rate, smooth
        self._hist: dict[int, np.ndarray] = {}

    def reset(self) -> None:
        self._hist.clear()

    def knows(self, label: int) -> bool:
        return label in self._hist

    def forget(self, label: int) -> None:
        self._hist.pop(label, None)

    def codes(self, rgb: np.ndarray) -> np.ndarray:
        """The colour index of every pixel: ``rgb`` ``float32 [h, w, 3]`` in 0..1 in, ``int32 [h, w]`` out."""
        levels = np.clip((rgb * self.bins).astype(np.int32), 0, self.bins - 1)
        return (levels[..., 0] * self.bins + levels[..., 1]) * self.bins + levels[..., 2]

    def learn(self, label: int, codes: np.ndarray) -> None:
        """Add one frame's pixels (colour indices, any shape) of person ``label`` to its histogram."""
        if codes.size < MIN_PIXELS:
            return
        hist = np.bincount(codes.ravel(), minlength=self.bins ** 3).astype(np.float32)
        hist = ndimage.gaussian_filter(hist.reshape((self.bins,) * 3), self.smooth, mode="constant").ravel()
        hist /= hist.sum()
        old = self._hist.get(label)
        self._hist[label] = hist if old is None else (1 - self.rate) * old + self.rate * hist

    def likelihood(self, label: int, codes: np.ndarray) -> np.ndarray:
        """How likely each pixel's colour is on person ``label``: ``float32``, the shape of ``codes``."""
        return self._hist[label][codes] + FLOOR


def learn_apart(models: ColourModels, owner: np.ndarray, alpha: np.ndarray, codes: np.ndarray,
                labels: list[int], touching: set[int], margin: float) -> None:
    """Teach ``models`` this frame's colours of the people ``labels`` (visible ones).

    A person apart from everyone is learned from all of their core pixels (alpha >= :data:`CORE`). A
    person touching another is learned only once, when nothing is known of them yet (people already
    side by side on the first frame), from their core pixels more than ``margin`` pixels from anyone
    else's; afterwards, while they touch, their model is kept as it is.
    """
    core = alpha >= CORE
    for label in labels:
        mine = core & (owner == label)
        if label in touching:
            if models.knows(label):
                continue
            others = (owner != 0) & (owner != label)
            mine &= ndimage.distance_transform_edt(~others) > margin
        models.learn(label, codes[mine])


def colour_vote(models: ColourModels, labels: list[int], codes: np.ndarray, candidate: np.ndarray,
                sigma: float, confident: float, check: float | None = None,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which of ``labels`` each pixel's colour (and its neighbours') points to, among its candidates.

    Args:
        codes: colour indices ``int32 [h, w]``.
        candidate: ``bool [K, h, w]``, whether each person may own each pixel (near where expected).
        sigma: pixels over which the likelihoods are pooled before the vote.
        confident: the posterior a person needs to win a pixel.
        check: a wider pooling (pixels) whose vote must agree: a pixel is decided only where both
            poolings give it, confidently, to the same person (one stripe of a patterned shirt that
            looks like someone else's colours does not outvote the shirt around it); ``None``: one
            pooling.

    Returns:
        the winner's index into ``labels`` ``int [h, w]``, where the vote is decided ``bool [h, w]``
        (at least two candidates and one of them at least ``confident``), and every person's posterior
        ``float32 [K, h, w]`` regardless of candidates (the wider pooling's when ``check`` is given).
    """
    like = np.stack([models.likelihood(k, codes) for k in labels])
    winner, decided, anyone = _pooled_vote(like, candidate, sigma, confident)
    if check is not None:
        wide, wide_decided, anyone = _pooled_vote(like, candidate, check, confident)
        decided &= wide_decided & (wide == winner)
    return winner, decided, anyone


def _pooled_vote(like: np.ndarray, candidate: np.ndarray, sigma: float,
                 confident: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`colour_vote` for one pooling of the likelihoods ``like`` ``float32 [K, h, w]``."""
    if sigma > 0:
        like = ndimage.gaussian_filter(like, (0, sigma, sigma), mode="nearest", truncate=2.0)
    anyone = like / np.maximum(like.sum(axis=0), FLOOR)
    like = like * candidate
    posterior = like / np.maximum(like.sum(axis=0), FLOOR)
    decided = (candidate.sum(axis=0) >= 2) & (posterior.max(axis=0) >= confident)
    return np.argmax(posterior, axis=0), decided, anyone


def gone(winner: np.ndarray, decided: np.ndarray, anyone: np.ndarray, region: np.ndarray, person: int,
         below: float = 0.3) -> int | None:
    """Whether person ``person`` (an index into the vote's labels) has gone from the part of a merged
    region given to them: the colours there are, on average, someone else's (``person``'s mean
    posterior under ``below``, another's over half). Returns that other person, or ``None``."""
    part = region & (winner == person) & ~(decided & (winner == person))
    if np.count_nonzero(part) < 20:
        return None
    means = anyone[:, part].mean(axis=1)
    other = int(np.argmax(np.where(np.arange(len(means)) == person, -1.0, means)))
    return other if means[person] < below and means[other] > 0.5 else None


def in_front(by_colour: np.ndarray, decided: np.ndarray, inside: np.ndarray, share: float = 0.6) -> int | None:
    """Which person is in front where the expected masks overlap: the one whose colours win most of
    the decided pixels inside two or more of them (at least ``share`` of those, and 20 pixels); ``None``
    when no one clearly does (people side by side, or colours that do not tell them apart).

    Args:
        by_colour, decided: :func:`colour_vote`'s result, ``[h, w]``.
        inside: ``bool [K, h, w]``, whether each pixel lies inside each person's expected mask.
    """
    overlap = (inside.sum(axis=0) >= 2) & decided
    wins = np.bincount(by_colour[overlap], minlength=inside.shape[0])
    if wins.sum() < 20 or wins.max() < share * wins.sum():
        return None
    return int(np.argmax(wins))


def drop_specks(winner: np.ndarray, region: np.ndarray, count: int, min_area: int) -> np.ndarray:
    """``winner`` (indices ``0..count-1`` over ``region``) with every piece of a person smaller than
    ``min_area`` pixels, other than their largest, that lies inside another person (colour votes on
    patterned clothes leave such holes) given to the person around it; pieces on the silhouette's
    edge stay (a hand showing from behind someone)."""
    out = winner.copy()
    for index in range(count):
        pieces, found = ndimage.label(region & (winner == index))
        if found < 2:
            continue
        areas = np.bincount(pieces.ravel())[1:]
        largest = int(np.argmax(areas)) + 1
        for piece in np.nonzero(areas < min_area)[0] + 1:
            if piece == largest:
                continue
            speck = pieces == piece
            ring = ndimage.binary_dilation(speck) & ~speck
            edge = speck[0].any() or speck[-1].any() or speck[:, 0].any() or speck[:, -1].any()
            if edge or (ring & ~region).any():  # on the silhouette's edge: a real piece (a hand showing)
                continue
            out[speck] = int(np.argmax(np.bincount(winner[ring], minlength=count)))
    return out
