"""Conformance kits that parzen's own plug-ins pass and a user's plug-in can run too.

``check_storage(make_storage)`` checks a storage; ``check_sampler(make_sampler)`` checks a sampler.
Each raises AssertionError naming the check that failed. They are imported on first use, so
``import parzen.testing`` stays cheap.
"""

from __future__ import annotations

from parzen._lazy import lazy_exports

__all__ = ["check_sampler", "check_storage"]

__getattr__, __dir__ = lazy_exports(__name__, {"check_sampler": ".sampler", "check_storage": ".storage"})
