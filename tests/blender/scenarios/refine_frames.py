"""How many frames ``targets_body.refine_through_constraints`` refines when a caller (e.g.
``rigify_generated.py``) lowers ``targets_body.REFINE_MAX_FRAMES`` after import.

A two-bone armature whose child has a half-influence Copy Rotation constraint; 20 frames of wanted
rotations. Each refined frame evaluates every mapped bone's matrix ``REFINE_SWEEPS + 1`` times
(counted through ``targets_body.rotation_parts``).

Params: ``max_frames`` (the value set on the module constant).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

import speech_animator.addon.targets_body as tb
from speech_animator.rigs.rotations import axis_angle_to_quat

bpy.ops.wm.read_factory_settings(use_empty=True)
data = bpy.data.armatures.new("Arm")
arm = bpy.data.objects.new("Arm", data)
bpy.context.scene.collection.objects.link(arm)
bpy.context.view_layer.objects.active = arm
bpy.ops.object.mode_set(mode="EDIT")
root = data.edit_bones.new("root")
root.head, root.tail = (0, 0, 0), (0, 0, 1)
child = data.edit_bones.new("child")
child.head, child.tail, child.parent = (0, 0, 1), (0, 0, 2), root
bpy.ops.object.mode_set(mode="OBJECT")
con = arm.pose.bones["child"].constraints.new("COPY_ROTATION")
con.target, con.subtarget, con.influence = arm, "root", 0.5

n_frames = 20
rng = np.random.default_rng(0)
quats = axis_angle_to_quat(rng.normal(0, 0.3, (n_frames, 2, 3))).astype(np.float32)
calls = [0]
measured = tb.rotation_parts


def counting(m):
    calls[0] += 1
    return measured(m)


tb.rotation_parts = counting
tb.REFINE_MAX_FRAMES = int(scenario.PARAMS["max_frames"])
tb.refine_through_constraints(arm, ["root", "child"], quats, quats)
scenario.emit({"calls": calls[0], "bones": 2, "sweeps": tb.REFINE_SWEEPS, "frames": n_frames})
scenario.finish()
