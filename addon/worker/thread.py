"""Background job runner for the modal Generate: a thread that only fills a queue (no bpy here).

The main thread (the operator's timer) calls :meth:`Worker.poll` to drain messages, each a tuple
``(kind, payload, text)`` with kind ``"progress"`` (payload: fraction in [0, 1]), ``"done"``
(payload: the result), ``"error"`` (payload: the exception; text: message + traceback for
unexpected errors) or ``"cancelled"``.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

from ...inference.errors import SpeechAnimatorError, user_message


def drain(q: "queue.Queue") -> list:
    """Every item queued in ``q`` so far, in order, without blocking."""
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out

class Cancelled(Exception):
    """Raised inside the job's progress callback after :meth:`Worker.cancel`."""


class Worker:
    """Run ``job(progress)`` in a daemon thread.

    Args:
        job: callable taking ``progress(fraction, message)``; its return value is the result.
        expected: exception types reported as plain user errors (no traceback in ``text``);
            default: the :class:`inference.errors.SpeechAnimatorError` hierarchy.
    """

    def __init__(self, job: Callable, expected: tuple = (SpeechAnimatorError,)):
        self._job = job
        self._expected = expected
        self._queue: queue.Queue = queue.Queue()
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="speech_animator.worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next progress call; its result will be discarded."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def poll(self) -> list:
        """Drain and return every message queued so far (non-blocking)."""
        return drain(self._queue)

    def _progress(self, fraction, message) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        self._queue.put(("progress", float(fraction), str(message)))

    def _run(self) -> None:
        try:
            result = self._job(self._progress)
        except Cancelled:
            self._queue.put(("cancelled", None, ""))
        except self._expected as exc:
            self._queue.put(("error", exc, str(exc)))
        except Exception as exc:  # unexpected: keep the traceback for the console
            self._queue.put(("error", exc, user_message(exc)))
        else:
            if self._cancel.is_set():
                self._queue.put(("cancelled", None, ""))
            else:
                self._queue.put(("done", result, ""))
