"""Where Generate's inference runs: a worker child process or, as a fallback, a thread (no bpy here).

* :mod:`.protocol`: the parent <-> child protocol and its files (job, body prompt, result).
* :mod:`.process`: the parent side (:class:`ProcessWorker`, the persistent :class:`WorkerProcess`).
* :mod:`.child`: the child side (:func:`.child.serve`).
* :mod:`.thread`: :class:`Worker`, the same interface on a thread.
* :mod:`.loader`: imports the extension by path (the child, ``tools/bake.py``).
"""

from .process import ProcessWorker, WorkerProcess, default_service, set_persistent, shared_worker, shutdown_shared
from .protocol import PROTOCOL_VERSION
from .thread import Cancelled, Worker, drain

__all__ = ["PROTOCOL_VERSION", "Cancelled", "ProcessWorker", "Worker", "WorkerProcess", "default_service", "drain",
           "set_persistent", "shared_worker", "shutdown_shared"]
