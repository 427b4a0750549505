"""addon/bake.py in bpy: bulk keys, time base, ownership tag, NLA push, replace, clear, reduction.

The bpy side of tests/blender/test_bake.py.

Params: ``case`` (one of the blocks below, named after its test)."""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASE = P["case"]
CASES = (
    'bulk_bake_keys_every_frame_at_scene_rate_from_start_frame',
    'artist_action_with_few_channels_stays_on_top_and_a_full_clip_goes_under',
    'previous_generated_kept_unless_replace_and_clear_leaves_artist_actions_alone',
    'key_reduction_stays_within_tolerance_and_bad_values_change_nothing',
    'armature_quaternion_channels_and_rotation_mode',
    'targets_on_one_datablock_are_merged_into_one_action',
    'key_reduction_keeps_a_bones_rotation_channels_on_the_same_frames',
    'edit_check_catches_every_kind_of_edit_and_reads_old_layout_digests',
)
if CASE not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {CASE!r}")


import numpy as np, bpy
scenario.EXTENSION.register()
from speech_animator.addon import bake, compat
import scene_fixtures as sf
face, body = sf.build_scene(fps=24, fps_base=1.001)
key = face.data.shape_keys
T = 97
t = np.arange(T)
jaw = (0.5 + 0.5 * np.sin(t / 5.0)).astype(np.float32)
smile = np.linspace(0, 1, T).astype(np.float32)
def face_target(values=jaw):
    return bake.BakeTarget(key, (bake.Channel('key_blocks["jawOpen"].value', 0, values, "ARKit"),
                                 bake.Channel('key_blocks["mouthSmileLeft"].value', 0, smile, "ARKit")), "Face (Face)")
def curves(id_data):
    action, slot = compat.assigned(id_data)
    return {f"{f.data_path}[{f.array_index}]": f for f in compat.action_fcurves(action, slot)}
def stamped_as_read(action):
    """The digests the bake stored (from the co it wrote) equal digests read back from Blender."""
    from speech_animator.addon import layers
    tag = bake.tag_of(action)
    keys = tag["curve_keys"].split("\n")
    stored = {k: tag["curve_digests"][16 * i:16 * (i + 1)] for i, k in enumerate(keys)}
    return stored == layers.digests(action) and layers.edited_curves(action) == []

if CASE == "bulk_bake_keys_every_frame_at_scene_rate_from_start_frame":
    r = bake.bake([face_target()], 5, "/tmp/hello.wav", provenance={"face_model": "dsp", "fps": 24/1.001})
    action, slot = compat.assigned(key)
    fcs = curves(key)
    fc = fcs['key_blocks["jawOpen"].value[0]']
    co = np.empty(2 * len(fc.keyframe_points), np.float32); fc.keyframe_points.foreach_get("co", co)
    bpy.context.scene.frame_set(5 + 40)
    emit({"actions": list(r.actions), "keys": r.keys, "name": action.name, "tag": bake.tag_of(action),
          "paths": sorted(fcs), "groups": sorted({f.group.name for f in fcs.values()}),
          "frames": co[0::2].tolist(), "values": co[1::2].tolist(),
          "interp": sorted({k.interpolation for k in fc.keyframe_points}),
          "eval40": key.key_blocks["jawOpen"].value, "slots": hasattr(action, "slots"),
          "stamped_as_read": stamped_as_read(action),
          "id_type": slot.target_id_type if slot is not None else action.id_root})
elif CASE == "artist_action_with_few_channels_stays_on_top_and_a_full_clip_goes_under":
    name = sf.add_artist_action(face)   # keys jawOpen only: 1 of the 2 baked channels -> edit layer on top
    artist = bpy.data.actions[name]
    before = [tuple(k.co) for f in compat.action_fcurves(artist) for k in f.keyframe_points]
    r = bake.bake([face_target()], 1, "/tmp/a.wav")
    tracks = [(t.name, [s.action.name for s in t.strips]) for t in key.animation_data.nla_tracks]
    after = [tuple(k.co) for f in compat.action_fcurves(artist) for k in f.keyframe_points]
    bpy.context.scene.frame_set(10)
    evaluated = {"jaw": key.key_blocks["jawOpen"].value, "smile": key.key_blocks["mouthSmileLeft"].value}
    assigned_after_bake = compat.assigned(key)[0].name
    cleared, msgs = bake.clear([key])
    out = {"messages": list(r.messages), "tracks": tracks, "same": before == after, "evaluated": evaluated,
          "assigned_after_bake": assigned_after_bake, "cleared": cleared, "clear_msgs": msgs,
          "restored": compat.assigned(key)[0].name, "tracks_left": len(key.animation_data.nla_tracks),
          "actions": sorted(a.name for a in bpy.data.actions)}
    # a full clip (both channels keyed) is moved under the generated animation; Clear restores it
    kb = key.key_blocks["mouthSmileLeft"]; kb.value = 0.3; kb.keyframe_insert("value", frame=1)
    r = bake.bake([face_target()], 1, "/tmp/c.wav")
    out["full"] = {"messages": list(r.messages), "assigned": compat.assigned(key)[0].name,
                   "tracks": [t.name for t in key.animation_data.nla_tracks]}
    bake.clear([key])
    out["full"]["restored"] = compat.assigned(key)[0].name
    emit(out)
