"""Generate end to end in bpy: sidebar settings -> operator -> baked actions; undo/redo; artist safety.

The bpy side of tests/blender/test_generate.py.

Params: ``case``: ``"generate"`` (Generate from the sidebar with ``audio``, ``fps``, ``fps_base``,
``start``, ``what``, ``face_model``, ``with_artist``; then undo and redo) or ``"keyed_poses"``
(the artist's keyed body poses used as prompts; ``audio``).
"""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASES = ("generate", "keyed_poses")
if P["case"] not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {P['case']!r}")

if P["case"] == "generate":
    import bpy, numpy as np
    scenario.EXTENSION.register()
    from speech_animator.addon import bake, compat
    from speech_animator.inference.audio import load_audio
    from speech_animator.inference.timebase import num_frames, scene_rate
    import scene_fixtures as sf
    face, body = sf.build_scene(fps=P["fps"], fps_base=P["fps_base"], frame_start=P["start"])
    ARTIST = sf.add_artist_action(face) if P["with_artist"] else None
    s = bpy.context.scene.speech_animator
    s.audio_path = P["audio"]
    s.face_object = face
    s.armature = body
    s.what = P["what"]
    s.face_model = P["face_model"]
    s.frame_start = P["start"]
    bpy.ops.ed.undo_push(message="before generate")
    # from Python, bpy.ops pushes an undo step only when asked (3rd argument); the UI always does
    result = bpy.ops.speechanim.generate('EXEC_DEFAULT', True)
    key = bpy.data.objects["Face"].data.shape_keys
    from speech_animator.addon import layers
    action, slot = layers.generated_action(key)  # the active action, or the base track under the artist's edits
    curves = {f.data_path: f for f in compat.action_fcurves(action, slot)} if action else {}
    def values(path):
        fc = curves[path]
        co = np.empty(2 * len(fc.keyframe_points)); fc.keyframe_points.foreach_get("co", co)
        return co[0::2].tolist(), co[1::2].tolist()
    rate = scene_rate(P["fps"], P["fps_base"])
    out = {"result": list(result), "action": action.name if action else None, "tag": bake.tag_of(action),
           "paths": sorted(curves), "expected_frames": num_frames(load_audio(P["audio"]).duration_s, rate),
           "rate": rate, "curves": {n: values(f'key_blocks["{n}"].value') for n in
                                   ("jawOpen", "mouthClose", "mouthFunnel", "eyeBlinkLeft") if f'key_blocks["{n}"].value' in curves},
           "all_min": min(min(values(p)[1]) for p in curves) if curves else None,
           "all_max": max(max(values(p)[1]) for p in curves) if curves else None,
           "nla": [[t.name, [st.action.name for st in t.strips]] for t in key.animation_data.nla_tracks] if key.animation_data else []}
    if P["with_artist"]:
        art = bpy.data.actions[ARTIST]
        out["artist_keys"] = [list(k.co) for f in compat.action_fcurves(art) for k in f.keyframe_points]
    body_action, body_slot = compat.assigned(bpy.data.objects["Body"])
    out["body_action"] = body_action.name if body_action else None
    out["body_paths"] = sorted({f.data_path for f in compat.action_fcurves(body_action, body_slot)}) if body_action else []
    bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    a, _ = compat.assigned(key)
    out["after_undo"] = {"face_action": a.name if a else None,
                         "generated": sorted(x.name for x in bpy.data.actions if bake.is_generated(x)),
                         "nla": len(key.animation_data.nla_tracks) if key.animation_data else 0}
    bpy.ops.ed.redo()
    out["after_redo"] = sorted(x.name for x in bpy.data.actions if bake.is_generated(x))
    emit(out)
elif P["case"] == "keyed_poses":
    import bpy, numpy as np
    from mathutils import Quaternion
    scenario.EXTENSION.register()
    from speech_animator.addon import bake, compat
    import scene_fixtures as sf
    face, body = sf.build_scene()
    pb = body.pose.bones["right_elbow"]
    pb.rotation_mode = 'QUATERNION'
    keyed = {10: Quaternion((1, 0, 0), 0.8), 40: Quaternion((0, 0, 1), -0.6)}
    for frame, q in keyed.items():
        pb.rotation_quaternion = q
        pb.keyframe_insert("rotation_quaternion", frame=frame)
    body.animation_data.action.name = "ArtistBody"
    s = bpy.context.scene.speech_animator
    s.audio_path = P["audio"]; s.armature = body; s.what = 'BODY'
    assert bpy.ops.speechanim.use_keys_as_prompts() == {'FINISHED'}
    result = list(bpy.ops.speechanim.generate())
    from speech_animator.addon import layers
    action, slot = layers.generated_action(body)
    out = {"result": result, "action": action.name, "nla": [t.name for t in body.animation_data.nla_tracks]}
    body.animation_data.use_nla = False  # evaluate the generated action alone
    got = {}
    for frame, q in keyed.items():
        bpy.context.scene.frame_set(frame)
        got[frame] = abs(pb.rotation_quaternion.rotation_difference(q).angle)
    out["angle_err_deg"] = {str(f): float(np.degrees(a)) for f, a in got.items()}
    emit(out)
scenario.finish()
