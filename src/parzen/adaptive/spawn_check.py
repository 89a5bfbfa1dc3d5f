"""Whether a child process started by the core's process executor can load an objective, told before starting one.

The process executor starts its children with the ``spawn`` method (a fork of a parent that runs
threads can deadlock). A spawned child rebuilds ``__main__`` the way :mod:`multiprocessing` does:

* the main module is a script (``python script.py``) or a module run with ``python -m mod``: the
  child runs it again, as ``__mp_main__``. Code at its top level outside
  ``if __name__ == "__main__":`` runs a second time, and if that code starts the optimization the
  child dies in multiprocessing's bootstrapping check, after having repeated every earlier line.
* the main module has no file (an interactive session, ``python -c``, a notebook) or is a package's
  ``__main__``: the child does not run it, so a function defined there cannot be unpickled.

:func:`spawn_obstacle` finds either case from the running program and the pickled objective, so
that a front door that never asked for processes can run its trials in threads instead.
"""

from __future__ import annotations

import ast
import os
import pickletools
import sys
import threading
import tokenize
from types import FrameType, ModuleType

MAIN = "__main__"


def spawn_obstacle(pickled_objective: bytes) -> str | None:
    """Why a spawned child cannot run the objective pickled as ``pickled_objective``, or None when it can."""
    main = sys.modules.get(MAIN)
    if main is None:
        return None
    if _child_runs_main(main):
        frame = _main_frame(main)
        if frame is None:
            return ("the line of the main script that started the optimization could not be found, so a child "
                    "process might run the whole script again")
        if not _under_main_guard(frame.f_code.co_filename, frame.f_lineno):
            return ("the script starts the optimization at its top level, outside `if __name__ == '__main__':`, "
                    "so a child process would run the whole script again (put that code under the guard to "
                    "run trials in processes)")
        return None
    if _refers_to_main(pickled_objective):
        return ("the objective is defined in __main__ (an interactive session, `python -c` or a notebook), "
                "which a child process cannot import (define it in a module file to run trials in processes)")
    return None


def _child_runs_main(main: ModuleType) -> bool:
    """Whether a spawned child runs the main module again (multiprocessing.spawn's own rules)."""
    spec_name = getattr(getattr(main, "__spec__", None), "name", None)
    if spec_name is not None:
        return not (spec_name == MAIN or spec_name.endswith("." + MAIN))
    path = getattr(main, "__file__", None)
    return path is not None and os.path.splitext(os.path.basename(path))[0] != "ipython"


def _main_frame(main: ModuleType) -> FrameType | None:
    """The frame running the main module's top level: in this thread, or else in the main thread."""
    frames = [sys._getframe()]
    main_thread = sys._current_frames().get(threading.main_thread().ident or -1)
    if main_thread is not None:
        frames.append(main_thread)
    for frame in frames:
        current: FrameType | None = frame
        while current is not None:
            if current.f_code.co_name == "<module>" and current.f_globals is vars(main):
                return current
            current = current.f_back
    return None


def _under_main_guard(path: str, line: int) -> bool:
    """Whether ``line`` of the source file ``path`` lies in the body of an ``if __name__ == "__main__":``."""
    try:
        with tokenize.open(path) as source:
            tree = ast.parse(source.read(), filename=path)
    except (OSError, SyntaxError, ValueError):
        return False
    return _guarded(tree, line)


def _guarded(node: ast.AST, line: int) -> bool:
    for child in ast.iter_child_nodes(node):
        start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
        if start is None or end is None or not start <= line <= end:
            continue
        if isinstance(child, ast.If) and _is_main_test(child.test) and child.body[0].lineno <= line <= (
                child.body[-1].end_lineno or line):
            return True
        if _guarded(child, line):
            return True
    return False


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == MAIN for s in sides))


def _refers_to_main(pickled: bytes) -> bool:
    """Whether the pickle names something of module ``__main__`` (a function or class defined there)."""
    for opcode, arg, _ in pickletools.genops(pickled):
        if opcode.name == "GLOBAL" and isinstance(arg, str) and arg.split(" ")[0] == MAIN:
            return True
        if isinstance(arg, str) and arg == MAIN:
            return True
    return False
