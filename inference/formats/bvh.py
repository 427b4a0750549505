"""BVH export/import of SMPL-X motion on the SMPL-X rest skeleton.

BVH (Biovision Hierarchy) stores a joint tree with rest *offsets* and, per frame, the root
position and every joint's Euler rotation relative to its parent, in a frame whose rest
orientation is the identity. SMPL-X has the same structure (identity rest frames, parent-relative
axis-angles), so the mapping is direct: joint ``j``'s BVH rotation is ``poses[:, j]``; offsets are
:data:`rigs.smplx_rest.REST_OFFSETS_M`; the root position is the pelvis rest position plus
``transl``. Axes stay SMPL-X's (Y up, the BVH convention); lengths are written in centimetres
(``scale=100``, the usual BVH unit). Channel order ``Zrotation Xrotation Yrotation``.

One convention everywhere: :func:`write_smplx_bvh` (numpy only) writes it, for ``python -m
inference`` and for Export Motion inside Blender (``addon/exports.py``, from the scene's motion
read back as SMPL-X); Import Motion parses with Blender's own BVH reader (``io_anim_bvh``), checks
the convention (:func:`check_smplx_axes`) and converts with :func:`performance_from_bvh_channels`.
:func:`read_smplx_bvh` parses with ``bvhio`` (PyPI, MIT), a development dependency the extension
zip does not ship.
"""

from __future__ import annotations

import os

import numpy as np

from .._rigs import rotations as _rot, smplx as _smplx
from ..performance import Performance, Provenance
from .beat2 import FormatError

