"""Batch errors: subclasses of the project's :mod:`inference.errors` hierarchy (stable ``code``s)."""

from __future__ import annotations

from ..errors import InputError, SpeechAnimatorError


class UsageError(InputError):
    """A command-line option is invalid; raised before any file is touched (exit code 2)."""

    code = "usage"


class MissingInputError(InputError):
    """An input path named on the command line does not exist or holds no audio.

    Not raised: the input's report gets its message and code (``"status": "error"``), the other
    inputs run, and the batch exits with 1 (:func:`inference.batch.runner.exit_code`).
    """

    code = "input_missing"


class OutputExistsError(InputError):
    """Outputs of this batch already exist and neither ``--overwrite`` nor ``--skip-existing`` was given.

    Raised by :func:`inference.batch.runner.check_rerun` before any file is touched (exit code 2).
    """

    code = "output_exists"


class BatchInterrupted(SpeechAnimatorError):
    """SIGINT or SIGTERM arrived; the current file was cleaned up and the batch stopped.

    Attributes:
        signum: the signal number (``signal.SIGINT`` = 2, ``signal.SIGTERM`` = 15).
    """

    code = "interrupted"

    def __init__(self, message: str, signum: int = 0) -> None:
        super().__init__(message)
        self.signum = signum
