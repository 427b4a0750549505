"""The parent side of the worker protocol: a child Python that runs Generate jobs (no bpy here).

:class:`ProcessWorker` runs one job in a child Python (``sys.executable``; Blender's bundled Python
inside Blender) so that inference never holds the GIL of Blender's process: the interface keeps
redrawing, and Esc really stops the work. It has the same ``start / poll / cancel`` interface as
:class:`.thread.Worker`. The child is either a one-shot process (the default) or a shared
:class:`WorkerProcess` that stays alive between jobs (``persistent``): models stay loaded, and a
crashed worker is restarted on the next job. The protocol is :mod:`.protocol`; the child side
:mod:`.child`; the child imports the extension with :mod:`.loader`.
"""


from __future__ import annotations

import collections
import json
import logging
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace

from ...inference import BodyConstraints, GenerateOptions, backends
from ...inference.errors import WorkerProblem, error_from_dict, user_message
from .protocol import PROTOCOL_VERSION, load_result, write_job
from .thread import drain

log = logging.getLogger(__name__)

#: How much of the child's stderr is kept for error messages (bytes).
STDERR_TAIL_BYTES = 64 * 1024
#: Seconds a persistent worker gets to stop a cancelled job before it is killed (and restarted later).
CANCEL_GRACE_S = 3.0
#: The extension's root folder (holds ``inference/``, ``rigs/``, ``addon/``).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: The package name the root is imported under here (the child uses the same name).
PACKAGE = __package__.rsplit(".", 2)[0] if __package__ and __package__.count(".") >= 2 else "speech_animator_child"
#: The child's command line after the interpreter: load :mod:`.loader` by path, which imports the
#: root as :data:`PACKAGE` and serves the protocol (:func:`.child.serve`).
_CHILD_ARGS = ("-c", "import sys, importlib.util as u; s = u.spec_from_file_location('speech_animator_loader', "
                     "sys.argv[1]); m = u.module_from_spec(s); s.loader.exec_module(m); "
                     "sys.exit(m.serve_child(sys.argv[2], sys.argv[3]))",
               os.path.join(os.path.dirname(os.path.abspath(__file__)), "loader.py"))




