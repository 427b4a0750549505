"""Generate, edit the generated keys, Regenerate, then Undo step by step, with the installed
extension on the demo character (the bpy module pushes undo steps only when asked: every step is
pushed as the UI would).

Params: ``audio``, ``fps``.

Edits: jawOpen at frame 31 set to 0.95; the right elbow at frame 20 turned 0.8 rad about Z.
Emits ``r1`` / ``r2`` (Generate / Regenerate results), ``first`` (summaries after Generate),
``regen`` (after Regenerate: active / base action names, blend type, the played jawOpen at 31,
the elbow's angle to the edited pose at 20 (deg), the largest difference over the clip between
what plays and the edited action, summary of the edit layer and of the new base) and
``undo`` (a list: the state after each of three undos).
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import math

import bpy
from mathutils import Quaternion

import keyed

P = installed.PARAMS
compat, layers, bake = keyed.sub("addon.compat"), keyed.sub("addon.layers"), keyed.sub("addon.bake")
scene = keyed.reset(int(P["fps"]))
face, arm = keyed.load_character("demo")
FACE, ARM = face.name, arm.name
JAW = 'key_blocks["jawOpen"].value'
ELBOW = 'pose.bones["right_elbow"].rotation_quaternion'
bpy.ops.ed.undo_push(message="start")
out = {"r1": keyed.generate(undo=True, audio_path=P["audio"], what='BOTH', face_object=face, armature=arm)}


def objs():
    return bpy.data.objects[FACE].data.shape_keys, bpy.data.objects[ARM]


def curve(action, path, index=0):
    return next(f for f in compat.action_fcurves(action) if f.data_path == path and f.array_index == index)


def played(frame):
    bpy.context.scene.frame_set(frame)  # the scene object is replaced by each undo
    key, arm = objs()
    return key.key_blocks["jawOpen"].value, Quaternion(arm.pose.bones["right_elbow"].rotation_quaternion)


def state():
    key, arm = objs()
    fa, ba = compat.assigned(key)[0], compat.assigned(arm)[0]
    return {"face_active": fa.name if fa else None, "body_active": ba.name if ba else None,
            "face_tracks": [t.name for t in key.animation_data.nla_tracks] if key.animation_data else [],
            "generated": sorted(a.name for a in bpy.data.actions if bake.is_generated(a)),
            "jaw_key31": key_at(fa, JAW, 31)}


def key_at(action, path, frame):
    """The value of ``action``'s key on ``frame`` of curve ``path`` (``None`` without one)."""
    fc = next((f for f in compat.action_fcurves(action) if f.data_path == path), None) if action else None
    return next((k.co[1] for k in fc.keyframe_points if k.co[0] == frame), None) if fc else None


key, arm = objs()
out["first"] = {"face": keyed.summary(key), "body": keyed.summary(arm), **state()}
face_action, body_action = compat.assigned(key)[0], compat.assigned(arm)[0]
jaw = curve(face_action, JAW)
jaw.keyframe_points[30].co[1] = 0.95                                     # frame 31
fcs = [curve(body_action, ELBOW, i) for i in range(4)]
want = Quaternion([f.keyframe_points[19].co[1] for f in fcs]) @ Quaternion((0, 0, 1), 0.8)
for f, v in zip(fcs, want):
    f.keyframe_points[19].co[1] = v                                      # frame 20
for f in [jaw] + fcs:
    f.update()
bpy.ops.ed.undo_push(message="edit keys")
out["edited"] = {"state": state(), "jaw31": played(31)[0]}
n = out["first"]["face"]["keys_per_curve"][1]  # the clip's frames
edited_jaw = [curve(bpy.data.actions[face_action.name], JAW).evaluate(f) for f in range(1, n + 1)]
out["r2"] = keyed.generate(undo=True)
key, arm = objs()
jaw31, elbow20 = played(31)[0], played(20)[1]
out["regen"] = {**state(), "face_blend": key.animation_data.action_blend_type,
                "body_blend": arm.animation_data.action_blend_type,
                "face_base": layers.base_action(key).name, "body_base": layers.base_action(arm).name,
                "jaw31": jaw31, "elbow20_deg": math.degrees(elbow20.rotation_difference(want).angle),
                "max_diff_to_edited": max(abs(played(f)[0] - edited_jaw[f - 1]) for f in range(1, n + 1)),
                "face_layer": keyed.summary(key, action=compat.assigned(key)[0]),
                "body_layer": keyed.summary(arm, action=compat.assigned(arm)[0]),
                "face": keyed.summary(key), "body": keyed.summary(arm)}
out["undo"] = []
for _ in range(3):
    bpy.ops.ed.undo()
    out["undo"].append({**state(), "jaw31": played(31)[0]})
installed.emit(out)
installed.finish()
