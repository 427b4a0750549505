"""The worker protocol between Blender's process and the worker child (no bpy here).

What the child runs for a job is :func:`inference.files.generate_file`.

Protocol (version :data:`PROTOCOL_VERSION`; the parent side is :mod:`.process`, the child side
:func:`.child.serve`), one JSON object per line, every object carrying ``"v"``:

* child -> parent (stdout; anything the job prints goes to stderr instead):
  ``{"event": "hello", "protocol": 1, "pid": int}`` first, then per job ``id``:
  ``progress`` (``fraction``, ``message``), and one of ``done`` (``result.npz`` written in the job
  folder), ``error`` (``error``: :func:`inference.errors.error_to_dict`: a user error by ``code``,
  a bug with its traceback) or ``cancelled``.
* parent -> child (stdin): ``{"op": "generate", "id": str, "job_dir": str}``, ``{"op": "cancel",
  "id": str}``, ``{"op": "shutdown"}``.

The job folder holds ``job.json`` (``audio_path``, ``options``: :meth:`GenerateOptions.to_mapping`,
which carries the backend modules so registration travels with the job), optional
``constraints.npz`` and, when done, ``result.npz`` (:meth:`Performance.to_arrays`: warnings and timings
travel in its provenance).
Both pipes are read by their own threads, so a chatty child never blocks on a full pipe.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ...inference import BodyConstraints, GenerateOptions, Performance

#: Version of the parent <-> child protocol; both sides must agree.
PROTOCOL_VERSION = 1


def write_job(job_dir: str, audio_path: str, options: GenerateOptions, constraints: BodyConstraints | None) -> None:
    """Write ``job.json`` (and ``constraints.npz`` when there is a body prompt) into ``job_dir``."""
    with open(os.path.join(job_dir, "job.json"), "w") as f:
        json.dump({"audio_path": audio_path, "options": options.to_mapping()}, f)
    if constraints is not None:
        save_constraints(os.path.join(job_dir, "constraints.npz"), constraints)


def read_job(job_dir: str) -> tuple[str, GenerateOptions, BodyConstraints | None]:
    """``(audio_path, options, constraints or None)`` of a job folder written by :func:`write_job`."""
    with open(os.path.join(job_dir, "job.json")) as f:
        job = json.load(f)
    cpath = os.path.join(job_dir, "constraints.npz")
    constraints = load_constraints(cpath) if os.path.isfile(cpath) else None
    return job["audio_path"], GenerateOptions.from_mapping(job["options"]), constraints


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


def save_result(path: str, perf: Performance) -> None:
    """Write :meth:`Performance.to_arrays` to ``path`` (``.npz``)."""
    np.savez(path, **perf.to_arrays())


def load_result(path: str) -> Performance:
    """Read :func:`save_result` output."""
    with np.load(path, allow_pickle=False) as z:
        return Performance.from_arrays(z)