class WorkerProcess:
    """One worker child process speaking the protocol; runs jobs one after another.

    Args:
        python: interpreter to run (default ``sys.executable``).
        persistent: keep the process (and the models it loaded) alive between jobs; when False the
            process exits after its job.

    The process is started on the first :meth:`submit` and again after it exited or crashed.
    """

    def __init__(self, python: str | None = None, persistent: bool = True):
        self.python = python or sys.executable
        self.persistent = persistent
        self.pid: int | None = None
        self.protocol: int | None = None
        self._lock = threading.RLock()
        self._proc: subprocess.Popen | None = None
        self._jobs: dict[str, "ProcessWorker"] = {}  # job id -> job, for jobs on the current process
        self._tail: _StderrTail | None = None

    # parent side API -----------------------------------------------------------------------------
    @property
    def process(self) -> subprocess.Popen | None:
        """The current child process (``None`` before the first job)."""
        return self._proc

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def submit(self, job: "ProcessWorker") -> None:
        """Send ``job`` to the child, starting (or restarting) it first.

        Raises:
            OSError: the interpreter cannot be started.
        """
        with self._lock:
            if not self.is_running():
                self._spawn()
            self._jobs[job.id] = job
            job._proc_handle = self._proc
            self._send({"op": "generate", "id": job.id, "job_dir": job.job_dir})
            if not self.persistent:
                self._send({"op": "shutdown"})

    def cancel(self, job: "ProcessWorker") -> None:
        """Stop ``job``: a one-shot child is terminated; a persistent one is asked to stop and
        killed when it does not within :data:`CANCEL_GRACE_S` (it restarts with the next job)."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None or job.id not in self._jobs:
                return
            if not self.persistent:
                proc.terminate()
                return
            self._send({"op": "cancel", "id": job.id})

        def kill_if_stuck():
            if job.id in self._jobs and proc.poll() is None:
                log.warning("inference worker did not stop a cancelled job; restarting it")
                proc.kill()
        timer = threading.Timer(CANCEL_GRACE_S, kill_if_stuck)
        timer.daemon = True
        timer.start()

    def close(self, timeout: float = 5.0) -> None:
        """Ask the child to exit (kill it after ``timeout`` s)."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                return
            self._send({"op": "shutdown"})
            try:
                proc.stdin.close()
            except OSError:
                pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stderr_tail(self) -> str:
        """The last :data:`STDERR_TAIL_BYTES` the child wrote to stderr (decoded)."""
        return self._tail.text() if self._tail is not None else ""

    # internals -----------------------------------------------------------------------------------
    def _spawn(self) -> None:
        env = dict(os.environ)
        # The child sees the same packages (Blender's and the extension's wheels) as this process.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        env.setdefault("OMP_NUM_THREADS", "1")  # leave cores to Blender's UI
        env["PYTHONUNBUFFERED"] = "1"
        tail = self._tail = _StderrTail()
        self.pid = self.protocol = None
        proc = subprocess.Popen([self.python, *_CHILD_ARGS, ROOT, PACKAGE], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self._proc = proc
        threading.Thread(target=tail.read_from, args=(proc.stderr,), daemon=True,
                         name="speech_animator.child-stderr").start()
        threading.Thread(target=self._read_stdout, args=(proc, tail), daemon=True,
                         name="speech_animator.child-stdout").start()

    def _send(self, message: dict) -> None:
        try:
            self._proc.stdin.write((json.dumps({"v": PROTOCOL_VERSION, **message}) + "\n").encode())
            self._proc.stdin.flush()
        except (OSError, ValueError):  # the child is gone: its stdout reader reports why
            pass

    def _read_stdout(self, proc, tail: "_StderrTail") -> None:
        """Reader thread: blocking pipe reads only (they release the GIL), events to the jobs."""
        bad_protocol = None
        for raw in proc.stdout:
            try:
                event = json.loads(raw)
                kind = event["event"]
            except (ValueError, KeyError, TypeError):
                log.debug("inference worker: %s", raw.decode("utf-8", "replace").rstrip())
                continue
            if kind == "hello":
                self.protocol, self.pid = event.get("protocol"), event.get("pid")
                if self.protocol != PROTOCOL_VERSION or event.get("v") != PROTOCOL_VERSION:
                    bad_protocol = (f"inference worker speaks protocol version {self.protocol}, expected "
                                    f"{PROTOCOL_VERSION}; reinstall the extension")
                    proc.kill()
                    break
                continue
            job = self._jobs.get(event.get("id"))
            if job is None:
                continue
            if kind in ("done", "error", "cancelled"):
                self._jobs.pop(job.id, None)
            job._event(event)
        code = proc.wait()
        tail.done.wait(5.0)
        with self._lock:  # only this process's jobs: a restarted process may already have new ones
            pending = [j for j in self._jobs.values() if j._proc_handle is proc]
            for j in pending:
                self._jobs.pop(j.id, None)
        for job in pending:
            job._ended(code, bad_protocol, tail.text())


class _StderrTail:
    """The last :data:`STDERR_TAIL_BYTES` of one child's stderr, read by its own thread."""

    def __init__(self):
        self._chunks: collections.deque = collections.deque()
        self._size = 0
        self.done = threading.Event()

    def read_from(self, stream) -> None:
        """Reader thread body: read until EOF, never letting the pipe fill up."""
        try:
            for chunk in iter(lambda: stream.read1(65536), b""):
                self._chunks.append(chunk)
                self._size += len(chunk)
                while self._size - len(self._chunks[0]) >= STDERR_TAIL_BYTES:
                    self._size -= len(self._chunks.popleft())
        except (OSError, ValueError):
            pass
        finally:
            self.done.set()

    def text(self) -> str:
        return b"".join(list(self._chunks)).decode("utf-8", "replace")


_SHARED: dict[str, WorkerProcess] = {}
_PERSISTENT = {"enabled": os.environ.get("SPEECH_ANIMATOR_PERSISTENT_WORKER", "") == "1"}


def set_persistent(enabled: bool) -> None:
    """Choose whether Generate keeps one worker process (and its loaded models) between runs.

    Turning it off closes the shared worker. The default comes from the environment variable
    ``SPEECH_ANIMATOR_PERSISTENT_WORKER=1``.
    """
    _PERSISTENT["enabled"] = bool(enabled)
    if not enabled:
        shutdown_shared()


def shared_worker(python: str | None = None) -> WorkerProcess:
    """The persistent :class:`WorkerProcess` for ``python`` (created on first use)."""
    key = python or sys.executable
    if key not in _SHARED:
        _SHARED[key] = WorkerProcess(key, persistent=True)
    return _SHARED[key]


def default_service() -> WorkerProcess | None:
    """The shared worker when persistence is on (:func:`set_persistent`), else ``None`` (one-shot)."""
    return shared_worker() if _PERSISTENT["enabled"] else None


def shutdown_shared() -> None:
    """Close every shared worker process (add-on unregister, interpreter exit)."""
    for worker in list(_SHARED.values()):
        worker.close()
    _SHARED.clear()


class ProcessWorker:
    """Run :func:`inference.files.generate_file` for one job in a worker process; poll messages like
    :class:`.thread.Worker`.

    Args:
        audio_path, options, constraints: the job. Backend modules known in this process
            (:func:`inference.backends.carried_modules`) are added to ``options.backend_modules``.
        python: interpreter of a one-shot child (default ``sys.executable``).
        service: a (persistent) :class:`WorkerProcess` to run on; default: a one-shot child.

    Messages: ``("progress", fraction, text)``, ``("done", performance, "")``,
    ``("error", exception, text)`` (a :class:`SpeechAnimatorError` rebuilt by code with its message
    as ``text``, or :class:`inference.errors.WorkerBug` / :class:`WorkerProblem` with type, message
    and traceback or stderr in ``text``), ``("cancelled", None, "")``.
    """

    def __init__(self, audio_path: str, options: GenerateOptions, constraints: BodyConstraints | None = None,
                 python: str | None = None, service: WorkerProcess | None = None):
        self.id = uuid.uuid4().hex
        self.job_dir = tempfile.mkdtemp(prefix="speech_animator_")
        options = replace(options, backend_modules=backends.carried_modules(options))
        write_job(self.job_dir, audio_path, options, constraints)
        self.service = service or WorkerProcess(python, persistent=False)
        self._queue: queue.Queue = queue.Queue()
        self._cancelled = threading.Event()
        self._finished = threading.Event()
        self._started = False
        self._proc_handle = None  # the process this job was sent to (set by WorkerProcess.submit)

    @property
    def _proc(self):
        """The child process running this job (``None`` before :meth:`start`)."""
        return self._proc_handle if self._proc_handle is not None else self.service.process

    def start(self) -> None:
        """Submit the job (starts the worker process if needed).

        Raises:
            OSError: the interpreter cannot be started.
        """
        self._started = True
        try:
            self.service.submit(self)
        except BaseException:
            self._finished.set()
            self._cleanup()
            raise

    def cancel(self) -> None:
        """Stop the job now; a ``("cancelled", ...)`` message follows."""
        self._cancelled.set()
        if self._started and not self._finished.is_set():
            self.service.cancel(self)

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def is_alive(self) -> bool:
        return self._started and not self._finished.is_set()

    def join(self, timeout: float | None = None) -> None:
        self._finished.wait(timeout)

    def poll(self) -> list:
        """Drain and return every message queued so far (non-blocking)."""
        return drain(self._queue)

    # called by the WorkerProcess reader thread ------------------------------------------------------
    def _event(self, event: dict) -> None:
        kind = event["event"]
        if kind == "progress":
            self._queue.put(("progress", float(event["fraction"]), str(event.get("message", ""))))
            return
        if kind == "cancelled" or self._cancelled.is_set():
            self._finish(("cancelled", None, ""))
        elif kind == "done":
            try:
                self._finish(("done", load_result(os.path.join(self.job_dir, "result.npz")), ""))
            except Exception as exc:  # corrupt result file: report, never crash the UI
                err = WorkerProblem(f"inference result unreadable: {exc}")
                self._finish(("error", err, user_message(err)))
        else:
            exc = error_from_dict(event.get("error", {}))
            self._finish(("error", exc, user_message(exc)))

    def _ended(self, code: int, problem: str | None, stderr_tail: str) -> None:
        """The process exited before reporting this job's end."""
        if self._cancelled.is_set() and problem is None:
            self._finish(("cancelled", None, ""))
            return
        msg = problem or f"inference process exited with code {code}: {stderr_tail.strip()[-800:]}"
        err = WorkerProblem(msg)
        self._finish(("error", err, msg if problem else f"{msg}\n--- stderr (tail)\n{stderr_tail[-8000:]}"))

    def _finish(self, message: tuple) -> None:
        self._cleanup()
        self._queue.put(message)
        self._finished.set()

    def _cleanup(self) -> None:
        for name in ("job.json", "constraints.npz", "result.npz"):
            try:
                os.remove(os.path.join(self.job_dir, name))
            except OSError:
                pass
        try:
            os.rmdir(self.job_dir)
        except OSError:
            pass
