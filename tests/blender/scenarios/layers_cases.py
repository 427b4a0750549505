"""Editing after generation in bpy: edits survive regenerate/Clear, layers, merge down, prompts, list operators.

The bpy side of tests/blender/test_layers.py.

Params: ``case`` (one of the blocks below, named after its test)."""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASE = P["case"]
CASES = (
    'edited_generated_action_survives_regenerate_replace_and_clear',
    'imported_full_clip_never_constrains_and_artist_brow_keys_win',
    'face_prompts_hold_a_smile_and_blend_at_the_boundaries',
    'face_unmappable_still_bakes_the_body_and_says_why',
    'partial_success_warning_text',
    'merge_down_bakes_what_plays_and_list_operators_are_undoable',
    'generated_list_shows_audio_model_date_and_edited',
    'edits_of_a_generated_action_become_prompts_for_a_new_recording',
    'clear_prompts_select_and_list_merge_are_undoable',
    'key_reduction_from_the_panel_in_degrees',
    'keys_inserted_over_the_delta_layer_keep_what_the_artist_sees',
)
if CASE not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {CASE!r}")


import bpy, numpy as np
scenario.EXTENSION.register()
from speech_animator.addon import bake, compat, edits, layers, prompts
import scene_fixtures as sf
face, body = sf.build_scene()
key = face.data.shape_keys
s = bpy.context.scene.speech_animator
s.audio_path = P["audio"]; s.face_object = face; s.armature = body; s.what = 'BOTH'; s.face_model = 'fast'
bpy.ops.ed.undo_push(message="start")
def gen():
    return list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
def jaw_curve(action):
    return next(f for f in compat.action_fcurves(action) if f.data_path == 'key_blocks["jawOpen"].value')
def value(frame, path='key_blocks["jawOpen"].value', id_data=None):
    bpy.context.scene.frame_set(frame)
    return (id_data or key).path_resolve(path)
def orphans():
    return sorted(a.name for a in bpy.data.actions if a.users == 0)  # lost on save

if CASE == "edited_generated_action_survives_regenerate_replace_and_clear":
    assert gen() == ['FINISHED']
    first = compat.assigned(key)[0]
    name = first.name
    fc = jaw_curve(first)
    fc.keyframe_points[60].co[1] = 0.95          # jawOpen at frame 61 set to 0.95
    for k in reversed(range(70, 80)):            # keys 71-80 deleted
        fc.keyframe_points.remove(fc.keyframe_points[k])
    out = {"edited": layers.edited_curves(first)}
    for i in range(3):                           # regenerate three times with Replace Previous Generated on
        assert gen() == ['FINISHED']
    out["active"] = compat.assigned(key)[0].name
    out["base"] = layers.base_action(key).name
    out["jaw61"] = value(61)
    out["generated"] = sorted(a.name for a in bpy.data.actions if bake.is_generated(a))
    out["orphans"] = orphans()
    layer = compat.assigned(key)[0]
    out["layer_curves"] = [(f.data_path, [k.co[0] for k in f.keyframe_points]) for f in compat.action_fcurves(layer)]
    out["blend"] = key.animation_data.action_blend_type
    source = edits.delta_source(layer)           # the edited action, held by its edit layer
    out["source"] = {"name": source.name, "fake": source.use_fake_user, "users": source.users}
    # what plays equals the edited action on every frame (same clip regenerated: same base)
    edited = jaw_curve(source)
    out["max_diff_to_edited"] = max(abs(value(f) - edited.evaluate(f)) for f in range(1, 91))
    bpy.ops.ed.undo()                            # the last Generate is one undo step
    out["after_undo_base"] = layers.base_action(bpy.data.objects["Face"].data.shape_keys).name
    bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
    key = bpy.data.objects["Face"].data.shape_keys
    out["after_clear"] = {"active": compat.assigned(key)[0].name, "orphans": orphans(),
                          "tracks": [t.name for t in key.animation_data.nla_tracks],
                          "muted": sum(f.mute for f in compat.action_fcurves(bpy.data.actions[out["source"]["name"]])),
                          "actions": sorted(a.name for a in bpy.data.actions)}
    out["name"] = name
    emit(out)
