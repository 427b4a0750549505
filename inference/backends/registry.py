"""The backend registry: names -> zero-argument factories, one table for face and one for body.

Every lookup first loads the built-in and discovered backend modules (:mod:`.discovery`), so a
name is found in any process without a setup call.
"""

from __future__ import annotations

from typing import Callable

from ..errors import BackendError
from ..options import GenerateOptions
from . import discovery
from .contracts import BodyBackend, FaceBackend

_FACE: dict[str, Callable[[], FaceBackend]] = {}
_BODY: dict[str, Callable[[], BodyBackend]] = {}
_TABLES = {"face": _FACE, "body": _BODY}
#: Preference order of face backends when ``face_model == "default"``.
FACE_DEFAULT_ORDER: list[str] = ["lipsync", "fast"]
BODY_DEFAULT_ORDER: list[str] = ["procedural"]
#: The module of each directly registered factory (how another process imports it), by (kind, name).
_ORIGINS: dict[tuple[str, str], str] = {}


def register_face_backend(name: str, factory: Callable[[], FaceBackend]) -> None:
    """Register a face backend factory under ``name`` (replaces an existing one)."""
    _register("face", name, factory)


def register_body_backend(name: str, factory: Callable[[], BodyBackend]) -> None:
    """Register a body backend factory under ``name`` (replaces an existing one)."""
    _register("body", name, factory)


def unregister_backend(kind: str, name: str) -> None:
    """Remove backend ``name`` of ``kind`` (``"face"`` or ``"body"``); unknown names are ignored."""
    _TABLES[kind].pop(name, None)
    _ORIGINS.pop((kind, name), None)


def _register(kind: str, name: str, factory) -> None:
    if not (isinstance(name, str) and name and name != "default"):
        raise BackendError(f"{kind} backend name: expected a non-empty name other than 'default', found {name!r}")
    _TABLES[kind][name] = factory
    ref = discovery.module_ref(getattr(factory, "__module__", None))
    if ref:
        _ORIGINS[(kind, name)] = ref
    else:
        _ORIGINS.pop((kind, name), None)


def backend_names(kind: str) -> list[str]:
    """Registered backend names of ``kind`` (``"face"`` or ``"body"``), sorted."""
    discovery.ensure_loaded()
    return sorted(_TABLES[kind])


def face_backend_names() -> list[str]:
    """Registered face backend names."""
    return backend_names("face")


def body_backend_names() -> list[str]:
    """Registered body backend names."""
    return backend_names("body")


def resolve_name(kind: str, name: str) -> str:
    """The registered name ``name`` stands for (``"default"`` -> first available of the default order).

    Args:
        kind: ``"face"`` or ``"body"``.

    Raises:
        BackendError: unknown name (the message lists the valid choices) or nothing registered.
    """
    discovery.ensure_loaded()
    table = _TABLES[kind]
    order = FACE_DEFAULT_ORDER if kind == "face" else BODY_DEFAULT_ORDER
    if name == "default":
        for cand in order:
            if cand in table:
                return cand
        raise BackendError(f"{kind}_model: no backend is registered (expected one of {order})")
    if name not in table:
        broken = "".join(f"; {ref} did not load ({err})" for ref, err in discovery.load_problems().items())
        raise BackendError(f"{kind}_model: expected one of {['default'] + sorted(table)}, found {name!r}{broken}")
    return name


def factory(kind: str, name: str) -> Callable:
    """The factory registered for ``name`` of ``kind`` (``"default"`` resolved).

    Raises:
        BackendError: see :func:`resolve_name`.
    """
    return _TABLES[kind][resolve_name(kind, name)]


def get_face_backend(name: str) -> FaceBackend:
    """Instantiate face backend ``name`` (``"default"`` = first available of FACE_DEFAULT_ORDER).

    Raises:
        BackendError (a ValueError): unknown name (the message lists the valid choices).
    """
    return factory("face", name)()


def get_body_backend(name: str) -> BodyBackend:
    """Instantiate body backend ``name`` (``"default"`` = first of BODY_DEFAULT_ORDER).

    Raises:
        BackendError (a ValueError): unknown name (the message lists the valid choices).
    """
    return factory("body", name)()


def carried_modules(options: GenerateOptions | None = None) -> tuple[str, ...]:
    """Module references another process needs to see the backends this one has.

    ``options.backend_modules`` first, then modules loaded through :func:`load_backend_modules`, the
    environment variable or entry points, then the modules of backends registered directly (not the built-ins). Passing them as
    ``GenerateOptions.backend_modules`` makes registration travel with a job.
    """
    out: list[str] = list(options.backend_modules) if options is not None else []
    for ref in list(discovery.loaded_refs()) + list(_ORIGINS.values()):
        if ref not in out and not ref.startswith("entry-point:"):
            out.append(ref)
    return tuple(out)
