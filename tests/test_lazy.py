"""Lazy package exports (``parzen._lazy``): names load their module on first use, unknown names fail as usual."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from parzen._lazy import lazy_exports

# package -> a lazily exported name and the module that defines it
PACKAGES = {
    "parzen": ("TPESampler", "parzen.samplers.tpe"),
    "parzen.samplers": ("GPSampler", "parzen.samplers.gp"),
    "parzen.storages": ("RDBStorage", "parzen.storages.sql"),
    "parzen.testing": ("check_sampler", "parzen.testing.sampler"),
    "parzen.backends": ("OptunaSampler", "parzen.backends.optuna"),
    "parzen.scientific": ("LBFGSConfig", "parzen.scientific.second_order"),
}


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_an_unknown_name_is_the_usual_attribute_error(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError, match=rf"^module '{package}' has no attribute 'no_such_name'$"):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_dir_lists_the_lazy_names_and_a_name_is_its_module_object(package: str) -> None:
    name, defined_in = PACKAGES[package]
    module = importlib.import_module(package)
    assert name in dir(module) and "__name__" in dir(module)
    if package == "parzen.scientific":  # resolving it imports JAX: checked in a fresh process below
        return
    assert getattr(module, name) is getattr(importlib.import_module(defined_in), name)


def test_import_parzen_and_its_lazy_packages_import_no_extra() -> None:
    """In a fresh interpreter: importing the packages (and listing them) loads none of the heavy extras;
    asking for a name loads its module, and only then."""
    code = """
import sys
import parzen, parzen.backends, parzen.scientific, parzen.storages, parzen.testing
dir(parzen); dir(parzen.backends); dir(parzen.scientific)
heavy = ("jax", "optuna", "hyperopt", "skopt", "parzen.backends.optuna", "parzen.samplers.gp", "parzen.storages.sql",
         "parzen.testing.sampler")
print(sorted(m for m in heavy if m in sys.modules))
parzen.backends.OptunaSampler
print("parzen.backends.optuna" in sys.modules, "parzen.backends.hyperopt" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "True False"]


def test_relative_and_absolute_targets_resolve_and_the_result_is_kept_in_the_package() -> None:
    import parzen.samplers
    from parzen.samplers.random import RandomSampler

    relative, _ = lazy_exports("parzen.samplers", {"RandomSampler": ".random"})
    absolute, listing = lazy_exports("parzen.samplers", {"RandomSampler": "parzen.samplers.random"})
    assert relative("RandomSampler") is absolute("RandomSampler") is RandomSampler
    assert "RandomSampler" in listing()
    parzen.samplers.GPSampler  # noqa: B018 (through the package's own __getattr__)
    assert "GPSampler" in vars(parzen.samplers)
