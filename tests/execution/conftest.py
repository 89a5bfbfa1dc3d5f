"""Make the helper module ``_exec_objectives`` importable by a plain top-level import.

Objectives for ``executor="process"`` are pickled by reference (module name + function name)
and re-imported in a spawned child, which inherits the parent's ``sys.path``. Putting this
directory on ``sys.path`` makes that import work whatever pytest's ``--import-mode`` is.
"""

from __future__ import annotations

import pathlib
import sys

HERE = str(pathlib.Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
