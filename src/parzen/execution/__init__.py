"""How trials run: in the calling thread, threads, processes, asyncio tasks or a Dask cluster.

:class:`Executor` is the interface an executor implements; :func:`register_executor` makes one
available to ``study.optimize(executor=name)``. :class:`parzen.RetryPolicy` and heartbeats
(``optimize(heartbeat_interval=...)``) keep a study going when trials or workers fail.
"""

from parzen._lazy import lazy_exports
from parzen.execution.executor import Executor, Outcome, register_adapter, register_executor

__all__ = ["Executor", "Outcome", "ProcessExecutor", "register_adapter", "register_executor"]
__getattr__, __dir__ = lazy_exports(__name__, {"ProcessExecutor": ".processes"})  # loads multiprocessing