elif CASE == "imported_full_clip_never_constrains_and_artist_brow_keys_win":
    # a full-body clip on the armature (like RobotExpressive's glTF "Dance"): every bone keyed
    from mathutils import Quaternion
    for i, pb in enumerate(body.pose.bones):
        pb.rotation_mode = 'QUATERNION'
        for f in (1, 30, 60):
            pb.rotation_quaternion = Quaternion((1, 0, 0), 0.3 * np.sin(i + f))
            pb.keyframe_insert("rotation_quaternion", frame=f)
    body.animation_data.action.name = "Dance"
    # the artist's brow keys on the face
    kb = key.key_blocks["browInnerUp"]
    for f, v in ((20, 0.9), (40, 0.9)):
        kb.value = v; kb.keyframe_insert("value", frame=f)
    key.animation_data.action.name = "Brows"
    r = gen()
    out = {"r": r, "body_tracks": [t.name for t in body.animation_data.nla_tracks],
           "face_tracks": [t.name for t in key.animation_data.nla_tracks],
           "body_active": compat.assigned(body)[0].name, "face_active": compat.assigned(key)[0].name,
           "brow30": value(30, 'key_blocks["browInnerUp"].value')}
    gen_body = compat.assigned(body)[0]
    elbow = 'pose.bones["right_elbow"].rotation_quaternion'
    with_clip = [list(c.evaluate(f) for f in range(1, 61)) for c in compat.action_fcurves(gen_body) if c.data_path == elbow]
    # same generation without the clip: identical body (the clip was not read as constraints)
    bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
    compat.assign_action(body, None)
    for t in list(body.animation_data.nla_tracks):
        body.animation_data.nla_tracks.remove(t)
    gen()
    gen_body = layers.generated_action(body)[0]
    without = [list(c.evaluate(f) for f in range(1, 61)) for c in compat.action_fcurves(gen_body) if c.data_path == elbow]
    out["max_diff"] = float(np.max(np.abs(np.array(with_clip) - np.array(without))))
    emit(out)
elif CASE == "face_prompts_hold_a_smile_and_blend_at_the_boundaries":
    s.what = 'FACE'
    kb = key.key_blocks["mouthSmileLeft"]
    for f in (30, 45):
        kb.value = 0.8; kb.keyframe_insert("value", frame=f)
    key.animation_data.action.name = "Smile"
    bpy.ops.ed.undo_push(message="keys")
    assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {'FINISHED'}
    p_action = prompts.prompt_action(key)[0]
    out = {"prompt": p_action.name, "muted_track": key.animation_data.nla_tracks[layers.PROMPT_TRACK].mute,
           "source_keys": sum(len(f.keyframe_points) for f in compat.action_fcurves(bpy.data.actions["Smile"]))}
    compat.assign_action(key, None)   # only the prompts drive the smile now
    gen()
    a = layers.generated_action(key)[0]
    smile = next(f for f in compat.action_fcurves(a) if f.data_path == 'key_blocks["mouthSmileLeft"].value')
    out["smile"] = [smile.evaluate(f) for f in range(1, 70)]
    bpy.ops.ed.undo(); bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    out["after_undo"] = prompts.prompt_action(key)[0] is None
    emit(out)
elif CASE == "face_unmappable_still_bakes_the_body_and_says_why":
    odd = sf.make_face("Odd", names=("Foo", "Bar"))
    s.face_object = odd
    r = gen()
    emit({"r": r, "body": layers.generated_action(body)[0] is not None,
          "face": layers.generated_action(odd.data.shape_keys)[0] is not None})
elif CASE == "partial_success_warning_text":
    from speech_animator.addon import pipeline
    odd = sf.make_face("Odd", names=("Foo", "Bar"))
    s.face_object = odd
    job = pipeline.job_from_settings(s, bpy.context)
    outcome = pipeline.apply(job, pipeline.infer(job))
    emit({"warnings": [w for w in outcome.warnings if "skipped" in w], "actions": list(outcome.result.actions)})
