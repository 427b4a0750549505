"""Swappable face and body backends behind one interface, and how they are found in any process.

A backend is registered under a name with a zero-argument factory; ``generate`` looks it up.
Face backends: the DSP baseline (``"fast"``) and the lip-sync network (``"lipsync"``).
Body backends: the procedural gesture generator (``"procedural"``).

A third-party (or GPU) backend is one module plus one registration line. The module defines
``register_backends(api)`` and calls ``api.register_face_backend(name, Factory)`` (or the body
variant) in it; ``api`` is this module, whatever name the package was imported under (``inference``,
``bl_ext.<repo>.speech_animator.inference``, the worker process's copy), so types such as
``api.FaceTrack`` always match. Modules are found, in this process and in the worker process, from:

* ``GenerateOptions.backend_modules`` (dotted module names or ``.py`` paths; they travel with the job),
* the environment variable :data:`ENV_VAR` (``os.pathsep``-separated, same syntax),
* installed packages' entry points in group :data:`ENTRY_POINT_GROUP` (a module or a
  ``register(api)`` callable),
* and, for backends registered directly in a process that then starts the worker, the module of
  the factory (:func:`carried_modules`).

Optional backend features (all duck-typed, so older backends keep working):

* ``run(..., progress=callback)``: when ``run`` accepts a ``progress`` keyword it gets
  ``progress(fraction in [0, 1], message)`` for its own work (mapped into the overall progress; it
  raises to cancel).
* ``OPTION_DEFAULTS: Mapping[str, value]`` on the factory/class: the backend-specific options it
  reads from ``GenerateOptions.backend_options[name]`` (see :func:`options_for`); unknown keys and
  wrong types are rejected listing the valid keys. ``validate_options(opts)`` (a staticmethod or
  classmethod) may check ranges and raise :class:`inference.errors.BackendError`.
* ``FaceTrack.owned_channels``: ARKit channels the backend animates itself (e.g. blinks); the
  procedural layer leaves those alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from ._rigs import arkit as _arkit
from .audio import Audio
from .errors import BackendError
from .options import GenerateOptions

#: Entry-point group scanned for third-party backends (``[project.entry-points."speech_animator.backends"]``).
ENTRY_POINT_GROUP: str = "speech_animator.backends"
#: Environment variable with extra backend module references, separated by ``os.pathsep``.
ENV_VAR: str = "SPEECH_ANIMATOR_BACKENDS"
#: ARKit channel names in column order of ``FaceTrack.arkit`` (re-exported for backend modules).
ARKIT_NAMES: tuple[str, ...] = _arkit.ARKIT_NAMES
#: ``progress(fraction in [0, 1], message)``; may raise to cancel.
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class FaceTrack:
    """Output of a face backend.

    Attributes:
        fps: frame rate of ``arkit``.
        arkit: ``(T, 52)`` float32 in [0, 1], ARKit order (:data:`rigs.arkit.ARKIT_NAMES`).
        device: what ran it (``"CPUExecutionProvider"``, ``"CUDAExecutionProvider"``, ``"cuda:0"``,
            ``"numpy"`` for no neural network, ...).
        model: backend name + version.
        owned_channels: ARKit names (Apple's spelling) this backend animates itself; generate()
            keeps the backend's values there and the procedural layer (blinks, gaze, brows) adds
            nothing to them. ``()`` (the built-in backends) lets the procedural layer add to every channel.

    Raises:
        ValueError: ``owned_channels`` contains a name that is not an ARKit name.
    """

    fps: float
    arkit: np.ndarray
    device: str
    model: str
    owned_channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [n for n in self.owned_channels if n not in _arkit.ARKIT_INDEX]
        if bad:
            raise ValueError(f"FaceTrack.owned_channels: {bad} are not ARKit names "
                             f"(expected names from {list(_arkit.ARKIT_NAMES[:3])}...)")
        object.__setattr__(self, "owned_channels", tuple(self.owned_channels))


@dataclass(frozen=True)
class BodyConstraints:
    """Masked motion prompt (EMAGE): poses the generator must keep exactly.

    Attributes:
        fps: frame rate of the arrays (the generator's output rate).
        poses: ``(T, 55, 3)`` float32 axis-angle radians, SMPL-X order; only masked entries matter.
        mask: ``(T, 55)`` bool, True where the pose of that joint at that frame is fixed.
        transl: optional ``(T, 3)`` float32 metres, kept where ``transl_mask`` is True.
        transl_mask: optional ``(T,)`` bool.
    """

    fps: float
    poses: np.ndarray
    mask: np.ndarray
    transl: np.ndarray | None = None
    transl_mask: np.ndarray | None = None

    def fit(self, frames: int, start: int = 0) -> "BodyConstraints":
        """Frames ``[start, start + frames)`` of the prompt, cut or padded with unmasked frames to
        exactly ``frames`` (what a clip of ``frames`` output frames, or one window of it, needs)."""
        stop = start + frames
        if self.poses.shape[0] >= stop:
            cut = slice(start, stop)
            return BodyConstraints(self.fps, self.poses[cut], self.mask[cut],
                                   None if self.transl is None else self.transl[cut],
                                   None if self.transl_mask is None else self.transl_mask[cut])
        have = self.poses[start:]
        pad = frames - have.shape[0]
        poses = np.concatenate([have, np.zeros((pad,) + self.poses.shape[1:], np.float32)])
        mask = np.concatenate([self.mask[start:], np.zeros((pad,) + self.mask.shape[1:], bool)])
        transl = None if self.transl is None else np.concatenate([self.transl[start:], np.zeros((pad, 3), np.float32)])
        tmask = None if self.transl_mask is None else np.concatenate([self.transl_mask[start:], np.zeros(pad, bool)])
        return BodyConstraints(self.fps, poses, mask, transl, tmask)


@dataclass(frozen=True)
class BodyTrack:
    """Output of a body backend.

    Attributes:
        fps: frame rate.
        poses: ``(T, 55, 3)`` float32 axis-angle radians, SMPL-X joint order.
        transl: ``(T, 3)`` float32 metres.
        model: backend name + version.
        device: what ran it (``"numpy"``, ``"cuda:0"``, ``"CUDAExecutionProvider"``, ...);
            ``""`` = not reported (provenance then says ``"unreported"``).
        transl_origin: what ``transl`` is measured from (:data:`rigs.smplx.TRANSL_ORIGINS`):
            ``"rest"`` (default, SMPL-X's meaning: 0 = standing at rest; the procedural backend)
            or ``"first_frame"`` (a capture-space placement, e.g. EMAGE's BEAT2-trained height).
    """

    fps: float
    poses: np.ndarray
    transl: np.ndarray
    model: str
    device: str = ""
    transl_origin: str = "rest"


class FaceBackend(Protocol):
    """A face backend. Optional class attribute ``reads_transcript = True``: generate() then runs
    transcript mode (:func:`inference.face.transcript_mode.transcript_step`) on its output when
    ``options.transcript`` is set; without it a transcript gives a warning and audio-only curves."""

    name: str

    def run(self, audio: Audio, options: GenerateOptions) -> FaceTrack:
        """Generate ARKit curves for ``audio`` (at the backend's own fps); may accept ``progress=``."""


class BodyBackend(Protocol):
    name: str

    def run(self, audio: Audio, options: GenerateOptions,
            constraints: BodyConstraints | None = None,
            face: FaceTrack | None = None) -> BodyTrack:
        """Generate body motion; ``face`` (when given) lets head/jaw agree with the face; may accept ``progress=``."""


_FACE: dict[str, Callable[[], FaceBackend]] = {}
_BODY: dict[str, Callable[[], BodyBackend]] = {}
_TABLES = {"face": _FACE, "body": _BODY}
#: Preference order of face backends when ``face_model == "default"``.
FACE_DEFAULT_ORDER: list[str] = ["lipsync", "fast"]
BODY_DEFAULT_ORDER: list[str] = ["procedural"]
_BUILTIN = ("face.dsp", "face.lipsync", "body.procedural", "emage.backend")
#: Module references loaded so far (in order), and the module of each directly registered factory.
_LOADED_REFS: list[str] = []
_ORIGINS: dict[tuple[str, str], str] = {}
#: Modules from the environment variable or entry points that failed to load: ref -> error text.
_BROKEN: dict[str, str] = {}
log = logging.getLogger(__name__)


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
    ref = _module_ref(getattr(factory, "__module__", None))
    if ref:
        _ORIGINS[(kind, name)] = ref
    else:
        _ORIGINS.pop((kind, name), None)


def _module_ref(module_name: str | None) -> str:
    """How another process can import ``module_name``: its name, or its file; ``""`` for built-ins."""
    if not module_name or module_name == "__main__" or module_name.startswith(__package__ + "."):
        return ""
    mod = sys.modules.get(module_name)
    top = module_name.split(".")[0]
    from importlib.machinery import PathFinder

    if PathFinder.find_spec(top, [p for p in sys.path if isinstance(p, str)]) is not None:
        return module_name
    path = getattr(mod, "__file__", None)
    return os.path.abspath(path) if path and path.endswith(".py") else module_name


def face_backend_names() -> list[str]:
    """Registered face backend names."""
    _load_builtin()
    return sorted(_FACE)


def body_backend_names() -> list[str]:
    """Registered body backend names."""
    _load_builtin()
    return sorted(_BODY)


def resolve_name(kind: str, name: str) -> str:
    """The registered name ``name`` stands for (``"default"`` -> first available of the default order).

    Args:
        kind: ``"face"`` or ``"body"``.

    Raises:
        BackendError: unknown name (the message lists the valid choices) or nothing registered.
    """
    _load_builtin()
    table = _TABLES[kind]
    order = FACE_DEFAULT_ORDER if kind == "face" else BODY_DEFAULT_ORDER
    if name == "default":
        for cand in order:
            if cand in table:
                return cand
        raise BackendError(f"{kind}_model: no backend is registered (expected one of {order})")
    if name not in table:
        broken = "".join(f"; {ref} did not load ({err})" for ref, err in _BROKEN.items())
        raise BackendError(f"{kind}_model: expected one of {['default'] + sorted(table)}, found {name!r}{broken}")
    return name


def load_problems() -> dict[str, str]:
    """Backend modules from :data:`ENV_VAR` or entry points that failed to load: ``{ref: error}``.

    Such a module is skipped (logged with its traceback) so that one broken package does not take
    the built-in backends down with it; asking for one of its backends names the failure.
    """
    _load_builtin()
    return dict(_BROKEN)


def get_face_backend(name: str) -> FaceBackend:
    """Instantiate face backend ``name`` (``"default"`` = first available of FACE_DEFAULT_ORDER).

    Raises:
        BackendError (a ValueError): unknown name (the message lists the valid choices).
    """
    return _FACE[resolve_name("face", name)]()


def get_body_backend(name: str) -> BodyBackend:
    """Instantiate body backend ``name`` (``"default"`` = first of BODY_DEFAULT_ORDER).

    Raises:
        BackendError (a ValueError): unknown name (the message lists the valid choices).
    """
    return _BODY[resolve_name("body", name)]()


# --- backend-specific options --------------------------------------------------------------------

def option_defaults(kind: str, name: str) -> dict:
    """``OPTION_DEFAULTS`` of backend ``name`` (``{}`` when it declares none)."""
    factory = _TABLES[kind][resolve_name(kind, name)]
    defaults = getattr(factory, "OPTION_DEFAULTS", None)
    return dict(defaults) if isinstance(defaults, Mapping) else {}


def options_for(kind: str, name: str, options: GenerateOptions) -> dict:
    """The options of backend ``name``: its ``OPTION_DEFAULTS`` updated by ``options.backend_options[name]``.

    Raises:
        BackendError: see :func:`check_options`.
    """
    resolved = resolve_name(kind, name)
    given = options.backend_options.get(resolved, {})
    _validate(kind, resolved, given)
    out = option_defaults(kind, resolved)
    out.update(given)
    return out


def _validate(kind: str, name: str, given: Mapping) -> None:
    factory = _TABLES[kind][name]
    defaults = option_defaults(kind, name)
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise BackendError(f"backend_options[{name!r}]: unknown option(s) {unknown}; "
                           f"{kind} backend {name!r} accepts {sorted(defaults) or 'no options'}")
    for key, value in given.items():
        want = defaults[key]
        if want is None:
            continue
        ok = isinstance(value, type(want)) or (isinstance(want, float) and isinstance(value, int)
                                                and not isinstance(value, bool))
        if isinstance(want, (int, float)) and isinstance(value, bool) and not isinstance(want, bool):
            ok = False
        if not ok:
            raise BackendError(f"backend_options[{name!r}][{key!r}]: expected a {type(want).__name__} "
                               f"(default {want!r}), found {value!r}")
    validate = getattr(factory, "validate_options", None)
    if callable(validate):
        validate(dict(given))


def check_options(options: GenerateOptions) -> None:
    """Check, before any work, that the chosen backends exist and accept their ``backend_options``.

    Loads ``options.backend_modules`` first. Front ends call this to reject bad arguments up front.

    Raises:
        BackendError: an unknown backend name, module reference, backend in ``backend_options``,
            option key (the message lists the valid keys) or option value.
    """
    load_backend_modules(options.backend_modules)
    if options.face:
        resolve_name("face", options.face_model)
    if options.body:
        resolve_name("body", options.body_model)
    for name, given in options.backend_options.items():
        kinds = [k for k in ("face", "body") if name in _TABLES[k]]
        if not kinds:
            raise BackendError(f"backend_options: {name!r} is not a registered backend; expected some of "
                               f"{sorted(set(_FACE) | set(_BODY))}")
        for kind in kinds:
            _validate(kind, name, given)


# --- running a backend ---------------------------------------------------------------------------

def run_backend(backend, *args, progress: ProgressFn | None = None, **kwargs):
    """``backend.run(*args, **kwargs)``, passing ``progress`` only when ``run`` accepts it."""
    if progress is not None and _accepts_progress(backend.run):
        kwargs["progress"] = progress
    return backend.run(*args, **kwargs)


def _accepts_progress(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


# --- finding backend modules ---------------------------------------------------------------------

def load_backend_modules(refs) -> None:
    """Import backend modules (once each) and call their ``register_backends(api)`` hook.

    Args:
        refs: iterable of dotted module names (importable from ``sys.path``) or paths to ``.py`` files.

    Raises:
        BackendError: a reference cannot be found (the message names it). Errors raised inside the
            module propagate unchanged (a bug in the module keeps its traceback).
    """
    _load_builtin()
    for ref in refs:
        _load_ref(ref)


def carried_modules(options: GenerateOptions | None = None) -> tuple[str, ...]:
    """Module references another process needs to see the backends this one has.

    ``options.backend_modules`` first, then modules loaded through :func:`load_backend_modules`, the
    environment variable or entry points, then the modules of backends registered directly (not the
    built-ins). Passing them as ``GenerateOptions.backend_modules`` makes registration travel with a job.
    """
    _load_builtin()
    out: list[str] = list(options.backend_modules) if options is not None else []
    for ref in list(_LOADED_REFS) + list(_ORIGINS.values()):
        if ref not in out and not ref.startswith("entry-point:"):
            out.append(ref)
    return tuple(out)


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
        hook(sys.modules[__name__])


_loaded = False


def _load_builtin() -> None:
    """Import the built-in backends once (each registers itself), then env-var and entry-point ones."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    from importlib.util import find_spec

    for mod in _BUILTIN:
        full = f"{__package__}.{mod}"
        # A backend whose module is not present yet is skipped; errors inside one propagate.
        if find_spec(full.rsplit(".", 1)[0]) is not None and find_spec(full) is not None:
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
    from .plugin_scan import may_declare_group

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
                hook(sys.modules[__name__])
        _guarded(f"entry point {ep.name} ({ep.value})", load)
