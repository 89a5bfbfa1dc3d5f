"""Objectives for the memory-limit tests, at module level so a spawned child can import them."""

from __future__ import annotations

import os
from typing import Any

MB = 2**20


def allocate(trial: Any) -> float:
    """Allocates ``mb`` MiB (an int parameter) and touches every page; the value is the size."""
    mb = trial.suggest_int("mb", 1, 4096)
    block = bytearray(mb * MB)
    block[::4096] = b"\x01" * len(range(0, len(block), 4096))
    trial.set_user_attr("pid", os.getpid())
    return float(mb)


def soft_address_limit(trial: Any) -> float:
    """The soft RLIMIT_AS of the process running the trial (-1 for none)."""
    import resource

    trial.suggest_float("x", 0.0, 1.0)
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return -1.0 if soft == resource.RLIM_INFINITY else float(soft)
