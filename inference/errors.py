"""The user-facing error contract shared by every layer (inference, rigs bridge, add-on, CLIs).

A :class:`SpeechAnimatorError` is the user's input or environment (bad audio, a missing model file,
an unusable option): it is reported as a short message. Anything else is a bug and keeps its
traceback (report JSON ``"traceback"``, the UI's details). Errors cross the worker-process boundary by
:attr:`SpeechAnimatorError.code` (see :func:`error_from_code`), never by class name strings.
"""

from __future__ import annotations


class SpeechAnimatorError(Exception):
    """Base of every user-facing error. ``code`` is stable across versions and processes."""

    code: str = "speech_animator"


class InputError(SpeechAnimatorError, ValueError):
    """An input (option, path, file content) is not what was expected; the message names it."""

    code = "input"


class EnvironmentProblem(SpeechAnimatorError, RuntimeError):
    """Something outside the input is missing or unusable (model file, runtime, permission)."""

    code = "environment"


def error_classes() -> dict[str, type[SpeechAnimatorError]]:
    """Every :class:`SpeechAnimatorError` subclass defined so far, keyed by ``code``."""
    out: dict[str, type[SpeechAnimatorError]] = {}
    stack: list[type[SpeechAnimatorError]] = [SpeechAnimatorError]
    while stack:
        cls = stack.pop()
        out.setdefault(cls.code, cls)
        stack.extend(cls.__subclasses__())
    return out


def error_from_code(code: str, message: str) -> SpeechAnimatorError:
    """Rebuild a user-facing error from its ``code`` (unknown codes give the base class).

    Args:
        code: :attr:`SpeechAnimatorError.code` of the original error.
        message: its message.
    """
    cls = error_classes().get(code, SpeechAnimatorError)
    return cls(message)
