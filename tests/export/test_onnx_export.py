"""ONNX exports: original names, valid dynamic axes, static graphs, and parity with the eager network."""
from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest

from export_helpers import MAX_TOL, MEAN_TOL, frames
from media_clips import TINY_SIZE

from videomatte.export.checks import differences, eager_outputs, onnx_outputs
from videomatte.export.runner import OnnxRunner
from videomatte.errors import ExportError
from videomatte.export.onnx_graph import dynamic_dims
from videomatte.export.wrappers import ONNX_INPUTS, ONNX_OUTPUTS

pytestmark = pytest.mark.slow  # each export traces and checks the network (several seconds)


def test_dynamic_export_keeps_the_original_names(dynamic_onnx):
    graph = onnx.load(str(dynamic_onnx)).graph
    assert [i.name for i in graph.input] == list(ONNX_INPUTS)
    assert [o.name for o in graph.output] == list(ONNX_OUTPUTS)


def test_dynamic_axes_are_distinct_per_state(dynamic_onnx):
    graph = onnx.load(str(dynamic_onnx)).graph
    names = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in [*graph.input, *graph.output]}
    assert names["src"] == ["batch", 3, "height", "width"]
    assert names["fgr"] == names["src"][:1] + [3] + names["src"][2:]
    spatial = [tuple(names[f"r{k}o"][2:]) for k in range(1, 5)]
    assert len(set(spatial)) == 4 and not {"height", "width"} & {n for pair in spatial for n in pair}
    for k in range(1, 5):
        assert all(isinstance(d, str) for d in names[f"r{k}i"]), "incoming states may be [1,1,1,1] zeros"


def test_dynamic_export_runs_two_sizes_in_one_session(tiny_net, dynamic_onnx):
    runner = OnnxRunner(dynamic_onnx)
    for height, width in [(64, 96), (81, 123)]:
        clip = frames(height, width)
        found = differences(eager_outputs(tiny_net, clip, 0.5, force_refiner=True), onnx_outputs(runner, clip, 0.5))
        mean, worst = found.mean_abs, found.max_abs
        assert mean <= MEAN_TOL and worst <= MAX_TOL, (height, width, mean, worst)


def test_static_export_has_no_dynamic_dims_or_shape_ops(static_onnx):
    model = onnx.load(str(static_onnx))
    onnx.checker.check_model(model, full_check=True)
    assert dynamic_dims(model) == []
    ops = Counter(node.op_type for node in model.graph.node)
    assert not {"Shape", "ConstantOfShape", "Expand"} & set(ops), ops
    assert ops["Gather"] == 4  # the refiner's row taps (upsample_parts), one per coefficient group
    assert [i.name for i in model.graph.input] == list(ONNX_INPUTS[:5])
    assert [o.name for o in model.graph.output] == list(ONNX_OUTPUTS)


def test_static_export_round_trips(tiny_net, static_onnx):
    clip = frames(*TINY_SIZE)
    found = differences(eager_outputs(tiny_net, clip, 0.5, force_refiner=False), onnx_outputs(static_onnx, clip, None))
    mean, worst = found.mean_abs, found.max_abs
    assert mean <= MEAN_TOL and worst <= MAX_TOL


def test_ratio_one_baked_in_skips_the_refiner_like_pytorch(tiny_net, export_dir):
    from videomatte.export.onnx import OnnxSettings, export_onnx

    path = export_onnx(tiny_net, export_dir / "r1.onnx", OnnxSettings(ratio=1.0)).path
    assert "downsample_ratio" not in [i.name for i in onnx.load(str(path)).graph.input]
    clip = frames(48, 80)
    found = differences(eager_outputs(tiny_net, clip, 1.0, force_refiner=False), onnx_outputs(path, clip, None))
    mean, worst = found.mean_abs, found.max_abs
    assert mean <= MEAN_TOL and worst <= MAX_TOL


def test_fp16_export_runs_close_to_fp32(tiny_net, export_dir):
    from videomatte.export.onnx import OnnxSettings, export_onnx

    path = export_onnx(tiny_net, export_dir / "fp16.onnx", OnnxSettings(ratio=0.5, fp16=True)).path
    sess = OnnxRunner(path).session
    assert sess.get_inputs()[0].type == "tensor(float16)"
    clip = frames(64, 96, count=3)
    expected = [[t.numpy() for t in frame] for frame in eager_outputs(tiny_net, clip, 0.5, force_refiner=False)]
    states = [np.zeros((1, 1, 1, 1), np.float16)] * 4
    for frame, exp in zip(clip, expected):
        fgr, pha, *states = sess.run(None, {"src": frame[None].numpy().astype(np.float16),
                                            **{f"r{k + 1}i": s for k, s in enumerate(states)}})
        assert np.abs(pha.astype(np.float32) - exp[1]).mean() < 2e-3


def test_official_weights_static_export_round_trips(official_onnx, export_dir):
    from videomatte.export.onnx import OnnxSettings, export_onnx
    from videomatte.models.weights.zoo import load_model

    net = load_model("mobilenetv3", weights=str(official_onnx))
    path = export_onnx(net, export_dir / "official.onnx", OnnxSettings(ratio=0.25, static=(144, 256))).path
    clip = frames(144, 256)
    found = differences(eager_outputs(net, clip, 0.25, force_refiner=False), onnx_outputs(path, clip, None))
    mean, worst = found.mean_abs, found.max_abs
    assert mean <= MEAN_TOL and worst <= MAX_TOL


def test_static_fp16_export_runs_close_to_fp32(tiny_net, export_dir, shared_graphs):
    from videomatte.export.onnx import OnnxSettings, export_onnx

    # export_onnx traces and checks the float32 graph first (that trace: from the session's cache, as static_onnx)
    path = export_onnx(tiny_net, export_dir / "static16.onnx", OnnxSettings(ratio=0.5, static=TINY_SIZE, fp16=True)).path
    assert [settings.fp16 for settings in shared_graphs] == [False, True]
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT16
    # the identities that enter onnxruntime's blocked layout (depthwise 1x1 convolutions) are half precision too
    identities = {node.input[1] for node in model.graph.node if node.op_type == "Conv"
                  and any(a.name == "group" and a.i > 1 for a in node.attribute)
                  and any(a.name == "kernel_shape" and list(a.ints) == [1, 1] for a in node.attribute)}
    assert identities and {init.data_type for init in model.graph.initializer if init.name in identities} == {onnx.TensorProto.FLOAT16}
    clip = frames(*TINY_SIZE, count=3)
    expected = [[t.numpy() for t in frame] for frame in eager_outputs(tiny_net, clip, 0.5, force_refiner=False)]
    states = [np.zeros([d.dim_value for d in i.type.tensor_type.shape.dim], np.float16) for i in model.graph.input[1:5]]
    sess = OnnxRunner(path).session
    for frame, exp in zip(clip, expected):
        fgr, pha, *states = sess.run(None, {"src": frame[None].numpy().astype(np.float16),
                                            **{f"r{k + 1}i": s for k, s in enumerate(states)}})
        assert np.abs(pha.astype(np.float32) - exp[1]).mean() < 2e-3


def test_a_stage_needs_static_shapes():
    from videomatte.export.onnx import OnnxSettings

    with pytest.raises(ExportError, match="static shapes"):
        OnnxSettings(ratio=0.5, stage="front").check()