elif CASE == "merge_down_bakes_what_plays_and_list_operators_are_undoable":
    gen()
    first = compat.assigned(key)[0]
    first_name = first.name
    jaw_curve(first).keyframe_points[40].co[1] = 0.9
    gen()                                          # -> base + edit layer
    probe = {f: value(f) for f in (20, 41, 60)}
    smile = {f: value(f, 'key_blocks["mouthSmileLeft"].value') for f in (20, 60)}
    bpy.ops.ed.undo_push(message="before merge")
    assert bpy.ops.speechanim.merge_down('EXEC_DEFAULT', True) == {'FINISHED'}
    merged = compat.assigned(key)[0]
    out = {"merged": merged.name, "tracks": [t.name for t in key.animation_data.nla_tracks],
           "edited": layers.is_edited(merged),
           "err": max(abs(value(f) - v) for f, v in probe.items()),
           "err_smile": max(abs(value(f, 'key_blocks["mouthSmileLeft"].value') - v) for f, v in smile.items()),
           # the edited action survives a save: held by its edit layer, itself held by the datablock
           "kept": first.name in bpy.data.actions and first.users > 0,
           "orphans": orphans(), "held": [a.name for a in layers.held(key)],
           "fake_only": sorted(a.name for a in bpy.data.actions if a.use_fake_user and a.users == 1)}
    bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    out["undo_tracks"] = [t.name for t in key.animation_data.nla_tracks]
    # the Generated list: pick the body's action, select its object, clear it, undo
    s = bpy.context.scene.speech_animator  # undo replaced the datablocks: fetch again
    names = [a.name for a in bpy.data.actions]
    body_action = layers.generated_action(bpy.data.objects["Body"])[0].name
    s.generated_index = names.index(body_action)
    out["select"] = list(bpy.ops.speechanim.generated_select('EXEC_DEFAULT', True))
    out["active_obj"] = bpy.context.view_layer.objects.active.name
    out["clear"] = list(bpy.ops.speechanim.generated_clear('EXEC_DEFAULT', True))
    out["body_after_clear"] = layers.generated_action(bpy.data.objects["Body"])[0]
    bpy.ops.ed.undo()
    out["body_after_undo"] = layers.generated_action(bpy.data.objects["Body"])[0].name
    s = bpy.context.scene.speech_animator
    s.generated_index = [a.name for a in bpy.data.actions].index(first_name)
    out["merge"] = list(bpy.ops.speechanim.generated_merge('EXEC_DEFAULT', True))
    emit(out)
elif CASE == "generated_list_shows_audio_model_date_and_edited":
    from speech_animator.addon import edit_ops
    gen()
    a = compat.assigned(key)[0]
    edit_ops._EDITED.clear()
    jaw_curve(a).keyframe_points[5].co[1] = 0.5
    sf.add_artist_action(sf.make_face("Other"), "NotOurs")
    UL = edit_ops.SPEECHANIM_UL_generated
    me = type("UL", (), {"bitflag_filter_item": 1 << 30})()  # the value UIList instances carry
    flags, order = UL.filter_items(me, bpy.context, bpy.data, "actions")
    shown = [x.name for x, f in zip(bpy.data.actions, flags) if f]
    rows = {}
    class Row:
        def __init__(self, name): self.name = name
        def row(self, **kw): return self
        def label(self, text="", icon='NONE'): rows.setdefault(self.name, []).append([text, icon])
    for x in bpy.data.actions:
        if bake.is_generated(x):
            UL.draw_item(me, bpy.context, Row(x.name), bpy.data, x, 0, None, "", 0)
    emit({"shown": sorted(shown), "rows": rows})
elif CASE == "edits_of_a_generated_action_become_prompts_for_a_new_recording":
    from mathutils import Quaternion
    gen()
    a_face, a_body = compat.assigned(key)[0], compat.assigned(body)[0]
    jaw_curve(a_face).keyframe_points[60].co[1] = 0.95                   # frame 61
    path = 'pose.bones["right_elbow"].rotation_quaternion'
    fcs = sorted((f for f in compat.action_fcurves(a_body) if f.data_path == path), key=lambda f: f.array_index)
    want = Quaternion([f.keyframe_points[39].co[1] for f in fcs]) @ Quaternion((0, 0, 1), 0.8)
    for f, v in zip(fcs, want):
        f.keyframe_points[39].co[1] = v                                   # frame 40
    bpy.ops.ed.undo_push(message="edited")
    assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {'FINISHED'}
    found = {}
    for id_data in (key, body):
        p = prompts.prompt_action(id_data)[0]
        found[id_data.name] = sorted((f.data_path, f.array_index, [k.co[0] for k in f.keyframe_points])
                                     for f in compat.action_fcurves(p))
    s.audio_path = P['other']
    gen()
    pb = body.pose.bones["right_elbow"]
    bpy.context.scene.frame_set(40)
    base_action = layers.generated_action(body)[0]
    compat.assign_action(body, None) if base_action != compat.assigned(body)[0] else None
    body.animation_data.use_nla = True
    vals = [fc.evaluate(40) for fc in sorted((f for f in compat.action_fcurves(base_action) if f.data_path == path),
                                              key=lambda f: f.array_index)]
    err = np.degrees(Quaternion(vals).rotation_difference(want).angle)
    jaw = jaw_curve(layers.generated_action(key)[0])
    emit({"found": found, "elbow_err_deg": err, "jaw61": jaw.evaluate(61), "jaw50": jaw.evaluate(50)})
