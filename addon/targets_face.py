"""Face bake targets: ARKit (or FLAME) curves -> shape-key channels on the chosen meshes.

For every given mesh the shape keys are matched to the 52 ARKit names (:mod:`rigs.shape_keys`;
exact names, vendor presets, generic variants, user overrides); every matched key gets the ARKit
curve, on every mesh that carries it (head, teeth, tongue, lashes, brows ...). Meshes without
ARKit keys fall back, in order, to a viseme set (VRM / Oculus), one "open mouth" key, and last to
a jaw bone of the mesh's armature (:mod:`rigs.face_fallback`). FLAME-style keys ``Exp000``..
``Exp099`` (the SMPL-X Blender add-on's naming) get ``perf.expression`` when present.
ARKit names a mesh lacks are reported as warnings; nothing is ever written into a key that was not
matched.
"""

from __future__ import annotations

import re

import bpy
import numpy as np

from ..rigs import face_fallback
from ..rigs.arkit import ARKIT_INDEX
from ..rigs.kinematics import rotation_parts
from ..rigs.retarget import SMPLX_TO_BLENDER
from ..rigs.rotations import axis_angle_to_quat, matrix_to_quat, quat_to_matrix
from ..rigs.shape_keys import match_shape_keys
from .bake import BakeTarget, Channel
from .errors import TargetError, check_editable
from .stored_maps import stored_map

FLAME_KEY = re.compile(r"^Exp(\d{3})$")
JAW_BONE = re.compile(r"(^|[^a-z])jaw([^a-z]|$)|^jaw|jawroot|jaw_master", re.I)


def _path(key_name: str) -> str:
    return f'key_blocks["{bpy.utils.escape_identifier(key_name)}"].value'


def face_match(obj, mapping=None):
    """The :class:`rigs.shape_keys.FaceMatch` of mesh object ``obj`` (``None`` without shape keys)."""
    key = obj.data.shape_keys if obj.type == 'MESH' else None
    if key is None:
        return None
    names = [kb.name for kb in key.key_blocks]
    if mapping is None:
        mapping = stored_map(obj, 'FACE')
    overrides = {}
    for a, k in (mapping or {}).items():
        if isinstance(k, str):
            if k == "" or k in names:  # "" = deliberately not animated
                overrides[a] = k
        else:
            keep = [x for x in k if x in names]
            if keep or not k:  # keys of another mesh: let this mesh match on its own
                overrides[a] = keep
    return match_shape_keys(names, overrides=overrides)


def build_face_targets(objects, perf, mapping=None):
    """Build shape-key (and fallback jaw-bone) bake targets for ``perf`` on ``objects``.

    Args:
        objects: mesh Objects (head, teeth, tongue, ...).
        perf: :class:`inference.performance.Performance` (``arkit`` (T, 52); optional
            ``expression`` (T, 100) and ``jaw_pose`` (T, 3)).
        mapping: optional ``{arkit_name: shape_key_name or [names]}`` override used on every mesh
            that has those keys.

    Returns:
        ``(targets, warnings)``: one :class:`BakeTarget` per mesh Key with channels (label
        ``"Face (<object>)"``), plus at most one jaw-bone target on an armature
        (``"Face jaw (<armature>)"``; merge it with a body target on the same armature using
        :func:`addon.bake.merge_by_datablock`, which the bake does), and user-facing warnings (missing
        ARKit names, fallbacks used).

    Raises:
        TargetError: no objects; an object is not a mesh; a mesh or its Key is linked from a
            library; no mesh has shape keys and no jaw bone is found; nothing matched at all.
    """
    objects = list(objects or ())
    if not objects:
        raise TargetError("face: expected at least one mesh object, found none")
    targets, warnings = [], []
    no_keys, jaw_covered, need_jaw = [], False, []
    for obj in objects:
        if obj.type != 'MESH':
            raise TargetError(f"face: {obj.name!r} is a {obj.type}, expected a MESH object")
        check_editable(obj)
        key = obj.data.shape_keys
        if key is None or len(key.key_blocks) <= 1:
            no_keys.append(obj)
            continue
        channels, notes, opens_jaw = _mesh_channels(obj, key, perf, mapping)
        warnings += notes
        if channels:
            targets.append(BakeTarget(key, tuple(channels), f"Face ({obj.name})"))
            jaw_covered = jaw_covered or opens_jaw
        else:
            need_jaw.append(obj)
    if not jaw_covered:
        jaw = _jaw_target(objects, perf)
        if jaw is not None:
            targets.append(jaw[0])
            warnings.append(jaw[1])
    if not targets:
        if no_keys and len(no_keys) == len(objects):
            names = ", ".join(repr(o.name) for o in no_keys)
            raise TargetError(f"face: {names} has no shape keys (expected ARKit-named keys such as 'jawOpen', "
                              "a viseme set, or an armature with a jaw bone)")
        names = ", ".join(repr(o.name) for o in need_jaw + no_keys)
        raise TargetError(f"face: nothing matched on {names}: no ARKit, FLAME (Exp000..), viseme or open-mouth "
                          "shape keys and no jaw bone; map the keys by hand in the Face Mapping panel")
    for obj in no_keys:
        warnings.append(f"face: {obj.name!r} has no shape keys; skipped")
    return targets, warnings


