"""``export.split``: a static graph cut after the backbone, its two parts chained, is the whole graph."""
from __future__ import annotations

import numpy as np
import pytest

from videomatte.export.runner import ONNX_OUTPUTS, OnnxRunner, open_session
from videomatte.export.split import split_graph
from videomatte.inference.cpu_info import cpu_cores, cpu_signature


def test_head_and_tail_chained_give_the_whole_graph(tiny_net):
    from videomatte.export.checks import synthetic_frames
    from videomatte.inference.tuning import static_graph

    graph = static_graph(tiny_net, 64, 96, 0.5)
    cut = split_graph(graph, ("/backbone/",))
    assert cut.head_inputs == ("src",)  # the backbone's four feature maps and the downsampled frame
    assert len(cut.cut) == 5 and sum(name.startswith("/backbone/") for name in cut.cut) == 4
    head, tail = open_session(cut.head, threads=1), open_session(cut.tail, threads=1)
    whole = OnnxRunner(graph, threads=1)
    states = list(whole.states)
    for frame in synthetic_frames(2, 64, 96).numpy():
        src = frame[None]
        features = dict(zip(cut.cut, head.run(list(cut.cut), {"src": src})))
        outputs = tail.run(list(ONNX_OUTPUTS), {"src": src, **dict(zip(whole.state_names, states)), **features})
        fgr, pha = whole.step(src)
        states = outputs[2:]
        assert np.abs(outputs[1] - pha).max() <= 1e-5 and np.abs(outputs[0] - fgr).max() <= 1e-5


def test_a_cut_that_names_nothing_is_refused(tiny_net):
    from videomatte.inference.tuning import static_graph

    with pytest.raises(ValueError, match="no node"):
        split_graph(static_graph(tiny_net, 64, 96, 0.5), ("/no_such_module/",))


def test_the_cpu_signature_names_the_cores():
    assert cpu_signature().endswith(f"| {cpu_cores()} cores") and cpu_cores() >= 1
