"""ARKit curves as CSV in the Live Link Face layout (Epic Games' Live Link Face app "Export CSV").

Columns (61 values after two header columns; the layout written by the app and read by Unreal's
Live Link Face importer, and mirrored by the ``pylivelinkface`` package's ``FaceBlendShape`` order):
``Timecode, BlendShapeCount, EyeBlinkLeft ... TongueOut`` (the 52 ARKit shapes in Live Link Face
order, PascalCase), then ``HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw, LeftEyePitch, LeftEyeRoll,
RightEyeYaw, RightEyePitch, RightEyeRoll``. ``BlendShapeCount`` is 61. ``Timecode`` is
``HH:MM:SS:FF.fff``: frames ``FF`` at the file's rate plus a sub-frame fraction.

Head and eye rotations: when the performance has SMPL-X body motion, the head's rotation relative
to the pelvis (yaw about +Y, pitch about +X, roll about +Z, radians; our convention: the app's
units are not publicly specified) and the eye joints' rotations; otherwise zeros.
"""

from __future__ import annotations

import csv
import os
import re

import numpy as np

from .._rigs import arkit as _arkit, rotations as _rot

#: The 52 ARKit shapes in Live Link Face column order (Apple names; the CSV capitalises the first letter).
LIVE_LINK_FACE_ORDER: tuple[str, ...] = (
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft", "eyeLookUpLeft", "eyeSquintLeft",
    "eyeWideLeft", "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight", "eyeLookUpRight",
    "eyeSquintRight", "eyeWideRight", "jawForward", "jawRight", "jawLeft", "jawOpen", "mouthClose",
    "mouthFunnel", "mouthPucker", "mouthRight", "mouthLeft", "mouthSmileLeft", "mouthSmileRight",
    "mouthFrownLeft", "mouthFrownRight", "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft",
    "mouthStretchRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
    "mouthUpperUpRight", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "tongueOut",
)
ROTATION_COLUMNS: tuple[str, ...] = ("HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch", "LeftEyeRoll",
                                     "RightEyeYaw", "RightEyePitch", "RightEyeRoll")
HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount") + tuple(n[0].upper() + n[1:] for n in LIVE_LINK_FACE_ORDER) \
    + ROTATION_COLUMNS
_TC = re.compile(r"^(\d+):(\d+):(\d+):(\d+(?:\.\d+)?)$")


def timecode(frame: int, fps: float) -> str:
    """``HH:MM:SS:FF.fff`` of frame ``frame`` at ``fps`` (non-integer rates keep a sub-frame part)."""
    t = frame / fps
    whole = int(np.floor(t + 1e-9))
    ff = (t - whole) * fps
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}:{ff:06.3f}"


def parse_timecode(tc: str, fps: float) -> float:
    """Seconds of a ``HH:MM:SS:FF[.fff]`` timecode at ``fps``.

    Raises:
        ValueError: not a timecode.
    """
    m = _TC.match(tc.strip())
    if not m:
        raise ValueError(f"Timecode: expected HH:MM:SS:FF.fff, found {tc!r}")
    h, mi, s, ff = m.groups()
    return int(h) * 3600 + int(mi) * 60 + int(s) + float(ff) / fps


def _rotations(perf) -> np.ndarray:
    out = np.zeros((perf.num_frames, 9), np.float64)
    if perf.smplx_poses is None:
        return out
    q = _rot.axis_angle_to_quat(perf.smplx_poses)
    chain = [3, 6, 9, 12, 15]  # spine1..head: rotation of the head relative to the pelvis
    head = q[:, chain[0]]
    for j in chain[1:]:
        head = _rot.quat_mul(head, q[:, j])
    for k, joint in enumerate((head, q[:, 23], q[:, 24])):
        m = _rot.quat_to_matrix(joint)
        # intrinsic Y (yaw), X (pitch), Z (roll): R = Ry Rx Rz
        pitch = np.arcsin(np.clip(-m[:, 1, 2], -1, 1))
        yaw = np.arctan2(m[:, 0, 2], m[:, 2, 2])
        roll = np.arctan2(m[:, 1, 0], m[:, 1, 1])
        out[:, 3 * k:3 * k + 3] = np.stack([yaw, pitch, roll], -1)
    return out


def write_arkit_csv(path, perf) -> None:
    """Write ``perf.arkit`` (T, 52) at ``perf.fps`` as a Live Link Face CSV (see module docstring)."""
    order = [_arkit.ARKIT_INDEX[n] for n in LIVE_LINK_FACE_ORDER]
    rot = _rotations(perf)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(perf.num_frames):
            w.writerow([timecode(i, perf.fps), len(HEADER) - 2]
                       + [f"{v:.6f}" for v in perf.arkit[i, order]] + [f"{v:.6f}" for v in rot[i]])


def read_arkit_csv(path, fps: float = 60.0):
    """Read a Live Link Face CSV (ours or the app's).

    Args:
        fps: the rate the timecodes' frame field counts in (the app records at 60 or 30).

    Returns:
        ``(times_s (T,) float64 relative to the first row, arkit (T, 52) float32 in ARKit order,
        rotations (T, 9) float32 in :data:`ROTATION_COLUMNS` order, zeros where absent)``.

    Raises:
        FileNotFoundError: no such file. ValueError: a required column is missing (named), a value
        is not a number, or a timecode is malformed (row number given).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"ARKit CSV: no such file {path!r}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    lower = {h.lower(): i for i, h in enumerate(header)}
    need = ["timecode"] + [n.lower() for n in LIVE_LINK_FACE_ORDER]
    missing = [header_name for header_name in need if header_name not in lower]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing[:6]}; expected the Live Link Face header {HEADER[:4]}...")
    body = [r for r in rows[1:] if r and any(c.strip() for c in r)]
    t = len(body)
    arkit = np.zeros((t, 52), np.float32)
    rot = np.zeros((t, 9), np.float32)
    times = np.zeros(t)
    for i, r in enumerate(body):
        try:
            times[i] = parse_timecode(r[lower["timecode"]], fps)
            for n in _arkit.ARKIT_NAMES:
                arkit[i, _arkit.ARKIT_INDEX[n]] = float(r[lower[n.lower()]])
            for k, c in enumerate(ROTATION_COLUMNS):
                if c.lower() in lower:
                    rot[i, k] = float(r[lower[c.lower()]])
        except (ValueError, IndexError) as exc:
            raise ValueError(f"{path}: row {i + 2}: {exc}") from None
    if t:
        times -= times[0]
    return times, np.clip(arkit, 0.0, 1.0), rot