def _mesh_channels(obj, key, perf, mapping):
    """Channels for one mesh: ARKit matches, FLAME keys, else viseme / open-mouth fallbacks."""
    names = [kb.name for kb in key.key_blocks]
    channels, notes = [], []
    m = face_match(obj, mapping)
    for arkit, keys in m.mapping.items():
        vals = perf.arkit[:, ARKIT_INDEX[arkit]].astype(np.float32)
        for k in keys:
            channels.append(Channel(_path(k), 0, vals, "ARKit"))
    opens_jaw = "jawOpen" in m.mapping
    flame = {int(FLAME_KEY.match(n).group(1)): n for n in names if FLAME_KEY.match(n)}
    if flame and perf.expression is not None:
        used = [i for i in sorted(flame) if i < perf.expression.shape[1]]
        for i in used:
            kb = key.key_blocks[flame[i]]
            v = perf.expression[:, i].astype(np.float32)
            channels.append(Channel(_path(flame[i]), 0, v, "FLAME"))
            if v.min() < kb.slider_min or v.max() > kb.slider_max:
                notes.append(f"face {obj.name!r}: {flame[i]} values [{v.min():.2f}, {v.max():.2f}] exceed its slider "
                             f"range [{kb.slider_min}, {kb.slider_max}] and will be clamped; widen the range")
        # FLAME expressions do not open the jaw (FLAME rotates it with jaw_pose): the jaw bone still does
    if m.num_matched:
        if m.missing:
            notes.append(f"face {obj.name!r}: {len(m.missing)} ARKit shapes missing, not animated: "
                         f"{', '.join(m.missing[:8])}{' ...' if len(m.missing) > 8 else ''}")
        return channels, notes, opens_jaw
    if channels:
        return channels, notes, opens_jaw
    kind, visemes = face_fallback.find_visemes(names)
    if kind:
        order = list(visemes)
        w = face_fallback.arkit_to_visemes(perf.arkit, order)
        for j, vis in enumerate(order):
            channels.append(Channel(_path(visemes[vis]), 0, w[:, j], "Visemes"))
        notes.append(f"face {obj.name!r}: no ARKit keys; driving its {kind} viseme set ({len(order)} keys) "
                     "through the ARKit->viseme table")
        return channels, notes, True
    open_key = face_fallback.find_open_mouth(names)
    if open_key:
        channels.append(Channel(_path(open_key), 0, face_fallback.arkit_to_open_mouth(perf.arkit), "ARKit"))
        notes.append(f"face {obj.name!r}: no ARKit keys; driving the single open-mouth key {open_key!r} with jawOpen")
        return channels, notes, True
    return [], [f"face {obj.name!r}: no ARKit, viseme or open-mouth keys among {names[:8]}"], False


def _armature_of(obj):
    for mod in getattr(obj, "modifiers", ()):
        if mod.type == 'ARMATURE' and mod.object is not None:
            return mod.object
    p = obj.parent
    while p is not None:
        if p.type == 'ARMATURE':
            return p
        p = p.parent
    return None


def _jaw_target(objects, perf):
    """A jaw-bone rotation target from ``perf.jaw_pose`` (or jawOpen), or ``None``."""
    arm = next((a for a in (_armature_of(o) for o in objects) if a is not None), None)
    if arm is None:
        return None
    bone = next((b for b in arm.data.bones if JAW_BONE.search(b.name) and "DEF-" not in b.name
                 and "ORG-" not in b.name), None)
    if bone is None:
        return None
    check_editable(arm)
    jaw = perf.jaw_pose if perf.jaw_pose is not None and np.abs(perf.jaw_pose).max() > 0 \
        else face_fallback.arkit_to_jaw_pose(perf.arkit)
    quats = jaw_bone_quats(np.array(arm.matrix_world), np.array(bone.matrix_local), jaw)
    name = bpy.utils.escape_identifier(bone.name)
    channels = tuple(Channel(f'pose.bones["{name}"].rotation_quaternion', i, quats[:, i], bone.name)
                     for i in range(4))
    note = f"face: jaw driven by bone {bone.name!r} of {arm.name!r} (jaw_pose / jawOpen)"
    return BakeTarget(arm, channels, f"Face jaw ({arm.name})", quaternion_bones=(bone.name,)), note


def jaw_bone_quats(world: np.ndarray, rest: np.ndarray, jaw_pose: np.ndarray) -> np.ndarray:
    """``(T, 4)`` float32 pose-bone quaternions turning a jaw bone by SMPL-X ``jaw_pose`` (T, 3).

    The SMPL-X jaw rotation (relative to the head) is taken to Blender axes for a character facing
    -Y (:data:`rigs.retarget.SMPLX_TO_BLENDER`), then into the bone's rest frame:
    ``L = W_rest^T (C R C^T) W_rest`` with ``W_rest`` = armature rotation x ``bone.matrix_local``.
    """
    w_rest = rotation_parts(world[:3, :3]) @ rest[:3, :3]
    c = SMPLX_TO_BLENDER
    r = quat_to_matrix(axis_angle_to_quat(np.asarray(jaw_pose, np.float64)))
    local = w_rest.T @ (c @ r @ c.T) @ w_rest
    return matrix_to_quat(local).astype(np.float32)
