"""``create_session``: the one place that turns ``ModelSettings`` into a ``MattingSession``.

Every door goes through it (``convert`` per conversion, ``live``, the web page, each Ray worker, the
evaluation), so the network is loaded one way and the runtime is chosen one way: ``backend="auto"``
is resolved by ``videomatte.inference.backends.make_backend`` for the session's device and dtype.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from videomatte.inference.model_settings import ModelSettings

if TYPE_CHECKING:
    from torch import nn

    from videomatte.inference.session import MattingSession


def create_session(settings: ModelSettings | None = None, network: nn.Module | None = None,
                   **changes: Any) -> MattingSession:
    """A fresh-state ``MattingSession`` for ``settings`` (``changes`` override its fields).

    Args:
        settings: the model; default ``ModelSettings()`` (official MobileNetV3, fastest runtime).
        network: an already loaded network of ``settings.variant`` to share between sessions (loaded
            from ``settings.weights`` when ``None``).

    Raises:
        VideoMatteError: unknown names, weights that cannot be fetched or read, a device that is absent.
    """
    from videomatte.inference.session import MattingSession
    from videomatte.models.weights.zoo import load_model

    settings = (settings or ModelSettings()).replace(**changes)
    if network is None:
        network = load_model(settings.variant, settings.weights, settings.refiner)
    return MattingSession(network, device=settings.device, dtype=settings.dtype,
                          downsample_ratio=settings.downsample_ratio, backend=settings.backend,
                          subject=settings.subject, despill=settings.despill, finishing=settings.finishing)
