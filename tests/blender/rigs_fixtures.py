"""bpy-side helpers of the rigs Blender tests (imported inside the test subprocesses)."""

from __future__ import annotations

import numpy as np

CHAR_DIR = None  # set by the caller: Path of ../shared/data/characters

RIG_FILES = {
    "robot": "RobotExpressive.glb",
    "kaykit": "kaykit_mannequin/manny_med_mod.gltf",
    "arkit_head": "arkit_reference_head/arkit_reference_head_51morphs.glb",
}


def load_rig(kind: str, char_dir=None):
    """Import a test character into an empty scene; return its armature object (or the mesh for
    heads). ``kind``: ``robot``, ``kaykit``, ``arkit_head``, ``rigify`` (Blender's human metarig),
    ``demo`` (our demo character)."""
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    if kind == "rigify":
        bpy.ops.preferences.addon_enable(module="rigify")
        bpy.ops.object.armature_human_metarig_add()
        arm = bpy.context.object
        bpy.ops.object.mode_set(mode="OBJECT")
        return arm
    if kind == "demo":
        from speech_animator.addon.demo_character import build_demo_character

        return build_demo_character().armature
    bpy.ops.import_scene.gltf(filepath=str(char_dir / RIG_FILES[kind]))
    want = "MESH" if kind == "arkit_head" else "ARMATURE"
    obj = next(o for o in bpy.data.objects if o.type == want)
    if obj.animation_data is not None:  # the importer assigns the file's first clip: not ours to test
        obj.animation_data_clear()
    return obj


