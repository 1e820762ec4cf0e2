"""``ConvertOptions``: validated once, before any model loads, with messages that name the choices."""
from __future__ import annotations

from fractions import Fraction

import pytest

from videomatte.errors import OptionError, UnknownModelError
from videomatte.conversion.batch import convert
from videomatte.conversion.convert_options import ConvertOptions
from videomatte.inference.model_settings import ModelSettings


@pytest.mark.parametrize("fields,message", [
    ({"variant": "mobilenetv4"}, "choose one of: mobilenetv3"),
    ({"refiner": "bilateral"}, "deep_guided_filter"),
    ({"downsample_ratio": 0.0}, r"\(0, 1\]"),
    ({"downsample_ratio": 1.5}, r"\(0, 1\]"),
    ({"seq_chunk": 0}, "at least 1"),
    ({"backend": "tensorrt"}, "auto, torch, torchscript, onnxruntime"),
    ({"codec": "mpeg2"}, "choose from prores"),
    ({"crf": -1}, "0 or more"),
    ({"frame_rate": Fraction(0)}, "above 0"),
])
def test_bad_values_are_refused_with_the_choices(fields: dict, message: str) -> None:
    """Model fields are ``ModelSettings``' and reach it through ``replace`` (as ``convert``'s keywords)."""
    with pytest.raises((OptionError, UnknownModelError), match=message):
        ConvertOptions().replace(**fields)


def test_model_fields_are_routed_to_the_model_settings() -> None:
    options = ConvertOptions().replace(variant="resnet50", downsample_ratio=0.25, output="out.mov")
    assert options.model == ModelSettings(variant="resnet50", downsample_ratio=0.25)
    assert options.output == "out.mov"
    with pytest.raises(OptionError, match="must be a ModelSettings"):
        ConvertOptions(model="resnet50")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="engine must be None"):
        ConvertOptions(engine="ray")  # type: ignore[arg-type]


def test_options_are_frozen_and_convert_takes_their_fields() -> None:
    options = ConvertOptions(output="out.mov")
    with pytest.raises(AttributeError):
        options.output = "other.mov"  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        convert("in.mp4", colour="red")
    with pytest.raises(OptionError, match="at least 1"):
        convert("in.mp4", options, seq_chunk=0)
