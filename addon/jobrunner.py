"""Inference for one Generate job, in this process or in a child process (no bpy in this module).

:func:`run_inference` is what both paths execute. :class:`ProcessWorker` runs it in a child Python
(``sys.executable``; Blender's bundled Python inside Blender) so that inference never holds the
GIL of Blender's process: the interface keeps redrawing, and Esc really stops the work (the child
is terminated). It has the same ``start / poll / cancel`` interface as :class:`.worker.Worker`.

Child protocol: the parent writes ``job.json`` (+ ``constraints.npz``); the child prints
``PROGRESS <fraction> <message>`` lines, writes ``result.npz`` (arrays + provenance JSON) and prints
``DONE``, or prints ``ERROR <json: type, message, trace>`` and exits 1.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict

import numpy as np

from ..inference.audio import load_audio
from ..inference.backends import BodyConstraints
from ..inference.generate import generate
from ..inference.options import GenerateOptions, GestureStyle
from ..inference.performance import Performance, Provenance
from .worker import drain
from ..inference.timebase import num_frames

#: Below this peak level a clip counts as silent (dBFS).
SILENCE_PEAK_DBFS = -60.0
#: The extension's root folder (holds ``inference/``, ``rigs/``, ``addon/``).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OPTIONAL = ("expression", "jaw_pose", "smplx_poses", "transl")


class ChildError(RuntimeError):
    """The inference child process failed; ``kind`` is the original exception type name."""

    def __init__(self, message: str, kind: str = "RuntimeError"):
        super().__init__(message)
        self.kind = kind


def fit_constraints(c: BodyConstraints | None, frames: int) -> BodyConstraints | None:
    """Cut or pad (with unmasked frames) a constraint to exactly ``frames`` frames."""
    if c is None:
        return None
    t = c.poses.shape[0]
    if t >= frames:
        cut = slice(0, frames)
        return BodyConstraints(c.fps, c.poses[cut], c.mask[cut],
                               None if c.transl is None else c.transl[cut],
                               None if c.transl_mask is None else c.transl_mask[cut])
    pad = frames - t
    poses = np.concatenate([c.poses, np.zeros((pad,) + c.poses.shape[1:], np.float32)])
    mask = np.concatenate([c.mask, np.zeros((pad,) + c.mask.shape[1:], bool)])
    transl = None if c.transl is None else np.concatenate([c.transl, np.zeros((pad, 3), np.float32)])
    tmask = None if c.transl_mask is None else np.concatenate([c.transl_mask, np.zeros(pad, bool)])
    return BodyConstraints(c.fps, poses, mask, transl, tmask)


def run_inference(audio_path: str, options: GenerateOptions, constraints: BodyConstraints | None = None,
                  progress=None) -> tuple[Performance, list, dict]:
    """Load the audio, generate; return ``(performance, warnings, extra timings_s)``.

    Raises:
        AudioError, ValueError, RuntimeError: from loading or :func:`inference.generate.generate`;
        an exception raised by ``progress`` (cancel) propagates.
    """
    warnings, timings = [], {}
    t = time.perf_counter()
    audio = load_audio(audio_path)
    warnings.extend(audio.warnings)  # damaged-file warnings (inference/audio.py) reach the report
    timings["load_audio"] = time.perf_counter() - t
    peak = float(np.max(np.abs(audio.samples)))
    if peak < 10.0 ** (SILENCE_PEAK_DBFS / 20.0):
        warnings.append(f"{audio_path}: no speech (peak level {20 * np.log10(max(peak, 1e-12)):.0f} dBFS); "
                        "the face stays at rest")
    constraints = fit_constraints(constraints, num_frames(audio.duration_s, options.fps))
    perf = generate(audio, options, constraints=constraints, progress=progress)
    return perf, warnings, timings


# --- serialization -------------------------------------------------------------------------------

def options_to_dict(options: GenerateOptions) -> dict:
    d = asdict(options)
    d["body_parts"] = list(options.body_parts)
    return d


def options_from_dict(d: dict) -> GenerateOptions:
    d = dict(d)
    d["gesture"] = GestureStyle(**d["gesture"])
    d["body_parts"] = tuple(d["body_parts"])
    return GenerateOptions(**d)


def save_constraints(path: str, c: BodyConstraints) -> None:
    arrays = {"fps": np.float64(c.fps), "poses": c.poses, "mask": c.mask}
    if c.transl is not None:
        arrays.update(transl=c.transl, transl_mask=c.transl_mask)
    np.savez(path, **arrays)


def load_constraints(path: str) -> BodyConstraints:
    with np.load(path) as z:
        return BodyConstraints(float(z["fps"]), z["poses"], z["mask"],
                               z["transl"] if "transl" in z else None,
                               z["transl_mask"] if "transl_mask" in z else None)


def save_result(path: str, perf: Performance, warnings: list, timings: dict) -> None:
    prov = asdict(perf.provenance)
    meta = {"fps": perf.fps, "provenance": prov, "warnings": warnings, "timings_s": timings}
    arrays = {k: getattr(perf, k) for k in _OPTIONAL if getattr(perf, k) is not None}
    np.savez(path, arkit=perf.arkit, meta=np.array(json.dumps(meta)), **arrays)


def load_result(path: str) -> tuple[Performance, list, dict]:
    with np.load(path) as z:
        meta = json.loads(str(z["meta"]))
        extra = {k: z[k] for k in _OPTIONAL if k in z}
        perf = Performance(fps=meta["fps"], arkit=z["arkit"], provenance=Provenance(**meta["provenance"]), **extra)
    return perf, meta["warnings"], meta["timings_s"]


# --- child process -------------------------------------------------------------------------------

def child_main(job_dir: str) -> int:
    """Entry point inside the child process: run the job in ``job_dir``; return the exit code."""
    import traceback

    def progress(fraction, message):
        print(f"PROGRESS {float(fraction):.4f} {message}", flush=True)

    try:
        with open(os.path.join(job_dir, "job.json")) as f:
            job = json.load(f)
        cpath = os.path.join(job_dir, "constraints.npz")
        constraints = load_constraints(cpath) if os.path.isfile(cpath) else None
        perf, warnings, timings = run_inference(job["audio_path"], options_from_dict(job["options"]),
                                                constraints, progress)
        save_result(os.path.join(job_dir, "result.npz"), perf, warnings, timings)
    except Exception as exc:  # reported to the parent, which decides how to show it
        err = {"type": type(exc).__name__, "message": str(exc), "trace": traceback.format_exc()}
        print("ERROR " + json.dumps(err), flush=True)
        return 1
    print("DONE", flush=True)
    return 0


_BOOT = """
import importlib.util, sys
root, job_dir = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("speech_animator_child", root + "/__init__.py",
                                              submodule_search_locations=[root])