def test_poses(num_random: int = 8, seed: int = 0) -> np.ndarray:
    """``(N, 55, 3)`` float32 SMPL-X test poses: hand-made gestures and random body poses."""
    from speech_animator.rigs.smplx import JOINT_INDEX as J

    poses = []
    p = np.zeros((55, 3))
    poses.append(p.copy())  # rest
    p = np.zeros((55, 3)); p[J["left_shoulder"]] = [0, 0, -1.2]; p[J["right_shoulder"]] = [0, 0, 1.2]
    poses.append(p.copy())  # arms down along the body
    p = np.zeros((55, 3)); p[J["left_shoulder"]] = [0, -0.8, -0.6]; p[J["left_elbow"]] = [0, -1.4, 0]
    p[J["head"]] = [0.3, 0.5, 0]; p[J["neck"]] = [0.1, 0.2, 0]
    poses.append(p.copy())  # arm forward, elbow bent, head turned
    p = np.zeros((55, 3)); p[J["right_shoulder"]] = [0.3, 0.6, 0.9]; p[J["right_elbow"]] = [0, 1.6, 0]
    p[J["spine2"]] = [0.2, 0, 0.1]; p[J["spine3"]] = [0.1, 0.3, 0]; p[J["pelvis"]] = [0, 0.4, 0]
    poses.append(p.copy())
    rng = np.random.default_rng(seed)
    body = [J[n] for n in ("pelvis", "spine1", "spine2", "spine3", "neck", "head", "left_collar", "right_collar",
                           "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                           "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee")]
    for _ in range(num_random):
        p = np.zeros((55, 3))
        p[body] = rng.normal(0, 0.35, (len(body), 3))
        poses.append(p)
    return np.array(poses, np.float32)


def direction_errors(arm, bone_map, poses, frame_start=1, measure_map=None):
    """Bake ``poses`` (one per frame) onto ``arm`` through build_body_targets + bake, then compare
    world-space segment directions of the target with the SMPL-X source's (FK on the rest
    skeleton, turned to Blender axes). ``measure_map``: measure on other bones than the animated
    ones (a generated Rigify rig's ``DEF-`` bones). Returns ``({segment: [deg per frame]}, warnings, map)``."""
    import bpy

    from speech_animator.addon import bake
    from speech_animator.addon.targets_body import build_body_targets, resolve_bone_map
    from speech_animator.inference.performance import Performance
    from speech_animator.rigs.retarget import DIRECTION_CHILD, SMPLX_TO_BLENDER
    from speech_animator.rigs.smplx import JOINT_INDEX as J
    from speech_animator.rigs.smplx_rest import forward_kinematics, smplx_global_rotations

    t = poses.shape[0]
    perf = Performance(30.0, np.zeros((t, 52), np.float32), smplx_poses=poses, transl=np.zeros((t, 3), np.float32))
    bmap, _ = resolve_bone_map(arm, bone_map)
    targets, warnings = build_body_targets(arm, perf, bmap, avoid_collisions=False)  # exact retarget
    bake.bake(targets, frame_start, "")
    if measure_map is not None:  # e.g. a control rig measured on its deform bones
        bmap = {j: b for j, b in measure_map.items() if b in arm.data.bones}
    src = forward_kinematics(poses) @ SMPLX_TO_BLENDER.T
    glob = smplx_global_rotations(poses)
    segs = {"upper_arm_L": "left_shoulder", "upper_arm_R": "right_shoulder", "forearm_L": "left_elbow",
            "forearm_R": "right_elbow", "thigh_L": "left_hip", "spine": "spine1", "chest": "spine2", "pelvis": "pelvis"}
    pairs = {}
    for seg, j in segs.items():
        c = DIRECTION_CHILD[j]
        while c is not None and c not in bmap:
            c = DIRECTION_CHILD.get(c)
        if j in bmap and c is not None:
            pairs[seg] = (j, c)
    head_bone = arm.data.bones[bmap["head"]]
    u, _, vt = np.linalg.svd(np.array(arm.matrix_world)[:3, :3])
    arm_rot = u @ vt
    head_rest = arm_rot @ np.array(head_bone.matrix_local)[:3, :3]
    out = {k: [] for k in list(pairs) + ["head_up", "head_forward"]}
    scene = bpy.context.scene
    for f in range(t):
        scene.frame_set(frame_start + f)
        mw = np.array(arm.matrix_world)

        def head_pos(name):
            return (mw @ np.append(np.array(arm.pose.bones[name].head), 1.0))[:3]

        for seg, (a, b) in pairs.items():
            td = head_pos(bmap[b]) - head_pos(bmap[a])
            sd = src[f, J[b]] - src[f, J[a]]
            out[seg].append(_angle(td, sd))
        posed = arm_rot @ np.array(arm.pose.bones[bmap["head"]].matrix)[:3, :3]
        delta_t = posed @ head_rest.T
        delta_s = SMPLX_TO_BLENDER @ glob[f, J["head"]] @ SMPLX_TO_BLENDER.T
        for name, v in (("head_up", [0, 0, 1.0]), ("head_forward", [0, -1.0, 0])):
            out[name].append(_angle(delta_t @ v, delta_s @ v))
    return out, warnings, bmap


def _angle(a, b) -> float:
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))


def generate_rigify(fk: bool = True):
    """Blender's human metarig generated into a Rigify control rig (limbs switched to FK)."""
    import bpy

    meta = load_rig("rigify")
    bpy.context.view_layer.objects.active = meta
    bpy.ops.pose.rigify_generate()
    rig = next(o for o in bpy.data.objects if o.type == "ARMATURE" and o is not meta)
    meta.hide_viewport = True
    if fk:
        for n in ("upper_arm_parent.L", "upper_arm_parent.R", "thigh_parent.L", "thigh_parent.R"):
            rig.pose.bones[n]["IK_FK"] = 1.0
    return rig


def ensure_registered() -> None:
    """Register the rigs helper's add-on modules unless the add-on's registration already did."""
    import bpy

    from speech_animator.addon import exports, mapping_ui

    if not hasattr(bpy.types, "SPEECHANIM_PT_mapping"):
        mapping_ui.register()
    if not hasattr(bpy.types, "SPEECHANIM_OT_import_motion"):
        exports.register()
