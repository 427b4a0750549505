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

from .audio import Audio, AudioError, load_audio
from .backends import (BodyConstraints, BodyTrack, FaceTrack, body_backend_names, face_backend_names,
                       register_body_backend, register_face_backend)
from .errors import BackendError, SpeechAnimatorError
from .files import generate_file
from .generate import generate
from .options import GenerateOptions, GestureStyle
from .performance import Performance, Provenance

__all__ = ["Audio", "AudioError", "BackendError", "BodyConstraints", "BodyTrack", "FaceTrack", "GenerateOptions",
           "GestureStyle", "Performance", "Provenance", "SpeechAnimatorError", "body_backend_names",
           "face_backend_names", "generate", "generate_file", "load_audio", "register_body_backend",
           "register_face_backend"]
