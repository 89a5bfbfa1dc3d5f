"""Make ``_pruning_helpers`` importable by a plain import whatever pytest's ``--import-mode`` is."""

from __future__ import annotations

import pathlib
import sys

HERE = str(pathlib.Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