elif CASE == "previous_generated_kept_unless_replace_and_clear_leaves_artist_actions_alone":
    bake.bake([face_target()], 1, "/tmp/a.wav")
    r2 = bake.bake([face_target()], 1, "/tmp/b.wav")
    kept = bpy.data.actions["a - Face (Face)"].use_fake_user
    r3 = bake.bake([face_target()], 1, "/tmp/b.wav", replace_generated=True)
    names = sorted(a.name for a in bpy.data.actions)
    # an action we do not own is never cleared
    bake.clear([key]); sf.add_artist_action(face, "Mine")
    bake.bake([face_target()], 1, "/tmp/b.wav", replace_generated=True); bake.clear([key])
    cleared, msgs = bake.clear([key])
    emit({"r2": list(r2.messages), "kept": kept, "r3": list(r3.actions), "names": names,
          "cleared": cleared, "msgs": msgs, "still": compat.assigned(key)[0].name})
elif CASE == "key_reduction_stays_within_tolerance_and_bad_values_change_nothing":
    r = bake.bake([face_target()], 10, "/tmp/a.wav", key_tolerance=0.01)
    fc = curves(key)['key_blocks["jawOpen"].value[0]']
    err = max(abs(fc.evaluate(10 + i) - float(jaw[i])) for i in range(T))
    interp = sorted({k.interpolation for k in fc.keyframe_points})
    stamped = stamped_as_read(compat.assigned(key)[0])
    bad = jaw.copy(); bad[3] = np.nan
    n_actions = len(bpy.data.actions)
    try:
        bake.bake([face_target(bad)], 1, "/tmp/bad.wav", replace_generated=True)
        err_msg = ""
    except bake.BakeError as exc:
        err_msg = str(exc)
    emit({"keys": r.keys, "dense": r.dense_keys, "err": err, "err_msg": err_msg, "interp": interp,
          "stamped_as_read": stamped,
          "unchanged": len(bpy.data.actions) == n_actions and compat.assigned(key)[0].name == "a - Face (Face)"})
elif CASE == "armature_quaternion_channels_and_rotation_mode":
    q = np.zeros((T, 4), np.float32); q[:, 0] = np.cos(t / 20.0); q[:, 3] = np.sin(t / 20.0)
    chans = tuple(bake.Channel('pose.bones["left_elbow"].rotation_quaternion', i, q[:, i], "left_elbow") for i in range(4))
    target = bake.BakeTarget(body, chans, "Body (Body)", quaternion_bones=("left_elbow",))
    r = bake.bake([target], 1, "/tmp/a.wav")
    bpy.context.scene.frame_set(31)
    emit({"mode": body.pose.bones["left_elbow"].rotation_mode, "paths": sorted(curves(body)),
          "q": list(body.pose.bones["left_elbow"].rotation_quaternion), "want": q[30].tolist()})
elif CASE == "targets_on_one_datablock_are_merged_into_one_action":
    q = np.ones(T, np.float32)
    a = bake.BakeTarget(body, (bake.Channel('pose.bones["jaw"].rotation_quaternion', 0, q, "jaw"),), "Face jaw (Body)", ("jaw",))
    b = bake.BakeTarget(body, (bake.Channel('pose.bones["head"].rotation_quaternion', 0, q, "head"),
                               bake.Channel('pose.bones["jaw"].rotation_quaternion', 0, q * 0.5, "jaw")), "Body (Body)", ("head",))
    r = bake.bake([a, b], 1, "/tmp/m.wav")
    fcs = curves(body)
    emit({"actions": list(r.actions), "paths": sorted(fcs),
          "jaw": fcs['pose.bones["jaw"].rotation_quaternion[0]'].keyframe_points[0].co[1],
          "modes": [body.pose.bones[n].rotation_mode for n in ("jaw", "head")]})
elif CASE == "key_reduction_keeps_a_bones_rotation_channels_on_the_same_frames":
    from mathutils import Quaternion
    ang = 0.6 * np.sin(t / 9.0) + 0.2 * np.sin(t / 3.1)
    q = np.stack([np.cos(ang / 2), np.sin(ang / 2) * 0.6, np.zeros(T), np.sin(ang / 2) * 0.8], axis=1).astype(np.float32)
    loc = np.stack([0.05 * np.sin(t / 7.0), np.zeros(T), 0.02 * np.cos(t / 5.0)], axis=1).astype(np.float32)
    chans = tuple(bake.Channel('pose.bones["pelvis"].rotation_quaternion', i, q[:, i], "pelvis") for i in range(4))
    chans += tuple(bake.Channel('pose.bones["pelvis"].location', i, loc[:, i], "pelvis") for i in range(3))
    tol = bake.KeyTolerance(value=0.01, rotation_deg=0.5, location_m=0.001)
    r = bake.bake([bake.BakeTarget(body, chans, "Body (Body)", ("pelvis",))], 1, "/tmp/q.wav", key_tolerance=tol)
    fcs = curves(body)
    frames = {p: [k.co[0] for k in f.keyframe_points] for p, f in fcs.items()}
    pb = body.pose.bones["pelvis"]
    worst = worst_loc = 0.0
    for i in range(T):
        bpy.context.scene.frame_set(1 + i)
        worst = max(worst, np.degrees(pb.rotation_quaternion.rotation_difference(Quaternion(q[i].tolist())).angle))
        worst_loc = max(worst_loc, float(np.linalg.norm(np.array(pb.location) - loc[i])))
    emit({"frames": frames, "worst_deg": worst, "worst_m": worst_loc, "keys": r.keys})
