"""Finding backend modules in any process: the built-ins, :data:`ENV_VAR`, entry points and module refs.

Each module found is imported once and its ``register_backends(api)`` hook is called with ``api`` =
the :mod:`inference.backends` package under whatever name it was imported (see the package docstring).
A module from the environment variable or an entry point that fails to load is recorded
(:func:`load_problems`) instead of raising, so one broken package leaves the built-ins working.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import os
import sys
from importlib.machinery import PathFinder

from ..errors import BackendError

#: Entry-point group scanned for third-party backends (``[project.entry-points."speech_animator.backends"]``).
ENTRY_POINT_GROUP: str = "speech_animator.backends"
#: Environment variable with extra backend module references, separated by ``os.pathsep``.
ENV_VAR: str = "SPEECH_ANIMATOR_BACKENDS"
#: The ``inference`` package, under whatever name it was imported.
_INFERENCE = __package__.rpartition(".")[0]
#: Built-in backend modules (relative to ``inference``), each registering itself when imported.
_BUILTIN = ("face.dsp", "face.lipsync", "body.procedural", "emage.backend")
#: Module references loaded so far, in order.
_LOADED_REFS: list[str] = []
#: Modules from the environment variable or entry points that failed to load: ref -> error text.
_BROKEN: dict[str, str] = {}
_loaded = False
log = logging.getLogger(__name__)


def _api():
    """The ``api`` handed to ``register_backends``: the :mod:`inference.backends` package."""
    return sys.modules[__package__]


def module_ref(module_name: str | None) -> str:
    """How another process can import ``module_name``: its name, or its file; ``""`` for built-ins."""
    if not module_name or module_name == "__main__" or module_name.startswith(_INFERENCE + "."):
        return ""
    mod = sys.modules.get(module_name)
    top = module_name.split(".")[0]
    if PathFinder.find_spec(top, [p for p in sys.path if isinstance(p, str)]) is not None:
        return module_name
    path = getattr(mod, "__file__", None)
    return os.path.abspath(path) if path and path.endswith(".py") else module_name


def load_problems() -> dict[str, str]:
    """Backend modules from :data:`ENV_VAR` or entry points that failed to load: ``{ref: error}``.

    Such a module is skipped (logged with its traceback) so that one broken package does not take
    the built-in backends down with it; asking for one of its backends names the failure.
    """
    ensure_loaded()
    return dict(_BROKEN)


def loaded_refs() -> tuple[str, ...]:
    """Module references loaded so far (in order; ``entry-point:<name>`` for entry points)."""
    ensure_loaded()
    return tuple(_LOADED_REFS)


def load_backend_modules(refs) -> None:
    """Import backend modules (once each) and call their ``register_backends(api)`` hook.

    Args:
        refs: iterable of dotted module names (importable from ``sys.path``) or paths to ``.py`` files.

    Raises:
        BackendError: a reference cannot be found (the message names it). Errors raised inside the
            module propagate unchanged (a bug in the module keeps its traceback).
    """
    ensure_loaded()
    for ref in refs:
        _load_ref(ref)


def _load_ref(ref: str) -> None:
    if ref in _LOADED_REFS:
        return
    if ref.endswith(".py") or os.sep in ref or (os.altsep and os.altsep in ref):
        path = os.path.abspath(os.path.expanduser(ref))
        if not os.path.isfile(path):
            raise BackendError(f"backend module {ref!r}: expected a .py file, found no such file")
        name = "speech_animator_backend_" + os.path.splitext(os.path.basename(path))[0]
        module = sys.modules.get(name)
        if module is None or getattr(module, "__file__", None) != path:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise
    else:
        if importlib.util.find_spec(ref.split(".")[0]) is None:
            raise BackendError(f"backend module {ref!r}: expected a module importable from sys.path "
                               "(or a path to a .py file), found none")
        existed = ref in sys.modules
        module = importlib.import_module(ref)
        if existed and getattr(module, "register_backends", None) is None:
            # Imported earlier (it registered itself then, in this process); nothing to do.
            _LOADED_REFS.append(ref)
            return
    _LOADED_REFS.append(ref)
    hook = getattr(module, "register_backends", None)
    if callable(hook):
        hook(_api())


def ensure_loaded() -> None:
    """Import the built-in backends once (each registers itself), then env-var and entry-point ones."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for mod in _BUILTIN:
        full = f"{_INFERENCE}.{mod}"
        # A backend whose module is not present yet is skipped; errors inside one propagate.
        if importlib.util.find_spec(full.rsplit(".", 1)[0]) is not None and importlib.util.find_spec(full) is not None:
            importlib.import_module(full)
    for ref in filter(None, os.environ.get(ENV_VAR, "").split(os.pathsep)):
        _guarded(ref, lambda ref=ref: _load_ref(ref))
    _load_entry_points()


def _guarded(ref: str, load) -> None:
    """Run ``load()``; on failure record and log it instead of raising (see :func:`load_problems`)."""
    try:
        load()
    except Exception as exc:  # a broken third-party module must not break the built-ins
        _BROKEN[ref] = f"{type(exc).__name__}: {exc}"
        log.warning("backend module %s did not load", ref, exc_info=True)


def _load_entry_points() -> None:
    from ..plugin_scan import may_declare_group

    if not may_declare_group(ENTRY_POINT_GROUP):  # skips importlib.metadata (50-130 ms) when nothing declares it
        return
    from importlib.metadata import entry_points

    try:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # Python < 3.10 signature
        eps = entry_points().get(ENTRY_POINT_GROUP, [])
    for ep in eps:
        ref = f"entry-point:{ep.name}"
        if ref in _LOADED_REFS:
            continue
        _LOADED_REFS.append(ref)

        def load(ep=ep):
            obj = ep.load()
            hook = obj if callable(obj) and not inspect.ismodule(obj) else getattr(obj, "register_backends", None)
            if callable(hook):
                hook(_api())
        _guarded(f"entry point {ep.name} ({ep.value})", load)