pkg = importlib.util.module_from_spec(spec); sys.modules[spec.name] = pkg; spec.loader.exec_module(pkg)
from speech_animator_child.addon import jobrunner
sys.exit(jobrunner.child_main(job_dir))
"""

#: Exception type names from the child that are the user's input, not bugs.
USER_ERROR_TYPES = {"AudioError", "ValueError", "ModelFileError", "JobError", "TargetError", "BakeError",
                    "RuntimeError"}


class ProcessWorker:
    """Run :func:`run_inference` in a child Python; poll messages like :class:`.worker.Worker`.

    Messages: ``("progress", fraction, text)``, ``("done", (perf, warnings, timings), "")``,
    ``("error", exception, text)``, ``("cancelled", None, "")``.
    """

    def __init__(self, audio_path: str, options: GenerateOptions, constraints: BodyConstraints | None = None,
                 python: str | None = None):
        self._dir = tempfile.mkdtemp(prefix="speech_animator_")
        with open(os.path.join(self._dir, "job.json"), "w") as f:
            json.dump({"audio_path": audio_path, "options": options_to_dict(options)}, f)
        if constraints is not None:
            save_constraints(os.path.join(self._dir, "constraints.npz"), constraints)
        self._python = python or sys.executable
        self._queue: queue.Queue = queue.Queue()
        self._cancelled = threading.Event()
        self._proc = None
        self._reader = None

    def start(self) -> None:
        env = dict(os.environ)
        # The child sees the same packages (Blender's and the extension's wheels) as this process.
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        env.setdefault("OMP_NUM_THREADS", "1")  # leave cores to Blender's UI
        self._proc = subprocess.Popen([self._python, "-c", _BOOT, ROOT, self._dir], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env)
        self._reader = threading.Thread(target=self._read, name="speech_animator.child-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Reader thread: blocking pipe reads only (they release the GIL), results into the queue."""
        error = None
        done = False
        for line in self._proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("PROGRESS "):
                _, fraction, *msg = line.split(" ", 2)
                self._queue.put(("progress", float(fraction), msg[0] if msg else ""))
            elif line.startswith("ERROR "):
                error = json.loads(line[6:])
            elif line == "DONE":
                done = True
        stderr = self._proc.stderr.read()
        code = self._proc.wait()
        if self._cancelled.is_set():
            self._queue.put(("cancelled", None, ""))
        elif done and code == 0:
            try:
                self._queue.put(("done", load_result(os.path.join(self._dir, "result.npz")), ""))
            except Exception as exc:  # corrupt result file: report, never crash the UI
                self._queue.put(("error", ChildError(f"inference result unreadable: {exc}"), str(exc)))
        elif error is not None:
            exc = ChildError(error["message"], error["type"])
            self._queue.put(("error", exc, error["message"] if error["type"] in USER_ERROR_TYPES
                             else f"{error['type']}: {error['message']}\n{error['trace']}"))
        else:
            msg = f"inference process exited with code {code}: {stderr.strip()[-800:]}"
            self._queue.put(("error", ChildError(msg), msg))
        self._cleanup()

    def _cleanup(self) -> None:
        for name in ("job.json", "constraints.npz", "result.npz"):
            try:
                os.remove(os.path.join(self._dir, name))
            except OSError:
                pass
        try:
            os.rmdir(self._dir)
        except OSError:
            pass

    def cancel(self) -> None:
        """Terminate the child now; a ``("cancelled", ...)`` message follows."""
        self._cancelled.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def is_alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._reader is not None:
            self._reader.join(timeout)

    def poll(self) -> list:
        """Drain and return every message queued so far (non-blocking)."""
        return drain(self._queue)
