"""Lazy exports of a package: a name that lives in a heavy submodule is imported on first use.

A package that re-exports names from modules pulling in optional extras (JAX, optuna, scipy) would
make ``import parzen`` pay for them. Instead it declares where each name lives and installs the
module-level ``__getattr__`` and ``__dir__`` that :func:`lazy_exports` returns (PEP 562)::

    __getattr__, __dir__ = lazy_exports(__name__, {"OptunaSampler": ".optuna"})

A module path starting with a dot is relative to the package. A name is looked up once: the
object is then stored in the package's namespace, so later lookups do not come back here.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``(__getattr__, __dir__)`` of ``package`` for ``exports`` (public name -> module that defines it).

    An unknown name raises ``AttributeError: module 'package' has no attribute 'name'``, as for any module.
    """
    targets = dict(exports)

    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(target, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(targets))

    return __getattr__, __dir__
