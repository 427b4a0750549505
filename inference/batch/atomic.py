"""Crash-safe file writes: a unique temporary name in the target's folder, then ``os.replace``.

A reader never sees a half-written output under its final name, two processes writing the same
target never share a temporary file, and a failed or interrupted write removes its temporary file.
Temporary names are ``.<name>.<pid>-<random>.partial<suffix>`` (hidden, same suffix so writers that
insist on one, like ``numpy.savez`` or Blender, keep the name).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path

#: Marker in every temporary name (used by :func:`remove_stale_partials`).
PARTIAL_MARK: str = ".partial"

_LIVE: set[str] = set()  # temporaries of this process not yet renamed or removed (diagnostics)


def temp_path(final: os.PathLike | str) -> Path:
    """A fresh temporary path next to ``final`` (same folder, same suffix); the folder is created."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    return final.with_name(f".{final.stem}.{token}{PARTIAL_MARK}{final.suffix}")


@contextlib.contextmanager
def atomic_path(final: os.PathLike | str):
    """Yield a temporary path to write; on normal exit rename it onto ``final`` atomically.

    Raises:
        FileNotFoundError: the body finished without creating the temporary file (a writer that
            reported success but wrote nothing is caught here, not reported as ok).
    On any exception (including :class:`KeyboardInterrupt`) the temporary file is removed and
    ``final`` is left as it was.
    """
    tmp = temp_path(final)
    # writers such as Blender's may also leave "<tmp>@" or "<tmp>1" beside it
    extras = [Path(str(tmp) + "@"), Path(str(tmp) + "1")]
    _LIVE.add(str(tmp))
    try:
        yield tmp
        if not tmp.is_file():
            raise FileNotFoundError(f"{final}: the writer reported success but wrote no file")
        os.replace(tmp, final)
    finally:
        _LIVE.discard(str(tmp))
        for p in [tmp, *extras]:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def write_json(final: os.PathLike | str, data) -> Path:
    """Write ``data`` as indented JSON to ``final`` atomically; return ``final`` as a Path."""
    with atomic_path(final) as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=str))
    return Path(final)


def track(tmp: os.PathLike | str) -> None:
    """Note a temporary path written outside :func:`atomic_path` (see :mod:`.runner`)."""
    _LIVE.add(str(tmp))


def untrack(tmp: os.PathLike | str) -> None:
    """Forget a temporary path (renamed or removed)."""
    _LIVE.discard(str(tmp))


def remove_stale_partials(folder: os.PathLike | str) -> list[Path]:
    """Remove temporaries below ``folder`` left by a process that no longer runs (killed with -9).

    Only names written by :func:`temp_path` whose pid is not alive are touched; returns them.
    """
    gone = []
    root = Path(folder)
    if not root.is_dir():
        return gone
    for p in root.rglob(f".*{PARTIAL_MARK}*"):
        parts = p.name.split(".")
        pid_token = next((x for x in parts if "-" in x and x.split("-")[0].isdigit()), "")
        if not pid_token:
            continue
        pid = int(pid_token.split("-")[0])
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            gone.append(p)
    return gone


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate the process there: never guess, keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True