elif CASE == "clear_prompts_select_and_list_merge_are_undoable":
    sf.add_artist_action(face)
    assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {'FINISHED'}
    out = {"clear": list(bpy.ops.speechanim.clear_prompts('EXEC_DEFAULT', True)),
           "after_clear": prompts.prompt_action(key)[0] is None}
    bpy.ops.ed.undo()
    out["after_undo"] = prompts.prompt_action(bpy.data.objects["Face"].data.shape_keys)[0] is not None
    gen()                                       # ArtistFace stays on top: the face is layered
    s = bpy.context.scene.speech_animator
    key = bpy.data.objects["Face"].data.shape_keys
    s.generated_index = list(bpy.data.actions).index(layers.generated_action(key)[0])
    bpy.context.view_layer.objects.active = bpy.data.objects["Body"]
    out["select"] = list(bpy.ops.speechanim.generated_select('EXEC_DEFAULT', True))
    out["selected"] = bpy.context.view_layer.objects.active.name
    bpy.ops.ed.undo()
    out["select_undone"] = bpy.context.view_layer.objects.active.name
    s = bpy.context.scene.speech_animator       # undo went back before the index was set: pick again
    s.generated_index = list(bpy.data.actions).index(layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0])
    out["merge"] = list(bpy.ops.speechanim.generated_merge('EXEC_DEFAULT', True))
    key = bpy.data.objects["Face"].data.shape_keys
    out["merged"] = [compat.assigned(key)[0].name, [t.name for t in key.animation_data.nla_tracks]]
    bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    out["merge_undone"] = [compat.assigned(key)[0].name, [t.name for t in key.animation_data.nla_tracks]]
    emit(out)
elif CASE == "key_reduction_from_the_panel_in_degrees":
    import math
    s.what = 'BODY'; s.use_key_reduction = True; s.rotation_tolerance = math.radians(1.0)
    gen()
    a = compat.assigned(body)[0]
    by_path = {}
    for f in compat.action_fcurves(a):
        by_path.setdefault(f.data_path, []).append([k.co[0] for k in f.keyframe_points])
    rot = {p: v for p, v in by_path.items() if p.endswith("rotation_quaternion")}
    emit({"tag_models": bake.tag_of(a).get("body_model"), "same": all(all(x == v[0] for x in v) for v in rot.values()),
          "keys": sum(len(v[0]) for v in rot.values()), "bones": len(rot),
          "frames": max(len(v[0]) for v in rot.values())})
elif CASE == "keys_inserted_over_the_delta_layer_keep_what_the_artist_sees":
    T = 60
    jaw = np.full(T, 0.3, np.float32)
    def target():
        return bake.BakeTarget(key, (bake.Channel('key_blocks["jawOpen"].value', 0, jaw, "ARKit"),), "Face (Face)")
    bake.bake([target()], 1, "/tmp/k.wav")
    jaw_curve(compat.assigned(key)[0]).keyframe_points[10].co[1] = 0.9      # frame 11
    bake.bake([target()], 1, "/tmp/k.wav", replace_generated=True)
    layer = compat.assigned(key)[0]
    kb = key.key_blocks["jawOpen"]
    bpy.context.scene.frame_set(30)
    kb.value = 0.8
    kb.keyframe_insert("value", frame=30)        # keyed over the base (0.3) through the Add layer
    stored = [list(k.co) for k in jaw_curve(layer).keyframe_points]
    emit({"layer": layer.name, "blend": key.animation_data.action_blend_type, "stored": stored,
          "at30": value(30), "at11": value(11), "at20": value(20)})
scenario.finish()
