"""The single entry point: speech audio -> :class:`Performance` (face + body) at a chosen fps."""

from __future__ import annotations

import os
import time
from typing import Callable

import numpy as np

from . import backends
from ._rigs import arkit as _arkit, rotations as _rotations, smplx as _smplx
from .audio import Audio, load_audio
from .options import GenerateOptions
from .performance import Performance, Provenance
from .timebase import num_frames, resample_frames

#: ``progress(fraction in [0, 1], message)``; may raise to cancel.
ProgressFn = Callable[[float, str], None]


def generate(
    audio: Audio | str | os.PathLike,
    options: GenerateOptions = GenerateOptions(),
    constraints: backends.BodyConstraints | None = None,
    progress: ProgressFn | None = None,
) -> Performance:
    """Generate a face and/or body performance from speech.

    Args:
        audio: an :class:`Audio` or a path to any file :func:`inference.audio.load_audio` reads.
        options: :class:`GenerateOptions` (fps, which parts, backends, device, style, seed).
        constraints: optional masked-motion prompt for the body, at ``options.fps``.
        progress: optional callback ``progress(fraction, message)``; an exception raised in it
            (e.g. on user cancel) aborts generation and propagates.

    Returns:
        :class:`Performance` with ``T = ceil(duration_s * options.fps)`` frames.

    Raises:
        inference.audio.AudioError: unreadable or invalid audio.
        ValueError: unknown backend names or bad constraints.
        inference.runtime.ModelFileError: a model file failed its SHA-256 check.
        inference.face.flame.FlameMapError: ``options.flame_map_path`` is set but unusable.
    """
    report = progress or (lambda f, m: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if not isinstance(audio, Audio):
        report(0.0, "loading audio")
        audio = load_audio(audio)
    timings["load_audio"] = time.perf_counter() - t0
    fps = float(options.fps)
    frames = num_frames(audio.duration_s, fps)

    arkit = np.zeros((frames, _arkit.NUM_ARKIT), np.float32)
    expression = jaw_pose = None
    face_track = None
    face_name = device = ""
    if options.face:
        report(0.05, "face")
        t = time.perf_counter()
        backend = backends.get_face_backend(options.face_model)
        face_track = backend.run(audio, options)
        arkit = resample_frames(face_track.arkit, face_track.fps, fps, frames)
        arkit = _postprocess_face(arkit, audio, options)
        face_name, device = face_track.model, face_track.device
        if options.flame_map_path:
            from .face.flame import arkit_to_flame, load_flame_map

            expression, jaw_pose = arkit_to_flame(arkit, load_flame_map(options.flame_map_path))
        timings["face"] = time.perf_counter() - t

    poses = transl = None
    body_name = ""
    if options.body:
        report(0.5, "body")
        t = time.perf_counter()
        body = backends.get_body_backend(options.body_model).run(audio, options, constraints, face_track)
        poses, transl = _body_to_fps(body, fps, frames)
        body_name = body.model
        device = device or "numpy"
        timings["body"] = time.perf_counter() - t

    timings["total"] = time.perf_counter() - t0
    report(1.0, "done")
    prov = Provenance(face_model=face_name, body_model=body_name, device=device,
                      timings_s=timings, audio_path=audio.path, seed=options.seed)
    return Performance(fps=fps, arkit=arkit, expression=expression, jaw_pose=jaw_pose,
                       smplx_poses=poses, transl=transl, provenance=prov)


def _postprocess_face(arkit: np.ndarray, audio: Audio, options: GenerateOptions) -> np.ndarray:
    """Intensity on speech channels, optional zero-phase smoothing, procedural layer."""
    speech = np.array([n in _arkit.SPEECH_CHANNELS for n in _arkit.ARKIT_NAMES])
    out = arkit.copy()
    out[:, speech] *= options.intensity
    if options.smoothing > 0.0:
        out = _zero_phase_smooth(out, time_constant_s=0.08 * options.smoothing, fps=options.fps)
    if options.procedural_face:
        from .face.procedural import add_procedural_layer

        out = add_procedural_layer(out, audio, options.fps, options.seed)
    # ARKit: mouthClose never exceeds jawOpen (also after intensity > 1 and smoothing).
    return _arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0))


def _zero_phase_smooth(x: np.ndarray, time_constant_s: float, fps: float) -> np.ndarray:
    """Forward-backward one-pole low-pass (no lag), time constant in seconds."""
    a = float(np.exp(-1.0 / max(time_constant_s * fps, 1e-6)))
    y = x.astype(np.float64).copy()
    for rng in (range(1, len(y)), range(len(y) - 2, -1, -1)):
        step = 1 if rng.step == 1 else -1
        for i in rng:
            y[i] = a * y[i - step] + (1.0 - a) * y[i]
    return y.astype(np.float32)


def _body_to_fps(body: backends.BodyTrack, fps: float, frames: int):
    if body.poses.ndim != 3 or body.poses.shape[1:] != (_smplx.NUM_JOINTS, 3):
        raise ValueError(f"body backend {body.model}: expected poses (T, 55, 3), found {body.poses.shape}")
    if abs(body.fps - fps) < 1e-9 and body.poses.shape[0] == frames:
        return body.poses.astype(np.float32), body.transl.astype(np.float32)
    poses = _rotations.resample_axis_angle(body.poses, body.fps, fps, frames)
    transl = resample_frames(body.transl, body.fps, fps, frames)
    return poses, transl
