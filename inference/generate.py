"""The single entry point: speech audio -> :class:`Performance` (face + body) at a chosen fps."""

from __future__ import annotations

import os
import time
from dataclasses import replace

import numpy as np

from . import backends
from ._rigs import arkit as _arkit, rotations as _rotations, smplx as _smplx
from .analysis import AudioAnalysis, analyze_audio
from .audio import Audio, is_audio, load_audio
from .face.arousal import emotion_body_style, emotion_face_layer
from .options import GenerateOptions
from .performance import Performance, Provenance
from .signal_ops import one_pole_zero_phase
from .timebase import num_frames, resample_frames

#: ``progress(fraction in [0, 1], message)``; may raise to cancel.
ProgressFn = backends.ProgressFn
#: Below this peak level a clip counts as silent (dBFS): generated, with a warning.
SILENCE_PEAK_DBFS: float = -60.0
#: Shares of the overall progress: face backend, face post-processing, body backend.
_FACE_SPAN = (0.05, 0.45)
_BODY_SPAN = (0.5, 0.95)


def silence_warning(audio: Audio) -> str | None:
    """The warning for a clip whose peak is below :data:`SILENCE_PEAK_DBFS`, else ``None``."""
    peak = float(np.max(np.abs(audio.samples))) if audio.samples.size else 0.0
    if peak >= 10.0 ** (SILENCE_PEAK_DBFS / 20.0):
        return None
    return (f"{audio.path or 'audio'}: no speech (peak level {20 * np.log10(max(peak, 1e-12)):.0f} dBFS); "
            "the face stays at rest")


def generate(
    audio: Audio | str | os.PathLike,
    options: GenerateOptions = GenerateOptions(),
    constraints: backends.BodyConstraints | None = None,
    progress: ProgressFn | None = None,
    analysis: AudioAnalysis | None = None,
) -> Performance:
    """Generate a face and/or body performance from speech.

    Args:
        audio: an :class:`Audio` or a path to any file :func:`inference.audio.load_audio` reads.
        options: :class:`GenerateOptions` (fps, which parts, backends and their options, device,
            style, seed). ``options.backend_modules`` are imported first.
        constraints: optional masked-motion prompt for the body, at ``options.fps``.
        progress: optional callback ``progress(fraction, message)``, called with non-decreasing
            fractions (stages, plus the backends' own progress when they report it); an exception
            raised in it (e.g. on user cancel) aborts generation and propagates.
        analysis: optional :class:`inference.analysis.AudioAnalysis` of this very ``audio`` (an
            ``Audio``, not a path), for a caller that already analysed the clip (the conversation
            reads each track's prosody first); ``None`` analyses it here.

    Returns:
        :class:`Performance` with ``T = ceil(duration_s * options.fps)`` frames; its provenance
        names each backend, the device each ran on and warnings about the input (a silent clip).

    Raises:
        inference.audio.AudioError: unreadable or invalid audio.
        inference.errors.BackendError: unknown backend names or modules, bad ``backend_options``.
        ValueError: bad constraints.
        inference.runtime.ModelFileError: a model file failed its SHA-256 check.
        inference.face.flame.FlameMapError: ``options.flame_map_path`` is set but unusable.
        ValueError: ``analysis`` is given but is not the analysis of ``audio``.
    """
    if analysis is not None and (not is_audio(audio) or analysis.audio is not audio):
        raise ValueError("generate: analysis= must be analyze_audio(audio) of the same Audio object "
                         f"passed as audio; got an analysis of another clip (audio is {type(audio).__name__})")
    report = _Monotonic(progress)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    backends.check_options(options)  # loads options.backend_modules; names and backend_options up front
    if not is_audio(audio):
        report(0.0, "loading audio")
        audio = load_audio(audio)
    timings["load_audio"] = time.perf_counter() - t0
    # damaged-file warnings found while decoding (inference/audio.py), then a silent clip
    warnings = list(getattr(audio, "warnings", ())) + [w for w in (silence_warning(audio),) if w]
    fps = float(options.fps)
    frames = num_frames(audio.duration_s, fps)
    # the one analysis of this clip (inference/analysis.py), handed to every reader; each part is
    # measured when first read (its time falls in the stage that reads it first)
    if analysis is None:
        analysis = analyze_audio(audio)
    options = emotion_body_style(options, audio, analysis)  # the body's energy/posture follow the emotion's arousal

    arkit = np.zeros((frames, _arkit.NUM_ARKIT), np.float32)
    expression = jaw_pose = None
    face_track = None
    face_name = face_device = ""
    if options.face:
        report(_FACE_SPAN[0], "face")
        t = time.perf_counter()
        backend = backends.get_face_backend(options.face_model)
        face_track = backends.run_backend(backend, audio, options, progress=report.span(*_FACE_SPAN, "face"),
                                          **_analysis_for(backend, analysis))
        face_track, note = _transcript(backend, face_track, audio, options, analysis)
        warnings += [note] if note else []
        report(_FACE_SPAN[1], "face: post-processing")
        arkit = resample_frames(face_track.arkit, face_track.fps, fps, frames)
        arkit = _postprocess_face(arkit, audio, options, face_track.owned_channels, analysis)
        face_name, face_device = face_track.model, face_track.device
        if options.flame_map_path:
            from .face.flame import arkit_to_flame, load_flame_map

            expression, jaw_pose = arkit_to_flame(arkit, load_flame_map(options.flame_map_path))
        timings["face"] = time.perf_counter() - t

    poses = transl = None
    body_name = body_device = ""
    transl_origin = "first_frame"
    if options.body:
        report(_BODY_SPAN[0], "body")
        t = time.perf_counter()
        # the body reads the FINAL face curves (intensity, smoothing, procedural blinks/gaze applied)
        final_face = (replace(face_track, fps=fps, arkit=arkit) if face_track is not None else None)
        backend = backends.get_body_backend(options.body_model)
        body = backends.run_backend(backend, audio, options, constraints, final_face,
                                    progress=report.span(*_BODY_SPAN, "body"), **_analysis_for(backend, analysis))
        poses, transl = _body_to_fps(body, fps, frames)
        body_name, body_device = body.model, body.device or "unreported"
        transl_origin = body.transl_origin
        if expression is None and getattr(body, "expression", None) is not None:  # EMAGE's FLAME face
            expression = resample_frames(body.expression, body.fps, fps, frames).astype(np.float32)
            jaw_pose = poses[:, 22].copy()
        timings["body"] = time.perf_counter() - t

    timings["total"] = time.perf_counter() - t0
    report(1.0, "done")
    prov = Provenance(face_model=face_name, body_model=body_name, device=face_device or body_device,
                      timings_s=timings, audio_path=audio.path, seed=options.seed, face_device=face_device,
                      body_device=body_device, warnings=tuple(warnings))
    return Performance(fps=fps, arkit=arkit, expression=expression, jaw_pose=jaw_pose,
                       smplx_poses=poses, transl=transl, provenance=prov, transl_origin=transl_origin)


