"""Decoding ahead in groups: every item once, in order, errors after the items read before them."""
from __future__ import annotations

import threading

import pytest

from videomatte.cluster.prefetch import Prefetch


def test_items_come_in_order_across_groups():
    ahead = Prefetch(iter(range(21)), group=4)
    assert list(ahead) == list(range(21))
    assert next(ahead, "end") == "end"  # stays ended
    ahead.close()


def test_an_error_comes_after_the_items_read_before_it():
    def items():
        yield from range(6)
        raise ValueError("bad packet")

    ahead = Prefetch(items(), group=4)
    assert [next(ahead) for _ in range(6)] == list(range(6))
    with pytest.raises(ValueError, match="bad packet"):
        next(ahead)
    ahead.close()


def test_close_stops_a_reader_that_is_ahead():
    read = []

    def endless():
        while True:
            read.append(len(read))
            yield read[-1]

    ahead = Prefetch(endless(), depth=1, group=4)
    assert next(ahead) == 0
    ahead.close()
    assert not any(t.name == "prefetch" and t.is_alive() for t in threading.enumerate())
    assert len(read) <= 4 * 3  # the group taken, one queued, one being filled
