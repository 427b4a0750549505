"""Body backend ``"emage"``: a user-supplied EMAGE audio-only checkpoint run on onnxruntime.

The checkpoint folder comes from ``GenerateOptions.backend_options["emage"]["checkpoint"]`` (the
add-on preference, the per-scene override, or ``--emage-checkpoint DIR`` / ``--backend-option
emage.checkpoint=DIR`` on the CLIs). The first use converts it to
ONNX (cached next to the checkpoint, see :mod:`inference.emage.convert`); later uses load the
cache. Output: SMPL-X axis-angle poses and root translation at 30 fps, plus EMAGE's FLAME
expression (T, 100) and jaw pose (T, 3) on the returned :class:`EmageBodyTrack`.

Keyframes as prompts: :class:`BodyConstraints` become EMAGE's masked motion (INTERFACE §7):
constrained joints give their 6D rotation with mask 0, constrained translation its 3 values with
mask 0, everything else (and foot contact, which needs the SMPL-X body model) mask 1 = generate.
EMAGE conditions on the prompt; the shared constraint pass (:mod:`inference.body.constraints`)
then keeps keyed values exactly, as for the procedural backend, at the constraints' fps.

The model code (:mod:`.runner`, :mod:`.convert`, :mod:`.checkpoint`, :mod:`.rotations`) is imported
when an EMAGE backend first runs: this module is imported whenever the backends are listed (every
``python -m inference`` run), and those imports cost ~40 ms that a run without EMAGE never needs.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._rigs import rotations as _rot
from ..audio import Audio, AudioError
from ..backends import BodyConstraints, BodyTrack, FaceTrack, register_body_backend, register_face_backend
from ..errors import InputError
from ..options import GenerateOptions
from ..body.constraints import apply_constraints, validate_constraints
from ..timebase import num_frames, resample_frames

if TYPE_CHECKING:
    from .runner import EmageModel

MODEL_NAME: str = "emage-audio"
#: Extra frames of silence appended so the reference's trailing-frame drop never shortens the clip.
PAD_FRAMES: int = 5

_MODELS: dict[tuple[str, str], EmageModel] = {}
_LOCK = threading.Lock()
#: The last EMAGE run (key -> result), so face and body backends on the same clip run it once.
_LAST: dict = {}


@dataclass(frozen=True)
class EmageBodyTrack(BodyTrack):
    """:class:`BodyTrack` plus EMAGE's face output.

    Attributes:
        expression: (T, 100) float32 FLAME expression coefficients at ``fps``.
        jaw_pose: (T, 3) float32 jaw axis-angle (radians), the same as ``poses[:, 22]``.
        foot_contact: (T, 4) float32 EMAGE's predicted contact of left ankle, right ankle, left
            foot, right foot (SMPL-X joints 7, 8, 10, 11; ~1 = planted), for foot locking.
        device: onnxruntime execution provider that ran.
    """

    expression: np.ndarray | None = None
    jaw_pose: np.ndarray | None = None
    foot_contact: np.ndarray | None = None
    device: str = ""


def get_model(root: str, device: str = "auto") -> EmageModel:
    """The (process-wide cached) :class:`EmageModel` for a checkpoint folder and device.

    The cache key includes the weight files' sizes and modification times, so a replaced
    checkpoint is loaded (and converted) again.
    """
    from .convert import file_signature
    from .runner import EmageModel

    key = (os.path.realpath(root), device, file_signature(root))
    with _LOCK:
        if key not in _MODELS:
            for old in [k for k in _MODELS if k[:2] == key[:2]]:
                del _MODELS[old]
            _MODELS[key] = EmageModel(root, device=device)
        return _MODELS[key]


def release_models() -> None:
    """Drop every loaded EMAGE model and the memoised last run (frees ~1.6 GB at full size)."""
    with _LOCK:
        _MODELS.clear()
        _LAST.clear()


#: ``backend_options["emage"]`` keys of both EMAGE backends (:mod:`inference.backends`).
OPTION_DEFAULTS = {"checkpoint": ""}


def _checkpoint(options: GenerateOptions, what: str) -> str:
    root = str(dict(options.backend_options.get("emage", {})).get("checkpoint", ""))
    if not root:
        raise InputError(f"{what} model 'emage': no checkpoint folder set (expected the folder of the published "
                         "EMAGE audio checkpoint: add-on preference, scene override or --emage-checkpoint DIR; "
                         "see docs/emage.md)")
    return root


def run_clip(audio: Audio, options: GenerateOptions, prompt=None, mask=None):
    """Run EMAGE on a whole clip (padded to cover every frame); returns ``(model, EmageResult, frames)``.

    ``frames`` = ``ceil(duration_s * 30)``; the result has at least that many frames. The last
    result is memoised, so the face and body backends on one clip share one run.
    """
    from .runner import FPS, MIN_FRAMES, SAMPLE_RATE_HZ

    if not isinstance(audio, Audio) or audio.sample_rate_hz != SAMPLE_RATE_HZ:
        raise AudioError(f"audio: expected a 16 kHz inference.audio.Audio, found {type(audio).__name__}")
    root = _checkpoint(options, "EMAGE")
    model = get_model(root, options.device)
    frames = max(1, num_frames(audio.duration_s, FPS))
    padded_frames = max(frames + PAD_FRAMES, MIN_FRAMES)
    samples = np.zeros(-(-padded_frames * SAMPLE_RATE_HZ // FPS) + 1, np.float32)
    samples[:audio.samples.shape[0]] = audio.samples
    h = hashlib.sha1(samples.tobytes())
    for arr in (prompt, mask):
        h.update(b"-" if arr is None else np.ascontiguousarray(arr, np.float32).tobytes())
    key = (os.path.realpath(root), options.device, h.hexdigest())
    with _LOCK:
        if key in _LAST:
            return model, _LAST[key], frames
    res = model.infer(samples, prompt, mask)
    with _LOCK:
        _LAST.clear()
        _LAST[key] = res
    return model, res, frames


def constraints_to_prompt(c: BodyConstraints, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Masked motion prompt (frames, 337) and mask (frames, 337) (1 = generate) at 30 fps.

    Args:
        c: constraints; resampled to 30 fps when their fps differs (rotations by slerp, masks by
            nearest frame).
        frames: number of 30 fps frames to cover.

    Raises:
        InputError: shapes or values that do not fit (the message names the field).
    """
    from . import rotations as R
    from .checkpoint import MOTION_DIM
    from .runner import FPS

    poses = np.asarray(c.poses, np.float32)
    mask = np.asarray(c.mask, bool)
    if poses.ndim != 3 or poses.shape[1:] != (55, 3) or mask.shape != poses.shape[:2]:
        raise InputError(f"BodyConstraints: expected poses (T, 55, 3) and mask (T, 55), found {poses.shape} and {mask.shape}")
    transl = None if c.transl is None else np.asarray(c.transl, np.float32)
    tmask = None if c.transl_mask is None else np.asarray(c.transl_mask, bool)
    if abs(float(c.fps) - FPS) > 1e-9:
        src = np.clip(np.round(np.arange(frames) * float(c.fps) / FPS).astype(int), 0, len(poses) - 1)
        poses = _rot.resample_axis_angle(poses, float(c.fps), float(FPS), frames).astype(np.float32)
        mask = mask[src]
        if transl is not None:
            transl, tmask = transl[src], tmask[src]
    n = min(frames, len(poses))
    mm = np.zeros((frames, MOTION_DIM), np.float32)
    mm[:, :330] = np.tile(np.array([1, 0, 0, 0, 1, 0], np.float32), 55)
    hidden = np.ones((frames, MOTION_DIM), np.float32)
    mm[:n, :330] = R.axis_angle_to_rot6d(poses[:n]).reshape(n, 330)
    hidden[:n, :330] = np.repeat(~mask[:n], 6, axis=1).astype(np.float32)
    if transl is not None:
        mm[:n, 330:333] = transl[:n]
        hidden[:n, 330:333] = (~tmask[:n])[:, None].astype(np.float32)
    if not np.all(np.isfinite(mm[hidden == 0])):
        raise InputError("BodyConstraints: constrained poses or translations contain NaN or infinite values")
    return mm, hidden


