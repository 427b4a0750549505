"""The worker process's side of the :mod:`.protocol` (no bpy; runs in the child Python).

:func:`serve` answers ``generate`` / ``cancel`` / ``shutdown`` requests read from stdin with JSON
lines on the original stdout (see :mod:`.protocol`); everything else the job
prints goes to stderr.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading

from ...inference import generate_file
from ...inference.errors import error_to_dict
from .protocol import PROTOCOL_VERSION, read_job, save_result


class _Cancelled(Exception):
    """Raised inside the child's progress callback after a ``cancel`` request."""


def serve() -> int:
    """Entry point inside the worker process: serve requests from stdin until shutdown or EOF."""
    import traceback

    proto = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # prints of backends / libraries go to stderr, never into the protocol
    sys.stdout = sys.stderr
    lock = threading.Lock()
    cancelled: set = set()
    requests: queue.Queue = queue.Queue()

    def send(**event) -> None:
        with lock:
            proto.write(json.dumps({"v": PROTOCOL_VERSION, **event}) + "\n")
            proto.flush()

    def read_stdin() -> None:
        for line in sys.stdin:
            try:
                req = json.loads(line)
            except ValueError:
                continue
            if req.get("op") == "cancel":
                cancelled.add(req.get("id"))
            else:
                requests.put(req)
        requests.put({"op": "shutdown"})

    send(event="hello", protocol=PROTOCOL_VERSION, pid=os.getpid())
    threading.Thread(target=read_stdin, name="speech_animator.stdin", daemon=True).start()
    while True:
        req = requests.get()
        if req.get("op") != "generate":
            return 0
        job_id = req["id"]

        def progress(fraction, message, job_id=job_id):
            if job_id in cancelled:
                raise _Cancelled()
            send(event="progress", id=job_id, fraction=float(fraction), message=str(message))

        try:
            job_dir = req["job_dir"]
            audio_path, options, constraints = read_job(job_dir)
            perf = generate_file(audio_path, options, constraints, progress)
            save_result(os.path.join(job_dir, "result.npz"), perf)
        except _Cancelled:
            send(event="cancelled", id=job_id)
        except Exception as exc:  # reported to the parent: a user error by code, a bug with its traceback
            send(event="error", id=job_id, error=error_to_dict(exc, traceback.format_exc()))
        else:
            send(event="done", id=job_id)
        cancelled.discard(job_id)