CHANNELS_ROOT = ["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]
CHANNELS = ["Zrotation", "Xrotation", "Yrotation"]


def _bvhio():
    try:
        import bvhio
        import glm
        from SpatialTransform import Pose
    except ImportError as exc:  # pragma: no cover - dev dependency
        raise ImportError("reading BVH files outside Blender needs the 'bvhio' package (pip install bvhio==1.5.4); "
                          "inside Blender use File > Import > Speech Animator Motion") from exc
    return bvhio, glm, Pose


def write_smplx_bvh(path, perf: Performance, scale: float = 100.0) -> None:
    """Write ``perf``'s SMPL-X body motion as a BVH file on the SMPL-X rest skeleton
    (:func:`smplx_bvh_text`; numpy only, so Export Motion writes it inside Blender too).

    Args:
        path: output ``.bvh`` path.
        perf: needs ``smplx_poses`` (T, 55, 3); ``transl`` (T, 3) metres is optional (zeros).
        scale: file units per metre (100 = centimetres).

    Raises:
        ValueError: ``perf.smplx_poses`` is None or ``scale`` is not positive.
        OSError: the file cannot be written.
    """
    text = smplx_bvh_text(perf, scale)
    with open(os.fspath(path), "w", encoding="ascii", newline="\n") as fh:
        fh.write(text)


def smplx_bvh_text(perf: Performance, scale: float = 100.0) -> str:
    """The BVH text of ``perf``'s SMPL-X body motion: SMPL-X axes (Y up), offsets
    :data:`rigs.smplx_rest.REST_OFFSETS_M` times ``scale``, root channels :data:`CHANNELS_ROOT`,
    others :data:`CHANNELS` (``R = Rz Rx Ry``), angles in degrees with 6 decimals, joints depth-first
    from ``pelvis`` (the MOTION columns follow the HIERARCHY order), an End Site half the leaf's
    offset past each leaf. Root position = its offset + ``transl * scale``.

    Raises:
        ValueError: ``perf.smplx_poses`` is None or ``scale`` is not positive.
    """
    if perf.smplx_poses is None:
        raise ValueError("write_smplx_bvh: the performance has no body motion (smplx_poses is None)")
    if not scale > 0:
        raise ValueError(f"scale: expected a positive number, found {scale!r}")
    offsets = np.asarray(_rest_offsets(), np.float64) * scale
    t = perf.num_frames
    eulers = np.degrees(zxy_euler_from_matrix(_rot.quat_to_matrix(_rot.axis_angle_to_quat(perf.smplx_poses))))
    transl = np.zeros((t, 3)) if perf.transl is None else np.asarray(perf.transl, np.float64).reshape(t, 3)
    children = {j: [] for j in range(_smplx.NUM_JOINTS)}
    for j, p in enumerate(_smplx.PARENTS):
        if p >= 0:
            children[int(p)].append(j)
    lines, order = ["HIERARCHY"], []

    def joint(j: int, depth: int) -> None:
        pad = "  " * depth
        order.append(j)
        lines.append(f"{pad}{'ROOT' if j == 0 else 'JOINT'} {_smplx.JOINT_NAMES[j]}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  OFFSET {' '.join(f'{v:.6f}' for v in offsets[j])}")
        chans = CHANNELS_ROOT if j == 0 else CHANNELS
        lines.append(f"{pad}  CHANNELS {len(chans)} {' '.join(chans)}")
        for c in children[j]:
            joint(c, depth + 1)
        if not children[j]:
            lines.append(f"{pad}  End Site")
            lines.append(f"{pad}  {{")
            lines.append(f"{pad}    OFFSET {' '.join(f'{v:.6f}' for v in 0.5 * offsets[j])}")
            lines.append(f"{pad}  }}")
        lines.append(f"{pad}}}")

    joint(0, 0)
    lines += ["MOTION", f"Frames: {t}", f"Frame Time: {1.0 / float(perf.fps):.8f}"]
    zxy = eulers[:, order][:, :, [2, 0, 1]]  # (T, J, 3) in channel order Z X Y
    root_pos = offsets[0] + transl * scale
    for f in range(t):
        values = np.concatenate([root_pos[f], zxy[f].ravel()])
        lines.append(" ".join(f"{v:.6f}" for v in values))
    return "\n".join(lines) + "\n"


def zxy_euler_from_matrix(m: np.ndarray) -> np.ndarray:
    """Rotation matrices ``(..., 3, 3)`` -> Euler angles ``(..., 3)`` radians stored ``x, y, z``
    with ``R = Rz(z) Rx(x) Ry(y)`` (BVH ``Zrotation Xrotation Yrotation``; the inverse of
    ``rigs.rotations.euler_to_quat(e, "YXZ")``). ``x`` in ``[-pi/2, pi/2]``; at ``|x| = pi/2``
    (gimbal lock) ``y`` is 0 and ``z`` carries the rest.
    """
    m = np.asarray(m, np.float64)
    x = np.arcsin(np.clip(m[..., 2, 1], -1.0, 1.0))
    locked = np.abs(m[..., 2, 1]) > 1.0 - 1e-9
    y = np.where(locked, 0.0, np.arctan2(-m[..., 2, 0], m[..., 2, 2]))
    z = np.where(locked, np.arctan2(m[..., 1, 0], m[..., 0, 0]), np.arctan2(-m[..., 0, 1], m[..., 1, 1]))
    return np.stack([x, y, z], axis=-1)


def check_smplx_axes(names, rest_heads_m, path: str = "") -> None:
    """Refuse a BVH whose skeleton is not in SMPL-X's convention (Y up, the size of a person).

    Args:
        names: ``(J,)`` joint names of the file. rest_heads_m: ``(J, 3)`` each joint's rest position
            in metres (file units / scale), same order.
        path: the file, for messages.

    Raises:
        FormatError: ``pelvis`` or ``head`` is missing, the pelvis -> head direction is not mostly
            +Y (checked first; e.g. Z up, as Blender's own BVH exporter writes the character's
            skeleton), or its length is not 0.2 .. 2 m (the units are not centimetres).
    """
    names = list(names)
    where = path or "BVH"
    if "pelvis" not in names or "head" not in names:
        raise FormatError(f"{where}: expected SMPL-X joints 'pelvis' and 'head', found {names[:6]}...")
    heads = np.asarray(rest_heads_m, np.float64)
    up = heads[names.index("head")] - heads[names.index("pelvis")]
    length = float(np.linalg.norm(up))
    if up[1] < 0.9 * length:
        k = int(np.argmax(np.abs(up)))
        raise FormatError(f"{where}: expected SMPL-X axes (Y up, as Export Motion and write_smplx_bvh write), "
                          f"found the spine along {'-' if up[k] < 0 else '+'}{'XYZ'[k]} "
                          f"(a file from Blender's own BVH exporter? export with Speech Animator Motion instead)")
    if not 0.2 < length < 2.0:
        raise FormatError(f"{where}: expected centimetres (pelvis to head 0.2 .. 2 m at 100 units per metre), "
                          f"found {length:.3g} m")


def read_smplx_bvh(path, scale: float = 100.0) -> Performance:
    """Read a BVH written by :func:`write_smplx_bvh` (joint names must be the 55 SMPL-X names).

    Returns:
        :class:`Performance` with ``smplx_poses``, ``jaw_pose``, ``transl`` (metres, relative to the
        pelvis rest position) and zero ``arkit``; ``fps`` = 1 / frame time. ``transl_origin`` is
        ``"first_frame"``: a BVH does not say whether its root positions are a capture-space
        placement, so a constant offset (e.g. a seated drop) is not kept.

    Raises:
        FileNotFoundError: no such file. ValueError: joints are not SMPL-X's (names listed).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"BVH: no such file {path!r}")
    bvhio, _glm, _pose = _bvhio()
    bvh = bvhio.readAsBvh(path)
    found = {j.Name: j for j, _i, _d in bvh.Root.layout()}
    missing = [n for n in _smplx.JOINT_NAMES if n not in found]
    if missing:
        raise ValueError(f"{path}: expected the 55 SMPL-X joints, missing {missing[:6]}; found {list(found)[:6]}...")
    t = bvh.FrameCount
    quats = np.zeros((t, _smplx.NUM_JOINTS, 4))
    for j, name in enumerate(_smplx.JOINT_NAMES):
        for f, key in enumerate(found[name].Keyframes[:t]):
            q = key.Rotation
            quats[f, j] = (q.w, q.x, q.y, q.z)
    root = found[_smplx.JOINT_NAMES[0]]
    pos = np.array([[k.Position.x, k.Position.y, k.Position.z] for k in root.Keyframes[:t]], np.float64)
    transl = (pos - np.asarray(root.Offset)) / scale
    poses = _rot.quat_to_axis_angle(quats).astype(np.float32)
    return Performance(fps=1.0 / float(bvh.FrameTime), arkit=np.zeros((t, 52), np.float32),
                       jaw_pose=poses[:, _smplx.JOINT_INDEX["jaw"]].copy(), smplx_poses=poses,
                       transl=transl.astype(np.float32), provenance=Provenance(body_model="bvh", device="file"),
                       transl_origin="first_frame")


def performance_from_bvh_channels(names, channel_orders, eulers_rad: np.ndarray, root_position_m: np.ndarray,
                                  root_offset_m, frame_time_s: float, path: str = "") -> Performance:
    """SMPL-X motion from the parsed channels of a BVH on the SMPL-X skeleton (any parser).

    Args:
        names: ``(J,)`` joint names of the file (must include the 55 SMPL-X names; others ignored).
        channel_orders: ``(J,)`` rotation channel order as written in the file, e.g. ``"ZXY"`` for
            ``Zrotation Xrotation Yrotation`` (rotation ``R = Rz Rx Ry``: the last listed applies first).
        eulers_rad: ``(T, J, 3)`` rotation channel values in radians, stored x, y, z whatever the order.
        root_position_m: ``(T, 3)`` the root's position channels in metres.
        root_offset_m: ``(3,)`` the root's OFFSET in metres (its rest position).
        frame_time_s: the file's ``Frame Time``.
        path: the file, for messages and provenance.

    Returns:
        :class:`Performance` with ``smplx_poses``, ``jaw_pose``, ``transl`` (root position minus its
        rest position, metres) and zero ``arkit``; ``fps = 1 / frame_time_s``.

    Raises:
        FormatError: SMPL-X joints missing (listed), shapes that do not agree, a bad channel order
            or a non-positive frame time.
    """
    names = list(names)
    e = np.asarray(eulers_rad, np.float64)
    if e.ndim != 3 or e.shape[1:] != (len(names), 3) or len(channel_orders) != len(names):
        raise FormatError(f"{path or 'BVH'}: expected (T, {len(names)}, 3) rotations and {len(names)} channel "
                          f"orders, found {e.shape} and {len(channel_orders)}")
    missing = [n for n in _smplx.JOINT_NAMES if n not in names]
    if missing:
        raise FormatError(f"{path or 'BVH'}: expected the 55 SMPL-X joints, missing {missing[:6]}; "
                          f"found {names[:6]}...")
    if not frame_time_s > 0:
        raise FormatError(f"{path or 'BVH'}: expected a positive Frame Time, found {frame_time_s!r}")
    t = e.shape[0]
    quats = np.empty((t, _smplx.NUM_JOINTS, 4))
    for j, name in enumerate(_smplx.JOINT_NAMES):
        k = names.index(name)
        order = str(channel_orders[k]).upper()
        if sorted(order) != ["X", "Y", "Z"]:
            raise FormatError(f"{path or 'BVH'}: joint {name!r}: expected three rotation channels, found {order!r}")
        quats[:, j] = _rot.euler_to_quat(e[:, k], order[::-1])
    poses = _rot.quat_to_axis_angle(quats).astype(np.float32)
    transl = np.asarray(root_position_m, np.float64).reshape(t, 3) - np.asarray(root_offset_m, np.float64)
    return Performance(fps=1.0 / float(frame_time_s), arkit=np.zeros((t, 52), np.float32),
                       jaw_pose=poses[:, _smplx.JOINT_INDEX["jaw"]].copy(), smplx_poses=poses,
                       transl=transl.astype(np.float32), provenance=Provenance(body_model="bvh", device="file"),
                       transl_origin="first_frame")


def _rest_offsets() -> np.ndarray:
    from .._rigs import smplx_rest

    return smplx_rest.REST_OFFSETS_M
