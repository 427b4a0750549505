"""onnxruntime sessions: execution-provider choice, the session options and SHA-256-verified model loading."""

from __future__ import annotations

import hashlib
import os
from .errors import DeviceUnavailable, EnvironmentProblem, InputError

#: CPU threads of one session's operators (``intra_op_num_threads``). One, chosen for the 2-core
#: machines the extension targets: the lip-sync network is a small conv + GRU stack whose per-step
#: matrices are too small to split, so a second thread only adds a barrier per step. Measured on
#: 2 cores (docs/performance.md, issue 20 item 2): a 26 s chunk took 20-26 ms with 1 thread against
#: 50-140 ms with onnxruntime's default pool (2 threads, spinning), at 0.4x the CPU time; session
#: creation 15-25 ms against 33-66 ms; outputs bit-identical.
INTRA_OP_THREADS: int = 1


class ModelFileError(EnvironmentProblem):
    """A model file is missing or does not match its published SHA-256."""

    code = "model_file"


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_sha256(path: str | os.PathLike, expected: str) -> None:
    """Check a model file against its expected hex SHA-256.

    Raises:
        ModelFileError: the file is missing or its digest differs (both digests are given).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ModelFileError(f"{path}: model file not found")
    found = sha256_of(path)
    if found != expected.lower():
        raise ModelFileError(
            f"{path}: SHA-256 mismatch, expected {expected}, found {found}; "
            "the file is corrupt or was replaced: reinstall the extension"
        )


def available_providers() -> list[str]:
    """Execution providers onnxruntime offers in this process (e.g. CUDA, CPU)."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


def select_providers(device: str) -> list[str]:
    """Providers for ``device``: ``"auto"`` -> CUDA then CPU when CUDA exists, ``"cpu"``, ``"cuda"``.

    Raises:
        InputError (a ValueError): ``device`` is not one of auto/cpu/cuda.
        DeviceUnavailable (a RuntimeError): ``"cuda"`` was asked for but onnxruntime has no CUDAExecutionProvider
            (install ``onnxruntime-gpu`` and a CUDA 12 driver).
    """
    have = available_providers()
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in have:
            raise DeviceUnavailable(
                "device 'cuda': onnxruntime has no CUDAExecutionProvider here "
                f"(available: {', '.join(have)}); install onnxruntime-gpu or choose 'cpu'"
            )
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "auto":
        return (["CUDAExecutionProvider"] if "CUDAExecutionProvider" in have else []) + [
            "CPUExecutionProvider"
        ]
    raise InputError(f"device: expected one of 'auto', 'cpu', 'cuda', found {device!r}")


def create_session(model_path: str | os.PathLike, sha256: str, device: str = "auto"):
    """Verify ``model_path`` and open an ``onnxruntime.InferenceSession`` on ``device``.

    Returns:
        ``(session, provider)`` where ``provider`` is the execution provider actually in use.

    Raises:
        ModelFileError: missing file or SHA-256 mismatch.
        RuntimeError / ValueError: see :func:`select_providers`.
    """
    import onnxruntime as ort

    verify_sha256(model_path, sha256)
    sess = ort.InferenceSession(os.fspath(model_path), sess_options=session_options(),
                                providers=select_providers(device))
    return sess, sess.get_providers()[0]


def session_options():
    """The ``onnxruntime.SessionOptions`` of :func:`create_session`.

    :data:`INTRA_OP_THREADS` operator threads, one inter-op thread with sequential execution (the
    graphs are single chains), every graph optimisation (``ORT_ENABLE_ALL``, onnxruntime's default:
    the basic level alone moves outputs by ~1e-6, which ``tests/test_output_fingerprints.py`` would
    catch), warnings and errors logged only. No optimised model is written to disk: loading one
    saved ~4 ms of a ~9 ms session creation, less than keeping such a cache valid is worth.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = INTRA_OP_THREADS
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts
