"""A matting graph that takes the decoded picture itself, and reads only what it needs of it.

``takes_pictures(model)`` turns an ``openvino.Model`` whose ``src`` is float ``[1, 3, H, W]`` in 0..1
into one whose ``src`` is the decoded ``uint8 [1, H, W, 3]`` RGB picture. Done with OpenVINO's
preprocessing steps, the picture was converted to a full-resolution float copy first (and OpenVINO
then re-laid that copy out once more for each of its readers); at 1920x1080 ratio 0.25 that was 12 ms
of a 90 ms frame on one core. Here each reader of ``src`` gets the picture in the form it reads:

- the network's input, a **bilinear downsampling** of ``src`` (an ``Interpolate``, ONNX ``Resize``,
  half-pixel, no antialiasing), reads two source rows per output row: those rows are gathered from
  the ``uint8`` picture, weighted in float (the row weights, with the 1/255), and the ``Interpolate``
  finishes the job on a ``[1, 3, 2h, W]`` tensor whose row pairs it averages (scale 1/2 in height, the
  graph's own in width). Same values up to float rounding: a row's two weights ``w0, w1`` become
  ``2 w0, 2 w1`` and the average halves them back.
- the refiner's **grey channel** (the mean of the three colours, exported as a ``MatMul`` by
  ``[1/3, 1/3, 1/3]`` between two ``Reshape``) becomes the sum of the three ``uint8`` planes / 765,
  which OpenVINO fuses into the element-wise work that reads it.
- every other reader (the refiner's full-resolution ``A * src + b``) gets ``convert(src) / 255``,
  channels first, fused the same way.
"""
from __future__ import annotations

from typing import Any

import numpy as np

SOURCE = "src"  # the graph input that takes the frames


