"""What the runtime tuning needs to know about this CPU: a signature (model name, the instruction-set
flags that change which runtime is fastest, core count) and whether it computes in bf16 natively.

A tuned choice is cached under the signature, so that the same cache folder on another machine (a
shared home, a copied container) tunes again instead of reusing a choice measured elsewhere.
"""
from __future__ import annotations

import hashlib
import os
import platform
from functools import lru_cache
from pathlib import Path

# flags that change which kernels the runtimes pick (others, such as sse4_2, every x86-64 CPU here has)
ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16",
             "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "bf16")
BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@lru_cache(maxsize=1)
def _cpuinfo() -> tuple[str, frozenset[str]]:
    """``(model name, flags)`` from ``/proc/cpuinfo`` (Linux), else ``platform``'s processor name and no flags."""
    name, flags = platform.processor() or platform.machine(), frozenset()
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return name, flags
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model") and value.strip():
            name = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = frozenset(value.split())
    return name, flags


def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (empty where ``/proc/cpuinfo`` is not readable)."""
    return _cpuinfo()[1]


def cpu_has_bf16() -> bool:
    """Whether the CPU has bf16 arithmetic (AVX512-BF16 or AMX-BF16): bf16 is only worth timing there."""
    return any(flag in cpu_flags() for flag in BF16_FLAGS)


def cpu_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cpu_signature() -> str:
    """A readable signature: model name, the relevant ISA flags, the core count."""
    name, flags = _cpuinfo()
    isa = ",".join(flag for flag in ISA_FLAGS if flag in flags) or "-"
    return f"{name} | {isa} | {cpu_cores()} cores"


def cpu_digest() -> str:
    """Short hex digest of :func:`cpu_signature`, for file names."""
    return hashlib.sha256(cpu_signature().encode()).hexdigest()[:12]


def load_average() -> float:
    """The 1-minute load average (0 where the system does not report one)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def machine_busy(load: float | None = None) -> bool:
    """Whether other work shares the cores: a load average above 1.5x the core count (a tuning's own
    threads alone give at most about the core count). Timings taken then are not to be trusted."""
    return (load_average() if load is None else load) > 1.5 * cpu_cores()
