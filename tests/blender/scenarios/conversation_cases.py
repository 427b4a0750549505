"""Generate Conversation in bpy: two demo characters turned towards each other, one clip each.

The bpy side of tests/blender/test_conversation_bake.py. Params: ``audio_a``, ``audio_b`` (paths),
``start_b`` (frames after the start frame where B's clip begins), ``face_model``.
Emits each character's actions, the listener's head-bone direction against the speaker and the
state after undo.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import math

import bpy
from mathutils import Vector

from speech_animator.addon import compat, layers
from speech_animator.addon.demo_character import build_demo_character

P = scenario.PARAMS
scenario.register()
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = 30, 1.0
a, b = build_demo_character(), build_demo_character()
# A on the left turned 45 degrees towards B, B on the right turned towards A (3/4 facing each other)
a.armature.location.x, b.armature.location.x = -0.8, 0.8
a.armature.rotation_euler.z, b.armature.rotation_euler.z = math.radians(45), math.radians(-45)
bpy.context.view_layer.update()
s = scene.speech_animator
s.frame_start, s.what, s.face_model = 1, 'BOTH', P["face_model"]
conv = scene.speech_animator_conversation
for name, demo, audio, start in (("Ann", a, P["audio_a"], 0), ("Ben", b, P["audio_b"], P["start_b"])):
    item = conv.characters.add()
    item.name, item.face_object, item.armature, item.audio_path, item.start_frame = name, demo.head, demo.armature, audio, start
poll_before = bpy.ops.speechanim.generate_conversation.poll()
# the panel draws only real properties, operators and lists (a recording layout, both audio sources)
from speech_animator.addon import conversation_ui
from ui_recorder import Layout, draw_panel
problems = []
for source in ('FILES', 'STEREO'):
    conv.source = source
    draw_panel(conversation_ui.SPEECHANIM_PT_conversation, bpy.context, problems)
    conversation_ui.SPEECHANIM_UL_conversation_characters.draw_item(None, bpy.context, Layout(problems), conv,
                                                                     conv.characters[0], 0, conv, "active_index")
conv.source = 'FILES'
bpy.ops.ed.undo_push(message="before conversation")
result = bpy.ops.speechanim.generate_conversation('EXEC_DEFAULT', True)


def actions(demo):
    key = demo.head.data.shape_keys
    fa, _ = layers.generated_action(key)
    ba, _ = layers.generated_action(demo.armature)
    return [fa.name if fa else None, ba.name if ba else None]


def head_yaw_to(me, other, frame):
    """Signed angle (deg, about world Z) from ``me``'s rest facing to its head's facing, and to ``other``'s head."""
    scene.frame_set(frame)
    arm = me.armature
    pb, bone = arm.pose.bones["head"], arm.data.bones["head"]
    rot = (arm.matrix_world @ pb.matrix).to_3x3() @ (arm.matrix_world @ bone.matrix_local).to_3x3().inverted()
    rest_fwd = arm.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))
    fwd = rot @ rest_fwd
    to = (other.armature.matrix_world @ other.armature.data.bones["head"].head_local) - (arm.matrix_world @ bone.head_local)
    ang = lambda v: math.degrees(math.atan2(rest_fwd.x * v.y - rest_fwd.y * v.x, rest_fwd.x * v.x + rest_fwd.y * v.y))
    return ang(fwd), ang(to)


fps = 30.0
out = {"result": list(result), "poll_before": bool(poll_before), "draw_problems": problems, "ann": actions(a), "ben": actions(b),
       "frames": scene.frame_end}
# Ben listens while Ann talks (frames 20-80), Ann listens while Ben talks (after start_b + 25)
out["ben_listening"] = [head_yaw_to(b, a, f) for f in (30, 50, 70)]
out["ann_listening"] = [head_yaw_to(a, b, f) for f in (P["start_b"] + 35, P["start_b"] + 50)]
names = [(d.head.name, d.armature.name) for d in (a, b)]
bpy.ops.ed.undo()
a, b = (type("D", (), {"head": bpy.data.objects[h], "armature": bpy.data.objects[r]}) for h, r in names)
out["after_undo"] = {"ann": actions(a), "ben": actions(b),
                     "generated": sorted(x.name for x in bpy.data.actions if layers.TAG in x.keys() and x.users)}
# an animator's edit survives Generate Conversation run again (the Generate bake path: edit layer)
assert list(bpy.ops.speechanim.generate_conversation('EXEC_DEFAULT', True)) == ['FINISHED']
key = a.head.data.shape_keys
action = compat.assigned(key)[0]
fc = next(f for f in compat.action_fcurves(action) if f.data_path == 'key_blocks["jawOpen"].value')
fc.keyframe_points[60].co[1] = 0.95            # jawOpen at frame 61
fc.update()
assert list(bpy.ops.speechanim.generate_conversation('EXEC_DEFAULT', True)) == ['FINISHED']
bpy.context.scene.frame_set(61)
out["regenerated"] = {"ann_jaw61": a.head.data.shape_keys.key_blocks["jawOpen"].value,
                      "ann_layers": layers.plays_layers(a.head.data.shape_keys),
                      "ben_layers": layers.plays_layers(b.head.data.shape_keys)}
# one stereo file, one speaker per channel (Ann on channel 1)
if P.get("stereo"):
    conv = bpy.context.scene.speech_animator_conversation
    conv.source, conv.stereo_path = 'STEREO', P["stereo"]
    conv.characters[0].channel, conv.characters[1].channel = 1, 0
    out["stereo_result"] = list(bpy.ops.speechanim.generate_conversation('EXEC_DEFAULT', True))
    out["stereo_actions"] = {"ann": actions(a), "ben": actions(b)}
scenario.emit(out)
scenario.finish()
