"""Conformance kits that parzen's own plug-ins pass and a user's plug-in can run too.

``check_storage(make_storage)`` checks a storage; ``check_sampler(make_sampler)`` checks a sampler.
Each raises AssertionError naming the check that failed. They are imported on first use, so
``import parzen.testing`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_sampler", "check_storage"]


def __getattr__(name: str) -> Any:
    if name == "check_storage":
        from parzen.testing.storage import check_storage

        return check_storage
    if name == "check_sampler":
        from parzen.testing.sampler import check_sampler

        return check_sampler
    raise AttributeError(f"module 'parzen.testing' has no attribute {name!r}")
