"""One-time conversion of an EMAGE checkpoint folder to ONNX, cached by a hash of its source files.

The converted files are ``<digest>-main.onnx``, ``<digest>-vq.onnx``, ``<digest>-global.onnx`` and
``<digest>-codebooks.npz`` (VQ codebooks for the numpy index/nearest lookups), where ``<digest>``
is the first 16 hex digits of a SHA-256 over :data:`CONVERTER_VERSION`, every ``config.json`` and
the SHA-256 of every weight file. They go to ``<checkpoint>/.speech_animator_onnx/`` when that
folder is writable, else to the user cache (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux/macOS,
``%LOCALAPPDATA%`` on Windows) under ``speech_animator/emage/``. Files are written atomically
(temporary name + rename), so an interrupted conversion never leaves a half file in use.
Conversion needs only numpy (no torch, no onnx package).

Hashing 556 MB takes seconds, so each cache folder also keeps ``digests.json``: a memo from a
signature of the source files' paths, sizes and modification times to their digest. An edited
or replaced file changes its signature and is hashed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile

import numpy as np

from ..batch.atomic import atomic_path
from ..runtime import sha256_of
from . import graph, onnx_proto
from .checkpoint import VQ_PARTS, checkpoint_files, load_checkpoint
from .weights import CheckpointError

log = logging.getLogger(__name__)

#: Bumped whenever the graph builder changes what it writes (invalidates old caches).
CONVERTER_VERSION: str = "emage-onnx-1"
CACHE_SUBDIR: str = ".speech_animator_onnx"
ARTIFACTS: tuple[str, ...] = ("main.onnx", "vq.onnx", "global.onnx", "codebooks.npz")


def source_digest(root: str | os.PathLike) -> str:
    """16 hex digits identifying the checkpoint content (configs + weight-file SHA-256s).

    Raises:
        CheckpointError: a file of the layout is missing.
    """
    files = checkpoint_files(root)
    h = hashlib.sha256(CONVERTER_VERSION.encode())
    for comp in ["main"] + list(VQ_PARTS):
        cfg = files[comp + "/config"]
        if not os.path.isfile(cfg):
            raise CheckpointError(f"{cfg}: config.json not found")
        with open(cfg, "rb") as f:
            h.update(comp.encode() + b"\0" + f.read() + b"\0")
        h.update(os.path.basename(files[comp]).encode() + sha256_of(files[comp]).encode())
    return h.hexdigest()[:16]


def user_cache_dir() -> str:
    """Per-user cache folder for converted models."""
    base = os.environ.get("LOCALAPPDATA") if os.name == "nt" else None
    base = base or os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "speech_animator", "emage")


def _writable_dir(path: str) -> bool:
    """True when ``path`` can be created/written; a folder whose parent (or itself) carries no write
    permission bit counts as read-only even for a superuser (shared, published folders)."""
    probe = path if os.path.isdir(path) else os.path.dirname(path)
    try:
        if not (os.stat(probe).st_mode & 0o222) or not os.access(probe, os.W_OK):
            return False
    except OSError:
        pass
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".probe"):
            pass
        return True
    except OSError:
        return False


def cache_candidates(root: str, cache_dir: str | None = None) -> list[str]:
    """Folders searched for (and written with) converted files, in order."""
    if cache_dir:
        return [cache_dir]
    return [os.path.join(root, CACHE_SUBDIR), user_cache_dir()]


def _paths(folder: str, digest: str) -> dict[str, str]:
    return {a: os.path.join(folder, f"{digest}-{a}") for a in ARTIFACTS}


def find_converted(root: str, digest: str, cache_dir: str | None = None) -> dict[str, str] | None:
    """Paths of an existing conversion of ``digest``, or None."""
    for folder in cache_candidates(root, cache_dir):
        paths = _paths(folder, digest)
        if all(os.path.isfile(p) for p in paths.values()):
            return paths
    return None


def _atomic(path: str, write) -> None:
    """``write(temporary path)``, then rename onto ``path`` (:func:`inference.batch.atomic.atomic_path`)."""
    with atomic_path(path) as tmp:
        write(str(tmp))


def file_signature(root: str | os.PathLike) -> str:
    """Hex signature of the checkpoint files' paths, sizes and modification times (cheap, no hashing).

    Raises:
        CheckpointError: a file of the layout is missing.
    """
    root = os.fspath(root)
    files = checkpoint_files(root)
    stats = []
    for comp in sorted(files):
        try:
            st = os.stat(files[comp])
        except OSError:
            raise CheckpointError(f"{files[comp]}: not found (expected the EMAGE checkpoint folder layout, "
                                  "see docs/emage.md)") from None
        stats.append([comp, os.path.realpath(files[comp]), st.st_size, st.st_mtime_ns])
    return hashlib.sha256(json.dumps([CONVERTER_VERSION, stats]).encode()).hexdigest()


def _memo_get(root: str, signature: str, cache_dir: str | None) -> str | None:
    for folder in cache_candidates(root, cache_dir):
        try:
            with open(os.path.join(folder, "digests.json"), encoding="utf-8") as f:
                digest = json.load(f).get(signature)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(digest, str):
            return digest
    return None


def _memo_put(folder: str, signature: str, digest: str) -> None:
    path = os.path.join(folder, "digests.json")
    try:
        with open(path, encoding="utf-8") as f:
            memo = json.load(f)
        memo = memo if isinstance(memo, dict) else {}
    except (OSError, ValueError):
        memo = {}
    memo[signature] = digest

    def write(p):
        with open(p, "w", encoding="utf-8") as f:
            json.dump(memo, f)

    try:
        _atomic(path, write)
    except OSError:  # the memo only saves time
        log.debug("could not write %s", path)


def convert(root: str | os.PathLike, cache_dir: str | None = None) -> dict[str, str]:
    """Return the converted files of checkpoint ``root``, converting once if needed.

    Args:
        root: checkpoint folder (layout in :mod:`inference.emage.checkpoint`).
        cache_dir: force this cache folder (else :func:`cache_candidates`).

    Returns:
        ``{"main.onnx": path, "vq.onnx": path, "global.onnx": path, "codebooks.npz": path}``.

    Raises:
        CheckpointError: invalid checkpoint (see :func:`load_checkpoint`).
        inference.errors.EnvironmentProblem: no writable cache folder.
    """
    root = os.fspath(root)
    signature = file_signature(root)
    digest = _memo_get(root, signature, cache_dir)
    if digest:
        found = find_converted(root, digest, cache_dir)
        if found:
            return found
    digest = source_digest(root)
    found = find_converted(root, digest, cache_dir)
    if found:
        _memo_put(os.path.dirname(found["main.onnx"]), signature, digest)
        return found
    folder = next((f for f in cache_candidates(root, cache_dir) if _writable_dir(f)), None)
    if folder is None:
        from ..errors import EnvironmentProblem

        raise EnvironmentProblem(f"EMAGE: no writable folder for the converted model "
                                 f"(tried {', '.join(cache_candidates(root, cache_dir))})")
    log.info("converting EMAGE checkpoint %s to ONNX in %s", root, folder)
    ck = load_checkpoint(root)
    paths = _paths(folder, digest)
    _atomic(paths["main.onnx"], lambda p: onnx_proto.write_model(graph.build_main(ck.main, ck.config), p))
    _atomic(paths["vq.onnx"], lambda p: onnx_proto.write_model(graph.build_vq(ck), p))
    _atomic(paths["global.onnx"], lambda p: onnx_proto.write_model(graph.build_global(ck), p))
    books = {p: ck.vq[p]["quantizer.embedding.weight"].astype(np.float32) for p in graph.PARTS}

    def save_books(p):
        with open(p, "wb") as f:
            np.savez(f, **books)

    _atomic(paths["codebooks.npz"], save_books)
    _memo_put(folder, signature, digest)
    return paths
