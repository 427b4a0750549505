"""Body backend ``"procedural"``: prosody -> gesture plan -> SMPL-X motion, in numpy.

Pipeline (all seeded, no neural network, no torch):
:func:`inference.prosody.analyze_prosody` (the clip's :class:`inference.analysis.AudioAnalysis`)
-> :func:`inference.body.planner.plan_gestures`
(gesture units, strokes on accents, nods) -> :mod:`inference.body.synthesis` (minimum-jerk
slerp between IK-solved key poses of :mod:`inference.body.library`) + :mod:`inference.body.idle`
(breathing, sway, weight shifts with planted feet, head) + jaw/eyes from the face track ->
:mod:`inference.body.collision` (hands kept out of the torso) -> EMAGE body-part switches ->
:mod:`inference.body.constraints` (masked prompt kept exactly, smooth borders).

Output rate: :data:`BODY_FPS` (30, as EMAGE/BEAT2), or the constraints' fps when a prompt is
given so masked frames stay exact. :func:`inference.generate.generate` resamples to the scene.
"""

from __future__ import annotations

import numpy as np

from .._rigs import arkit as _arkit
from .._rigs import face_coupling as _coupling
from .._rigs import rotations as R
from .._rigs import smplx as S
from ..analysis import AudioAnalysis, analyze_audio
from ..audio import Audio, AudioError, is_audio
from ..backends import BodyConstraints, BodyTrack, FaceTrack, register_body_backend
from ..options import GenerateOptions
from ..timebase import num_frames, resample_frames
from . import collision, head, idle, planner, stepping, synthesis, words
from .constraints import apply_constraints, validate_constraints

BODY_FPS: float = 30.0
MODEL_NAME: str = "procedural-gesture-v1"


class ProceduralBody:
    """Procedural co-speech gesture generator (registered as body backend ``"procedural"``)."""

    name = "procedural"
    #: generate() passes the clip's :class:`inference.analysis.AudioAnalysis` as ``analysis=``.
    reads_analysis = True

    def run(self, audio: Audio, options: GenerateOptions,
            constraints: BodyConstraints | None = None,
            face: FaceTrack | None = None, analysis: AudioAnalysis | None = None) -> BodyTrack:
        """Generate SMPL-X body motion for ``audio``.

        Args:
            audio: 16 kHz mono :class:`inference.audio.Audio`.
            options: uses ``seed``, ``body_parts`` (EMAGE parts not listed stay at rest, i.e. zero
                rotation; ``"lower"`` also carries the translation) and ``gesture`` (style).
            constraints: optional masked prompt; its fps becomes the output fps and it must cover
                ``ceil(duration_s * fps)`` frames.
            face: optional face track; its ``jawOpen`` and ``eyeLook*`` curves drive the jaw and
                eye joints so body and face agree, and its blinks start the head's gaze breaks.
            analysis: the clip's :class:`inference.analysis.AudioAnalysis` (its prosody and lip
                gate); ``None`` analyses ``audio`` here.

        With ``options.transcript`` set and accepted by the alignment check (the face's transcript
        mode, one shared alignment), gestures follow the words (:mod:`inference.body.words`) and
        the model name gains ``+words``; otherwise the motion is the audio-only one.

        Returns:
            :class:`BodyTrack` with ``poses`` ``(T, 55, 3)`` float32 axis-angle and ``transl``
            ``(T, 3)`` float32 metres.

        Raises:
            AudioError: empty, non-finite or wrong-rate audio.
            ValueError: constraints with wrong shapes or values.
        """
        if not is_audio(audio):
            raise AudioError(f"audio: expected an inference.audio.Audio, found {type(audio).__name__}")
        fps = float(constraints.fps) if constraints is not None else BODY_FPS
        n = num_frames(audio.duration_s, fps)
        if constraints is not None:
            validate_constraints(constraints, n)
        if analysis is None:
            analysis = analyze_audio(audio)
        prosody = analysis.prosody
        text = getattr(options, "transcript", "") or ""
        gate = analysis.mouth_gate if text.strip() else None  # read (measured) only with a transcript
        timing = words.word_timing(audio.samples, text, prosody, gate)
        poses_q, transl = synthesize(prosody, audio.duration_s, fps, n, options, face, timing)
        if constraints is not None:
            poses, transl = apply_constraints(poses_q, transl, constraints)
        else:
            poses = R.quat_to_axis_angle(poses_q).astype(np.float32)
            transl = transl.astype(np.float32)
        model = f"{MODEL_NAME}+words" if timing is not None else MODEL_NAME
        return BodyTrack(fps=fps, poses=poses, transl=transl, model=model, device="numpy")