class EmageBody:
    """EMAGE checkpoint backend (registered as body backend ``"emage"``)."""

    name = "emage"
    OPTION_DEFAULTS = OPTION_DEFAULTS

    def run(self, audio: Audio, options: GenerateOptions,
            constraints: BodyConstraints | None = None,
            face: FaceTrack | None = None) -> EmageBodyTrack:
        """Generate SMPL-X body motion (and FLAME face) with the checkpoint of ``options``.

        Args:
            audio: 16 kHz mono :class:`Audio` (any length; short clips are padded with silence
                to EMAGE's 0.3 s minimum and the result trimmed back).
            options: uses ``backend_options["emage"]["checkpoint"]`` (folder) and ``device``.
            constraints: optional keyframe prompt (see module docstring).
            face: unused (EMAGE predicts its own jaw and expression).

        Returns:
            :class:`EmageBodyTrack` at 30 fps with ``ceil(duration_s * 30)`` frames.

        Raises:
            InputError: no checkpoint folder set; CheckpointError: invalid checkpoint;
            AudioError: audio that is not 16 kHz :class:`Audio`.
        """
        from .runner import FPS

        _checkpoint(options, "body")
        prompt = mask = None
        if constraints is not None:
            validate_constraints(constraints, num_frames(audio.duration_s, float(constraints.fps)))
            prompt, mask = constraints_to_prompt(constraints, max(1, num_frames(audio.duration_s, FPS)))
        model, res, frames = run_clip(audio, options, prompt, mask)
        fps = float(FPS)
        aa = res.motion_axis_angle[:frames].reshape(frames, 55, 3).astype(np.float32)
        transl = res.trans[:frames].astype(np.float32)
        expression = res.expression[:frames].astype(np.float32)
        contact = res.motion337[:frames, 333:337].astype(np.float32)
        if constraints is not None:
            # EMAGE treats the prompt as conditioning; the shared constraint pass then keeps the
            # keyed values exactly and blends into the generated motion around them.
            fps = float(constraints.fps)
            n = len(constraints.poses)
            if abs(fps - FPS) > 1e-9:
                aa = _rot.resample_axis_angle(aa, float(FPS), fps, n).astype(np.float32)
                transl = resample_frames(transl, float(FPS), fps, n)
                expression = resample_frames(expression, float(FPS), fps, n)
                contact = resample_frames(contact, float(FPS), fps, n)
            aa, transl = apply_constraints(_rot.axis_angle_to_quat(aa), transl, constraints)
        # y is EMAGE's absolute height learnt from BEAT2 (capture space, ~1.29 m), x/z integrate from 0
        return EmageBodyTrack(fps=fps, poses=aa, transl=transl, transl_origin="first_frame",
                              model=f"{MODEL_NAME}-{model.digest}",
                              expression=expression, jaw_pose=aa[:, 22].copy(), foot_contact=contact,
                              device=model.provider)


