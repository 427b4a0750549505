"""Gesture presets from the sidebar: pick a preset in the Body Gestures panel, Generate (body only)
on the test armature (``scene_fixtures``: SMPL-X joint names) or the demo character, and read the
evaluated pose back per frame.

Parameters: ``audio`` (path), ``preset`` (enum identifier, e.g. ``"SEATED"``), ``rig``
(``"fixtures"`` or ``"demo"``), ``tweak`` (optional ``{property: value}`` set after the preset).
Emits the preset shown before/after, the gesture fields, the options the operator builds, per
frame the world head positions (m) and local rotations (w, x, y, z) of the watched bones, their rest
heads (world m), and for the demo character the lowest world z (m) of its evaluated body mesh on
the first, middle and last frame (the floor is z = 0).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy

from speech_animator.addon import compat
from speech_animator.addon.properties import GESTURE_PROPS

P = scenario.PARAMS
WATCHED = ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_foot",
           "right_foot", "spine3", "head", "left_elbow", "right_elbow", "left_wrist", "right_wrist")

if P.get("rig") == "demo":
    scene, demo = scenario.demo_scene()
    body = demo.armature
else:
    import scene_fixtures as sf

    scenario.register()
    _face, body = sf.build_scene()
    scene = bpy.context.scene
s = scene.speech_animator
s.armature, s.what, s.audio_path, s.frame_start = body, 'BODY', P["audio"], 1
out = {"preset_before": s.gesture_preset}
s.gesture_preset = P["preset"]
out["preset_after"] = s.gesture_preset
for prop, value in (P.get("tweak") or {}).items():
    setattr(s, prop, value)
out["preset_after_tweak"] = s.gesture_preset
out["fields"] = {field: getattr(s, prop) for field, prop in GESTURE_PROPS.items()}
gesture = s.generate_options(scene).gesture
out["options"] = {field: getattr(gesture, field) for field in GESTURE_PROPS}
out["result"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT'))
action, _slot = compat.assigned(body)
out["action"] = action.name if action else None
first, last = (int(v) for v in action.frame_range) if action else (1, 1)
mw = body.matrix_world
frames = {name: {"head": [], "rot": []} for name in WATCHED}
for frame in range(first, last + 1):
    scene.frame_set(frame)
    for name in WATCHED:
        pb = body.pose.bones[name]
        frames[name]["head"].append(list(mw @ pb.head))
        frames[name]["rot"].append(list(pb.matrix_basis.to_quaternion()))
out["frames"] = frames
out["rest_heads"] = {name: list(mw @ body.data.bones[name].head_local) for name in WATCHED}
if P.get("rig") == "demo":
    lowest = []
    for frame in (first, (first + last) // 2, last):
        scene.frame_set(frame)
        ev = demo.body.evaluated_get(bpy.context.evaluated_depsgraph_get())
        lowest.append(min((ev.matrix_world @ v.co).z for v in ev.data.vertices))
    out["body_min_z"] = lowest
out["num_frames"] = last - first + 1
scenario.emit(out)
scenario.finish()
