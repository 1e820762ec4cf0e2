"""The seed options survive export: scripted submodules (PRM included) and traced/ONNX single-frame graphs
(ConvLSTM + BRM, seed 004) match eager."""
from __future__ import annotations

import io

import pytest
import torch
from torch import Tensor, nn

from videomatte.models.brm import BackgroundRestoration
from videomatte.models.convlstm import ConvLSTMDecoder
from videomatte.models.prm import PatchRefiner
from videomatte.models.variants import build_network


class OneFrame(nn.Module):
    """``(src, r1..r4) -> (fgr, pha, r1..r4)`` at a fixed ratio: the shape exporters trace."""

    def __init__(self, net: nn.Module, ratio: float) -> None:
        super().__init__()
        self.net, self.ratio = net, ratio

    def forward(self, src: Tensor, r1: Tensor, r2: Tensor, r3: Tensor, r4: Tensor) -> tuple[Tensor, ...]:
        return tuple(self.net(src, r1, r2, r3, r4, downsample_ratio=self.ratio))


def test_submodules_script_and_match_eager() -> None:
    torch.manual_seed(0)
    prm = PatchRefiner().eval()
    args = (torch.rand(1, 3, 37, 53), torch.rand(1, 3, 18, 26), torch.rand(1, 3, 18, 26), torch.rand(1, 1, 18, 26),
            torch.rand(1, 16, 18, 26))
    for ours, theirs in zip(prm(*args), torch.jit.script(prm)(*args)):
        torch.testing.assert_close(ours, theirs)
    torch.jit.script(ConvLSTMDecoder((16, 24, 40, 128), (80, 40, 32, 16)))
    torch.jit.script(BackgroundRestoration(24))


# PRM is left out of the ONNX check: its Tensor.unfold has no ONNX symbolic (it scripts; see above).
@pytest.mark.parametrize("name,refiner", [("mobilenetv3_convlstm_brm", "deep_guided_filter"),
                                          ("seed004", "fast_guided_filter")])
def test_traced_and_onnx_graphs_match_eager(name: str, refiner: str) -> None:
    torch.manual_seed(0)
    wrapper = OneFrame(build_network(name, refiner).eval(), 0.5).eval()
    src = torch.rand(1, 3, 45, 61)
    with torch.no_grad():
        states = wrapper.net(src, downsample_ratio=0.5)[2:]
        expected = wrapper(src * 0.9, *states)
        traced = torch.jit.trace(wrapper, (src, *states), check_trace=False)
        for ours, theirs in zip(expected, traced(src * 0.9, *states)):
            torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)
    onnxruntime = pytest.importorskip("onnxruntime")
    buffer = io.BytesIO()
    names = ["src", "r1i", "r2i", "r3i", "r4i"]
    torch.onnx.export(wrapper, (src, *states), buffer, input_names=names, opset_version=17, dynamo=False)
    session = onnxruntime.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    feeds = {n: t.numpy() for n, t in zip(names, (src * 0.9, *states))}
    for ours, theirs in zip(expected, session.run(None, feeds)):
        torch.testing.assert_close(ours, torch.from_numpy(theirs), rtol=1e-3, atol=1e-4)
