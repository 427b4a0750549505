"""Rotation curves read at keys in bulk (``targets_body.bone_rotation``) against ``FCurve.evaluate``
frame by frame: Bezier/constant/linear keys, a component keyed on other frames, a key just off the
integer frame, a curve with a modifier; quaternion, Euler (ZXY) and axis-angle modes (numpy
conversion vs mathutils)."""

import scenario  # noqa: I001  (first: sets sys.path)

import numpy as np
from mathutils import Euler

import rigs_fixtures as rf
from speech_animator.addon import compat
from speech_animator.addon.targets_body import bone_rotation
from speech_animator.rigs.rotations import axis_angle_to_quat

arm = rf.load_rig("rigify", scenario.CHARS)
rng = np.random.default_rng(0)
frames = np.arange(1, 41)
out = {}
for name, mode, path, n in (("upper_arm.L", "QUATERNION", "rotation_quaternion", 4),
                            ("forearm.R", "ZXY", "rotation_euler", 3), ("spine", "AXIS_ANGLE", "rotation_axis_angle", 4)):
    pb = arm.pose.bones[name]
    pb.rotation_mode = mode
    for i in range(n):
        keys = sorted(set(rng.choice(np.arange(1, 41), 8, replace=False).tolist()) | {1})
        for f in keys:
            pb.rotation_quaternion[i] = pb.rotation_euler[i % 3] = pb.rotation_axis_angle[i] = 0.0
            setattr(pb, path, [float(v) for v in rng.uniform(-1, 1, n)])
            pb.keyframe_insert(path, index=i, frame=f + (0.0004 if (f == keys[-1] and i == 1) else 0.0))
    action, slot = compat.assigned(arm)
    fcs = [f for f in compat.action_fcurves(action, slot) if f.data_path.endswith(path) and name in f.data_path]
    fcs[0].keyframe_points[1].interpolation = "CONSTANT"
    fcs[-1].keyframe_points[2].interpolation = "LINEAR"
    if mode == "QUATERNION":
        fcs[2].modifiers.new("NOISE")
    q, keyed = bone_rotation(compat.action_fcurves(action, slot), name, mode, frames)
    vals = np.array([[fcs[i].evaluate(float(f)) for i in range(n)] for f in frames])
    if mode == "QUATERNION":
        ref = vals / np.linalg.norm(vals, axis=1, keepdims=True)
    elif mode == "AXIS_ANGLE":
        ref = axis_angle_to_quat(vals[:, 1:] / np.linalg.norm(vals[:, 1:], axis=1, keepdims=True) * vals[:, :1])
    else:
        ref = np.array([tuple(Euler(v, mode).to_quaternion()) for v in vals])
    kp = {round(k.co[0]) for f in fcs for k in f.keyframe_points}
    out[mode] = {"err": float(np.abs(q - ref).max()), "keyed": frames[keyed].tolist(), "want_keyed": sorted(kp)}
scenario.emit(out)
scenario.finish()