def bilinear_taps(size_in: int, size_out: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The two source indices ``[size_out * 2]`` (int64, pairs) and weights ``[size_out, 2]`` of a
    bilinear resize, half-pixel coordinates clamped at the edges (ONNX ``Resize`` ``linear`` /
    ``half_pixel``, ``F.interpolate(..., align_corners=False)``), ``scale`` = output / input."""
    centre = np.maximum((np.arange(size_out, dtype=np.float64) + 0.5) / scale - 0.5, 0.0)
    first = np.minimum(np.floor(centre).astype(np.int64), size_in - 1)
    second = np.minimum(first + 1, size_in - 1)
    share = np.where(first == size_in - 1, 0.0, centre - first)
    return np.stack([first, second], 1).reshape(-1), np.stack([1 - share, share], 1)


def takes_pictures(model: Any) -> Any:
    """``model`` (an ``openvino.Model`` whose ``src`` is float ``[1, 3, H, W]`` in 0..1) with ``src``
    taking ``uint8 [1, H, W, 3]`` RGB instead, read as the module docstring says."""
    import openvino as ov
    import openvino.opset13 as ops

    source = next(p for p in model.get_parameters() if SOURCE in p.output(0).get_names())
    _, _, height, width = (int(d) for d in source.get_output_shape(0))
    picture = ops.parameter([1, height, width, 3], ov.Type.u8, name=SOURCE)
    picture.output(0).set_names({SOURCE})
    planes = ops.transpose(picture, _const(ops, [0, 3, 1, 2], np.int64))  # uint8 [1, 3, H, W]
    as_float = ops.multiply(ops.convert(planes, ov.Type.f32), _const(ops, 1 / 255))
    for reader in list(source.output(0).get_target_inputs()):
        node = reader.get_node()
        grey_end = _grey_end(node)
        downsampled = _downsampled(ops, node, planes) if _is_downsampling(node) else None
        if downsampled is not None:
            _rewire(node.output(0), downsampled)
        elif grey_end is not None:
            _rewire(grey_end.output(0), _grey(ops, planes))
        else:
            reader.replace_source_output(as_float.output(0))
    parameters = [picture] + [p for p in model.get_parameters() if p is not source]
    return ov.Model(model.get_results(), parameters, model.get_friendly_name())


def _const(ops: Any, value: Any, dtype: type = np.float32) -> Any:
    return ops.constant(np.asarray(value, dtype))


def _rewire(old: Any, new: Any) -> None:
    for target in list(old.get_target_inputs()):
        target.replace_source_output(new.output(0))


def _is_downsampling(node: Any) -> bool:
    """A bilinear, half-pixel, non-antialiased ``Interpolate`` of ``src`` to at most half its height."""
    if node.get_type_name() != "Interpolate":
        return False
    attributes = node.get_attributes()
    bilinear = attributes.get("mode") in ("linear", "linear_onnx")
    half_pixel = attributes.get("coordinate_transformation_mode") in ("half_pixel", "pytorch_half_pixel")
    _, _, height, _ = node.get_input_shape(0)
    _, _, out_height, out_width = node.get_output_shape(0)
    # sides of one pixel are left alone: there pytorch_half_pixel samples the first pixel, not the centre
    fits = 2 * out_height <= height and min(out_height, out_width) > 1
    return bilinear and half_pixel and not attributes.get("antialias") and fits


def _scales(node: Any) -> tuple[float, float]:
    """Height and width scales (output / input) the ``Interpolate`` computes its coordinates with."""
    _, _, height, width = node.get_input_shape(0)
    _, _, out_height, out_width = node.get_output_shape(0)
    if node.get_attributes().get("shape_calculation_mode") == "scales":
        given = node.input_value(1).get_node()
        if given.get_type_name() == "Constant":
            values = np.asarray(given.get_data(), np.float64).reshape(-1)
            return float(values[-2]), float(values[-1])
    return out_height / height, out_width / width


def _downsampled(ops: Any, node: Any, planes: Any) -> Any:
    """What ``node`` (a downsampling of ``src``) computes, from the ``uint8`` planes: float ``[1, 3, h, w]``,
    or ``None`` where the rewritten resize would not give the same shape."""
    import openvino as ov

    _, _, height, _ = node.get_input_shape(0)
    _, _, out_height, out_width = node.get_output_shape(0)
    scale_y, scale_x = _scales(node)
    rows, weights = bilinear_taps(height, out_height, scale_y)
    gathered = ops.convert(ops.gather(planes, _const(ops, rows, np.int64), _const(ops, 2, np.int64)), ov.Type.f32)
    weighted = ops.multiply(gathered, _const(ops, (2 * weights / 255).reshape(1, 1, -1, 1)))
    # scales, not sizes: the width's coordinates must use the graph's own scale (0.4, not 38/96)
    resized = ops.interpolate(weighted, _const(ops, [0.5, scale_x]), "linear_onnx", "scales",
                              axes=_const(ops, [2, 3], np.int64), coordinate_transformation_mode="half_pixel")
    return resized if list(resized.get_output_shape(0)) == [1, 3, out_height, out_width] else None


def _grey_end(node: Any) -> Any:
    """The last node of the grey channel's pattern starting at ``node`` (``Reshape`` -> ``MatMul`` by a
    constant ``[1, 3]`` of thirds -> ``Reshape`` to ``[1, 1, H, W]``), or ``None``."""
    if node.get_type_name() != "Reshape" or len(node.output(0).get_target_inputs()) != 1:
        return None
    product = next(iter(node.output(0).get_target_inputs())).get_node()
    if product.get_type_name() != "MatMul" or product.get_attributes().get("transpose_a"):
        return None
    weights = product.input_value(0).get_node()
    if weights.get_type_name() != "Constant" or not np.allclose(weights.get_data(), np.full((1, 3), 1 / 3)):
        return None
    readers = list(product.output(0).get_target_inputs())
    end = readers[0].get_node() if len(readers) == 1 else None
    if end is None or end.get_type_name() != "Reshape" or list(end.get_output_shape(0))[:2] != [1, 1]:
        return None
    return end


def _grey(ops: Any, planes: Any) -> Any:
    """The mean of the three colours, float ``[1, 1, H, W]`` in 0..1, from the ``uint8`` planes."""
    import openvino as ov

    red, green, blue = (ops.convert(p, ov.Type.f32) for p in ops.split(planes, _const(ops, 1, np.int64), 3).outputs())
    return ops.multiply(ops.add(ops.add(red, green), blue), _const(ops, 1 / 765))