def synthesize(prosody, duration_s: float, fps: float, n: int, options: GenerateOptions,
               face: FaceTrack | None = None, timing: "words.WordTiming | None" = None):
    """Motion as local quaternions ``(n, 55, 4)`` float64 and translation ``(n, 3)`` (m).

    ``timing`` (transcript mode) puts the accents on the words' stressed syllables and adds the
    lexicon's word gestures; ``None`` is the audio-only plan."""
    style = options.gesture
    t = np.arange(n) / fps
    cues = words.lexical_cues(timing, options.seed)
    prosody = words.with_word_accents(prosody, timing)
    plan = planner.plan_gestures(prosody, duration_s, style, options.seed, cues)
    rng = np.random.default_rng([int(options.seed) & 0xFFFFFFFF, 0x1D1E])
    q = np.zeros((n, S.NUM_JOINTS, 4))
    q[..., 0] = 1.0
    speech = prosody.speech[np.clip(np.rint(t * prosody.fps).astype(int), 0, prosody.num_frames - 1)]
    eng = idle.engagement(t, speech)
    drift_m = 0.05 * min(max(style.energy, 0.2), 1.3)
    shared = synthesis.smooth_noise(t, rng, 0.6, 0.9 * drift_m, dims=3)
    for side in ("left", "right"):
        q[:, list(synthesis.TRACK_JOINTS[side])] = synthesis.arm_track(
            plan.keys[side], side, t, rng, plan.micro_beats[side],
            drift_m=drift_m, engagement=eng, shared_drift=shared)
    steps = stepping.plan_steps(duration_s, [p[0] for p in prosody.phrases],
                                np.random.default_rng([int(options.seed) & 0xFFFFFFFF, 0x57E9]),
                                0.0 if style.stance == "seated" else style.stepping)
    layers, transl = idle.idle_layer(t, speech, rng, style.posture, steps, style.stance)
    for j, lq in layers.items():
        q[:, j] = R.quat_mul(lq, q[:, j])
    # torso follows strokes: a small lean into the stroke and a turn toward the gesturing hand
    apex = [s.apex_s for s in plan.strokes]
    amp = [s.amplitude for s in plan.strokes]
    turn = [(0.1 if s.hands == "left" else -0.1 if s.hands == "right" else 0.0) * min(s.amplitude, 1.2) for s in plan.strokes]
    lean = synthesis.pulses(t, [a - 0.05 for a in apex], [0.045 * a for a in amp], 0.6)
    yaw = synthesis.pulses(t, apex, turn, 1.5)
    for j, k in ((3, 0.2), (6, 0.35), (9, 0.45)):
        q[:, j] = R.quat_mul(synthesis.euler_quat(k * lean, k * yaw, 0.0), q[:, j])
    # the gesturing side's shoulder girdle comes forward into the stroke (collar protraction)
    for side, j, sgn in (("left", 13, -1.0), ("right", 14, 1.0)):
        st = [s for s in plan.strokes if s.hands in (side, "both")]
        pro = synthesis.pulses(t, [s.apex_s - 0.05 for s in st], [0.07 * s.amplitude for s in st], 0.55)
        q[:, j] = R.quat_mul(synthesis.euler_quat(0.0, sgn * pro, 0.0), q[:, j])
    blinks = None
    if face is not None and np.asarray(face.arkit).ndim == 2 and np.asarray(face.arkit).shape[1] == _arkit.NUM_ARKIT:
        blinks = head.blink_onsets_s(np.asarray(face.arkit)[:, _arkit.ARKIT_INDEX["eyeBlinkLeft"]], face.fps)
    neck_q, head_q = head.head_motion(t, prosody.phrases, plan.nods, (prosody.accents_s, prosody.accent_strength),
                                      rng, speech, blinks, cues, _spine_yaw(q))
    q[:, 12] = R.quat_mul(neck_q, q[:, 12])
    q[:, 15] = R.quat_mul(head_q, q[:, 15])
    if face is not None:
        _face_joints(q, face, fps, n)
    if "upper" in options.body_parts or "hands" in options.body_parts:
        q = collision.push_out(q, transl, fps)
    for part, joints in S.PART_JOINTS.items():
        if part not in options.body_parts:
            q[:, list(joints)] = (1.0, 0.0, 0.0, 0.0)
    if "lower" not in options.body_parts:
        transl = np.zeros_like(transl)
    return q, transl


def _spine_yaw(q: np.ndarray) -> np.ndarray:
    """``(T,)`` yaw (rad, about +Y) of the upper spine relative to the pelvis (spine1-3 composed)."""
    m = R.quat_mul(R.quat_mul(q[:, 3], q[:, 6]), q[:, 9])
    fwd = R.quat_to_matrix(m)[:, :, 2]
    return np.arctan2(fwd[:, 0], fwd[:, 2])


def _face_joints(q: np.ndarray, face: FaceTrack, fps: float, n: int) -> None:
    """Jaw and eye rotations from the face track's ARKit curves (resampled to ``fps``), by the
    project's one mapping :mod:`rigs.face_coupling` (so ``jaw_pose`` and joint 22 agree)."""
    arkit = np.asarray(face.arkit, dtype=np.float64)
    if arkit.ndim != 2 or arkit.shape[1] != _arkit.NUM_ARKIT or arkit.shape[0] == 0:
        raise ValueError(f"face.arkit: expected shape (T, {_arkit.NUM_ARKIT}), found {arkit.shape}")
    a = resample_frames(np.nan_to_num(arkit), face.fps, fps, n).astype(np.float64)
    q[:, 22] = R.axis_angle_to_quat(_coupling.arkit_to_jaw_pose(a).astype(np.float64))
    eyes = _coupling.arkit_to_eye_poses(a).astype(np.float64)
    q[:, 23] = R.axis_angle_to_quat(eyes[:, 0])
    q[:, 24] = R.axis_angle_to_quat(eyes[:, 1])


register_body_backend("procedural", ProceduralBody)
