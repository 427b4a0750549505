"""Swappable face and body backends behind one interface, and how they are found in any process.

A backend is registered under a name with a zero-argument factory; ``generate`` looks it up.
Face backends: the DSP baseline (``"fast"``) and the lip-sync network (``"lipsync"``).
Body backends: the procedural gesture generator (``"procedural"``).

One module per job: :mod:`.contracts` (what a backend is and returns), :mod:`.registry` (names ->
factories), :mod:`.validation` (backend-specific options), :mod:`.discovery` (finding backend
modules). This package re-exports their public names; it is the ``api`` handed to plugins.

A third-party (or GPU) backend is one module plus one registration line. The module defines
``register_backends(api)`` and calls ``api.register_face_backend(name, Factory)`` (or the body
variant) in it; ``api`` is this package, whatever name it was imported under (``inference.backends``,
``bl_ext.<repo>.speech_animator.inference.backends``, the worker process's copy), so types such as
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

from ..audio import Audio
from ..errors import BackendError
from ..options import GenerateOptions
from .contracts import (ARKIT_NAMES, BodyBackend, BodyConstraints, BodyTrack, FaceBackend, FaceTrack, ProgressFn,
                        run_backend)
from .discovery import ENTRY_POINT_GROUP, ENV_VAR, load_backend_modules, load_problems
from .registry import (BODY_DEFAULT_ORDER, FACE_DEFAULT_ORDER, body_backend_names, carried_modules,
                       face_backend_names, get_body_backend, get_face_backend, register_body_backend,
                       register_face_backend, resolve_name, unregister_backend)
from .validation import check_options, option_defaults, options_for

__all__ = ["ARKIT_NAMES", "Audio", "BODY_DEFAULT_ORDER", "BackendError", "BodyBackend", "BodyConstraints", "BodyTrack",
           "ENTRY_POINT_GROUP", "ENV_VAR", "FACE_DEFAULT_ORDER", "FaceBackend", "FaceTrack", "GenerateOptions",
           "ProgressFn", "body_backend_names", "carried_modules", "check_options", "face_backend_names",
           "get_body_backend", "get_face_backend", "load_backend_modules", "load_problems", "option_defaults",
           "options_for", "register_body_backend", "register_face_backend", "resolve_name", "run_backend",
           "unregister_backend"]
