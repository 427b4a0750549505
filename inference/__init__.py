"""Speech Animator inference: audio in, animation curves out. Never imports ``bpy``.

The public API, for scripts and other tools (front ends import these names, not deep modules)::

    import inference

    perf = inference.generate_file("take.wav", inference.GenerateOptions(fps=30))
    perf.arkit          # (T, 52) float32 ARKit blendshape weights in [0, 1]
    perf.smplx_poses    # (T, 55, 3) float32 SMPL-X axis-angle radians
    perf.provenance     # models, devices, timings_s, warnings

* :func:`generate_file`: an audio file -> :class:`Performance` (long clips window by window).
* :func:`generate`: :class:`Audio` (or a path, decoded whole) -> :class:`Performance`.
* :class:`GenerateOptions`, :class:`GestureStyle`, :class:`BodyConstraints` (a body prompt).
* :func:`load_audio` -> :class:`Audio` (16 kHz mono float32).
* The backend registry: :func:`register_face_backend`, :func:`register_body_backend`,
  :func:`face_backend_names`, :func:`body_backend_names`, and what backends return
  (:class:`FaceTrack`, :class:`BodyTrack`).
* Errors: :class:`SpeechAnimatorError` (every user-facing error, with a stable ``code``),
  :class:`AudioError`, :class:`BackendError`.
"""

import importlib
import sys
import types

#: Where each public name lives (imported on first use, PEP 562: ``import inference`` itself loads
#: nothing, so a front end or the Blender add-on pays only for the modules it touches).
_HOMES: dict[str, str] = {
    "Audio": "audio", "AudioError": "audio", "load_audio": "audio",
    "BodyConstraints": "backends", "BodyTrack": "backends", "FaceTrack": "backends",
    "body_backend_names": "backends", "face_backend_names": "backends",
    "register_body_backend": "backends", "register_face_backend": "backends",
    "BackendError": "errors", "SpeechAnimatorError": "errors",
    "generate_file": "files", "generate": "generate",
    "GenerateOptions": "options", "GestureStyle": "options",
    "Performance": "performance", "Provenance": "performance",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """The public name ``name`` from its module (then kept here); AttributeError for anything else."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))


class _Package(types.ModuleType):
    """This package's module type: ``inference.generate`` is the function :func:`generate`, as
    with eager imports, although the submodule ``inference.generate`` has the same name (importing
    a submodule sets it as an attribute of its package; here that assignment is ignored)."""

    @property
    def generate(self):
        return __getattr__("generate")

    @generate.setter
    def generate(self, value) -> None:
        pass


sys.modules[__name__].__class__ = _Package
