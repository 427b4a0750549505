"""A generated Rigify rig: bake real BEAT2 frames on the FK controls (refined through constraints,
measured on the DEF bones), then key three of them as an artist would and read them back as body
constraints (the evaluated pose).

Params: ``beat2`` (.npz path; test poses when missing).
"""

import scenario  # noqa: I001  (first: sets sys.path)

from pathlib import Path

import numpy as np

import rigs_fixtures as rf
import speech_animator.addon.targets_body as tb
from speech_animator.addon import compat
from speech_animator.addon.targets_body import read_body_constraints
from speech_animator.rigs.bone_presets import BONE_PRESETS
from speech_animator.rigs.smplx import JOINT_INDEX
from speech_animator.rigs.smplx_rest import smplx_global_rotations

try:
    rig = rf.generate_rigify()
except Exception as exc:  # Rigify's generator failing is reported as a skip with the reason
    scenario.emit({"skip": f"Rigify generate failed: {type(exc).__name__}: {exc}"})
    scenario.finish()
beat2 = scenario.PARAMS.get("beat2")
if beat2 and Path(beat2).exists():  # 45 consecutive real frames: corrections interpolated between refined ones
    poses = np.load(beat2)["poses"][300:345].reshape(-1, 55, 3).astype(np.float32)
    tb.REFINE_MAX_FRAMES = 12
else:
    poses = rf.test_poses(num_random=4)
errs, warnings, bmap = rf.direction_errors(rig, None, poses, measure_map=BONE_PRESETS["rigify_def"])
baked, slot = compat.assigned(rig)
curves = {(f.data_path, f.array_index): f for f in compat.action_fcurves(baked, slot)}
rig.animation_data.action = None
picked = [5, 20, 41] if len(poses) > 41 else [1, len(poses) // 2, len(poses) - 2]  # keyed frames (0-based)
for f in picked:
    for name in set(BONE_PRESETS["rigify_ctrl"].values()):
        path = f'pose.bones["{name}"].rotation_quaternion'
        if (path, 0) in curves:
            rig.pose.bones[name].rotation_quaternion = [curves[(path, i)].evaluate(1 + f) for i in range(4)]
            rig.pose.bones[name].keyframe_insert("rotation_quaternion", frame=1 + f)
c = read_body_constraints(rig, 1, len(poses), 30.0)
g0, g1 = smplx_global_rotations(poses[picked]), smplx_global_rotations(c.poses[picked])
cerr = 0.0
for name in ("left_shoulder", "right_elbow", "head", "spine3", "left_hip", "pelvis"):
    j = JOINT_INDEX[name]
    d = np.einsum("fij,fik->fjk", g0[:, j], g1[:, j])
    cerr = max(cerr, float(np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1) / 2, -1, 1))).max()))
scenario.emit({"errs": {k: max(v) for k, v in errs.items()}, "mean": {k: float(np.mean(v)) for k, v in errs.items()},
               "warnings": warnings, "n": len(poses), "constraint_err": cerr,
               "masked_frames": np.flatnonzero(c.mask.any(axis=1)).tolist(), "picked": picked})
scenario.finish()
