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


class BackendError(InputError):
    """A backend name, module reference or ``backend_options`` entry is unusable (lists valid choices)."""

    code = "backend"


class DeviceUnavailable(EnvironmentProblem):
    """The requested device (e.g. ``"cuda"``) is not available in this installation."""

    code = "device"


class WorkerProblem(EnvironmentProblem):
    """The inference worker process could not start, crashed, or speaks another protocol version."""

    code = "worker"


class WorkerBug(Exception):
    """A non-user error (a bug) raised in the worker process, rebuilt in the parent.

    Not a :class:`SpeechAnimatorError`: it is shown with its traceback. Attributes:
    ``type_name`` (the original exception's qualified type name, for display only) and
    ``traceback_text`` (the original traceback as formatted in the worker).
    """

    def __init__(self, message: str, type_name: str = "Exception", traceback_text: str = ""):
        super().__init__(message)
        self.type_name = type_name
        self.traceback_text = traceback_text

    def details(self) -> str:
        """``"<type>: <message>"`` followed by the worker-side traceback."""
        return f"{self.type_name}: {self}\n{self.traceback_text}".rstrip()


def error_to_dict(exc: BaseException, traceback_text: str = "") -> dict:
    """JSON-able description of ``exc`` for crossing a process boundary.

    Returns:
        ``{"code": str | None, "type": str, "message": str, "traceback": str}``; ``code`` is the
        :attr:`SpeechAnimatorError.code` for user-facing errors and ``None`` for anything else (a bug).
    """
    return {"code": exc.code if isinstance(exc, SpeechAnimatorError) else None,
            "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc), "traceback": traceback_text}


def error_from_dict(d: dict) -> Exception:
    """Inverse of :func:`error_to_dict`: a :class:`SpeechAnimatorError` (by code) or a :class:`WorkerBug`."""
    if d.get("code"):
        return error_from_code(d["code"], d.get("message", ""))
    return WorkerBug(d.get("message", ""), d.get("type", "Exception"), d.get("traceback", ""))


def user_message(exc: BaseException) -> str:
    """What to show the user: the message of a user-facing error, type + message + traceback otherwise."""
    if isinstance(exc, SpeechAnimatorError):
        return str(exc)
    if isinstance(exc, WorkerBug):
        return exc.details()
    import traceback

    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()