elif CASE == "edit_check_catches_every_kind_of_edit_and_reads_old_layout_digests":
    import hashlib
    from speech_animator.addon import layers

    def old_digest(fc):
        # the digest as stamped before layouts existed, read key by key through RNA (int32 enums)
        h = hashlib.blake2b(digest_size=8)
        h.update(f"{fc.data_path}[{fc.array_index}]".encode())
        kps = list(fc.keyframe_points)
        if kps:
            h.update(np.array([c for k in kps for c in k.co], np.float32).tobytes())
            items = bpy.types.Keyframe.bl_rna.properties
            for prop in ("interpolation", "handle_left_type", "handle_right_type"):
                h.update(np.array([items[prop].enum_items[getattr(k, prop)].value for k in kps], np.int32).tobytes())
            free = [k.handle_left_type in ("FREE", "ALIGNED") or k.handle_right_type in ("FREE", "ALIGNED") for k in kps]
            for side in ("handle_left", "handle_right"):
                h.update(np.array([c for k, f in zip(kps, free) if f for c in getattr(k, side)], np.float32).tobytes())
        h.update(",".join(m.type for m in fc.modifiers).encode())
        return h.hexdigest()

    edits = {
        "move_middle_key_value": lambda fc: setattr(fc.keyframe_points[48], "co", (fc.keyframe_points[48].co[0], 0.123)),
        "move_middle_key_frame": lambda fc: setattr(fc.keyframe_points[48], "co", (48.5 + 5, fc.keyframe_points[48].co[1])),
        "drag_a_handle": lambda fc: (setattr(fc.keyframe_points[60], "handle_left_type", "FREE"),
                                     setattr(fc.keyframe_points[60], "handle_left", (60.0, 0.9))),
        "handle_type_only": lambda fc: setattr(fc.keyframe_points[30], "handle_right_type", "VECTOR"),
        "interpolation": lambda fc: setattr(fc.keyframe_points[70], "interpolation", "CONSTANT"),
        "delete_a_key": lambda fc: fc.keyframe_points.remove(fc.keyframe_points[20]),
        "add_a_key": lambda fc: fc.keyframe_points.insert(20.5 + 5, 0.4),
        "modifier": lambda fc: fc.modifiers.new('NOISE'),
    }
    def fresh():
        key.animation_data_clear()
        for a in list(bpy.data.actions):
            bpy.data.actions.remove(a)
    out = {}
    for name, edit in edits.items():
        fresh()
        bake.bake([face_target()], 5, "/tmp/e.wav")
        action, _slot = compat.assigned(key)
        remembered = layers._remembered(action, action[layers.TAG]) is not None  # the bake's own material
        before = layers.edited_curves(action)
        edit(curves(key)['key_blocks["jawOpen"].value[0]'])
        after = layers.edited_curves(action)
        layers._REMEMBERED.clear()   # the same verdict by hashing alone
        out[name] = {"before": before, "after": after, "remembered": remembered,
                     "hashed": layers.edited_curves(action)}
    # past its limit a bake's memory keeps nothing (and drops what it had collected)
    memory = layers.BakeMemory(limit=100)
    memory.add(action, "a", b"x" * 60)
    memory.add(action, "b", b"x" * 60)
    memory.keep()
    over_limit_kept = len(layers._REMEMBERED)
    # an action stamped in layout 1 (no curve_digest_layout in its tag) is checked in layout 1
    fresh()
    bake.bake([face_target()], 5, "/tmp/e.wav")
    action, _slot = compat.assigned(key)
    tag = action[layers.TAG]
    fcs = sorted(compat.action_fcurves(action), key=layers.curve_key)
    fcs[0].keyframe_points[10].handle_left_type = "ALIGNED"   # free handles enter the digest
    tag["curve_keys"] = "\n".join(layers.curve_key(f) for f in fcs)
    tag["curve_digests"] = "".join(old_digest(f) for f in fcs)
    del tag["curve_digest_layout"]
    old_unedited = layers.edited_curves(action)
    fcs[1].keyframe_points[50].co = (55.0, 0.77)
    old_edited = layers.edited_curves(action)
    tag["curve_digest_layout"] = 99   # a layout this version does not know: edited, never deleted
    emit({"edits": out, "over_limit_kept": over_limit_kept, "old_unedited": old_unedited, "old_edited": old_edited,
          "layout1_matches_rna": layers.digests(action, layout=1) == {layers.curve_key(f): old_digest(f) for f in fcs},
          "unknown_layout": layers.edited_curves(action)})
scenario.finish()
