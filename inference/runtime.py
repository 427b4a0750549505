"""onnxruntime sessions: execution-provider choice and SHA-256-verified model loading."""

from __future__ import annotations

import hashlib
import os
from .errors import DeviceUnavailable, EnvironmentProblem, InputError


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
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(os.fspath(model_path), sess_options=opts,
                                providers=select_providers(device))
    return sess, sess.get_providers()[0]