def _analysis_for(backend, analysis: AudioAnalysis) -> dict:
    """``{"analysis": analysis}`` for a backend that declares ``reads_analysis = True`` (its ``run``
    takes the clip's :class:`inference.analysis.AudioAnalysis` as ``analysis=``), else ``{}``."""
    return {"analysis": analysis} if getattr(backend, "reads_analysis", False) else {}


def _transcript(backend, track: backends.FaceTrack, audio: Audio, options: GenerateOptions,
                analysis: AudioAnalysis):
    """Transcript mode (:func:`inference.face.transcript_mode.transcript_step`) for a backend that declares
    ``reads_transcript``; ``(track, warning or "")``."""
    if not options.transcript.strip():
        return track, ""
    if not getattr(backend, "reads_transcript", False):
        return track, f"transcript not used: face model {track.model} does not read transcripts; audio only"
    from .face.transcript_mode import transcript_step

    track, outcome = transcript_step(track, audio, options, analysis)
    return track, "" if outcome.used else outcome.note


class _Monotonic:
    """A progress callback wrapper: fractions never go backwards; :meth:`span` maps a sub-range."""

    def __init__(self, progress: ProgressFn | None):
        self._progress = progress
        self._last = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        if self._progress is None:
            return
        self._last = max(self._last, min(1.0, float(fraction)))
        self._progress(self._last, message)

    def span(self, lo: float, hi: float, prefix: str) -> ProgressFn:
        """A callback mapping a backend's ``[0, 1]`` onto ``[lo, hi]``, messages prefixed."""
        def sub(fraction: float, message: str = "") -> None:
            f = min(1.0, max(0.0, float(fraction)))
            self(lo + (hi - lo) * f, f"{prefix}: {message}" if message else prefix)
        return sub


def _postprocess_face(arkit: np.ndarray, audio: Audio, options: GenerateOptions,
                      owned: tuple[str, ...], analysis: AudioAnalysis) -> np.ndarray:
    """Intensity on speech channels, optional zero-phase smoothing, procedural layer.

    The procedural layer (blinks, gaze, brows) is not added to the ``owned`` channels: they keep
    the backend's (intensity-scaled, smoothed) values.
    """
    speech = np.array([n in _arkit.SPEECH_CHANNELS for n in _arkit.ARKIT_NAMES])
    out = arkit.copy()
    out[:, speech] *= options.intensity
    if options.smoothing > 0.0:
        out = one_pole_zero_phase(out, time_constant_s=0.08 * options.smoothing, fps=options.fps)
    if options.procedural_face:
        from .face.procedural import add_procedural_layer

        cols = [_arkit.ARKIT_INDEX[n] for n in owned]
        kept = out[:, cols].copy()
        out = add_procedural_layer(out, audio, options.fps, options.seed, analysis=analysis)
        out[:, cols] = kept
    out = emotion_face_layer(np.clip(out, 0.0, 1.0), audio, options, analysis)  # inference/face/arousal.py
    # ARKit: mouthClose never exceeds jawOpen (also after intensity > 1 and smoothing).
    return _arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0))


def _body_to_fps(body: backends.BodyTrack, fps: float, frames: int):
    if body.poses.ndim != 3 or body.poses.shape[1:] != (_smplx.NUM_JOINTS, 3):
        raise ValueError(f"body backend {body.model}: expected poses (T, 55, 3), found {body.poses.shape}")
    if abs(body.fps - fps) < 1e-9 and body.poses.shape[0] == frames:
        return body.poses.astype(np.float32), body.transl.astype(np.float32)
    poses = _rotations.resample_axis_angle(body.poses, body.fps, fps, frames)
    transl = resample_frames(body.transl, body.fps, fps, frames)
    return poses, transl