class EmageFace:
    """EMAGE's FLAME face as ARKit curves (registered as face backend ``"emage"``).

    Needs ``options.backend_options["emage"]["checkpoint"]`` and ``options.flame_map_path`` (the user's ARKit -> FLAME
    matrix, inverted per frame by bounded least squares, :func:`inference.emage.face.flame_to_arkit`).
    """

    name = "emage"
    OPTION_DEFAULTS = OPTION_DEFAULTS

    def run(self, audio: Audio, options: GenerateOptions) -> FaceTrack:
        """ARKit-52 curves at 30 fps from EMAGE's expression and jaw.

        Raises:
            InputError: no checkpoint or no ARKit -> FLAME matrix set.
            inference.face.flame.FlameMapError: unusable matrix file.
        """
        from ..face.flame import load_flame_map
        from .face import flame_to_arkit
        from .runner import FPS

        _checkpoint(options, "face")
        if not options.flame_map_path:
            raise InputError("face model 'emage': expected an ARKit -> FLAME matrix file (flame_map_path) to turn "
                             "EMAGE's FLAME expression into ARKit curves, found none; on FLAME rigs use body model "
                             "'emage' (its expression bakes on Exp000..) or pick another face model")
        fmap = load_flame_map(options.flame_map_path)
        model, res, frames = run_clip(audio, options)
        aa = res.motion_axis_angle[:frames].reshape(frames, 55, 3)
        arkit = flame_to_arkit(res.expression[:frames], aa[:, 22], fmap)
        return FaceTrack(fps=float(FPS), arkit=arkit, device=model.provider, model=f"{MODEL_NAME}-{model.digest}")


register_body_backend("emage", EmageBody)
register_face_backend("emage", EmageFace)
