"""Stopping a batch CLI with SIGTERM mid-run, for the tests that check what it leaves behind."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path


def sigterm_after(argv: list, cwd: Path, first: Path, *, timeout_s: float, poll_s: float) -> tuple[str, str]:
    """Run ``argv`` in ``cwd``, send it SIGTERM as soon as ``first`` exists (or after ``timeout_s``
    seconds), wait up to ``timeout_s`` more for it to end and return its ``(stdout, stderr)``.

    ``poll_s``: seconds between checks for ``first``.

    Raises:
        AssertionError: it did not exit with ``128 + SIGTERM`` (its stdout and stderr in the message).
        subprocess.TimeoutExpired: it did not end within ``timeout_s`` after the signal.
    """
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout_s
    while time.time() < deadline and not first.exists():
        time.sleep(poll_s)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=timeout_s)
    assert proc.returncode == 128 + signal.SIGTERM, stdout + stderr
    return stdout, stderr
