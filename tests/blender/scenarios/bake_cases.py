"""addon/bake.py on the test scene (24/1.001 fps): one ``case`` per run.

Cases: ``bulk`` (every frame keyed from the start frame, tag, groups), ``artist_nla`` (an artist's
action moved to the NLA untouched, clear restores it), ``replace`` (previous generated kept unless
replace, clear leaves other actions alone), ``reduction`` (key reduction within tolerance; a NaN
channel changes nothing), ``quaternion`` (armature quaternion channels set the rotation mode),
``merge`` (two targets on one datablock become one action, later channels win).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

import scene_fixtures as sf
from speech_animator.addon import bake, compat

scenario.register()
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


def bulk():
    r = bake.bake([face_target()], 5, "/tmp/hello.wav", provenance={"face_model": "dsp", "fps": 24 / 1.001})
    action, slot = compat.assigned(key)
    fcs = curves(key)
    fc = fcs['key_blocks["jawOpen"].value[0]']
    co = np.empty(2 * len(fc.keyframe_points), np.float32)
    fc.keyframe_points.foreach_get("co", co)
    bpy.context.scene.frame_set(5 + 40)
    return {"actions": list(r.actions), "keys": r.keys, "name": action.name, "tag": bake.tag_of(action),
            "paths": sorted(fcs), "groups": sorted({f.group.name for f in fcs.values()}),
            "frames": co[0::2].tolist(), "values": co[1::2].tolist(),
            "interp": sorted({k.interpolation for k in fc.keyframe_points}),
            "eval40": key.key_blocks["jawOpen"].value, "slots": hasattr(action, "slots"),
            "id_type": slot.target_id_type if slot is not None else action.id_root}


def artist_nla():
    name = sf.add_artist_action(face)
    artist = bpy.data.actions[name]
    before = [tuple(k.co) for f in compat.action_fcurves(artist) for k in f.keyframe_points]
    r = bake.bake([face_target()], 1, "/tmp/a.wav")
    tracks = [(tr.name, [s.action.name for s in tr.strips]) for tr in key.animation_data.nla_tracks]
    after = [tuple(k.co) for f in compat.action_fcurves(artist) for k in f.keyframe_points]
    assigned_after_bake = compat.assigned(key)[0].name
    cleared, msgs = bake.clear([key])
    return {"messages": list(r.messages), "tracks": tracks, "same": before == after,
            "assigned_after_bake": assigned_after_bake, "cleared": cleared, "clear_msgs": msgs,
            "restored": compat.assigned(key)[0].name, "tracks_left": len(key.animation_data.nla_tracks),
            "actions": sorted(a.name for a in bpy.data.actions)}


def replace():
    bake.bake([face_target()], 1, "/tmp/a.wav")
    r2 = bake.bake([face_target()], 1, "/tmp/b.wav")
    kept = bpy.data.actions["a - Face (Face)"].use_fake_user
    r3 = bake.bake([face_target()], 1, "/tmp/b.wav", replace_generated=True)
    names = sorted(a.name for a in bpy.data.actions)
    bake.clear([key])  # an action we do not own is never cleared
    sf.add_artist_action(face, "Mine")
    cleared, msgs = bake.clear([key])
    return {"r2": list(r2.messages), "kept": kept, "r3": list(r3.actions), "names": names,
            "cleared": cleared, "msgs": msgs, "still": compat.assigned(key)[0].name}


def reduction():
    r = bake.bake([face_target()], 10, "/tmp/a.wav", key_tolerance=0.01)
    fc = curves(key)['key_blocks["jawOpen"].value[0]']
    err = max(abs(fc.evaluate(10 + i) - float(jaw[i])) for i in range(T))
    interp = sorted({k.interpolation for k in fc.keyframe_points})
    bad = jaw.copy()
    bad[3] = np.nan
    n_actions = len(bpy.data.actions)
    try:
        bake.bake([face_target(bad)], 1, "/tmp/bad.wav", replace_generated=True)
        err_msg = ""
    except bake.BakeError as exc:
        err_msg = str(exc)
    return {"keys": r.keys, "dense": r.dense_keys, "err": err, "err_msg": err_msg, "interp": interp,
            "unchanged": len(bpy.data.actions) == n_actions and compat.assigned(key)[0].name == "a - Face (Face)"}


def quaternion():
    q = np.zeros((T, 4), np.float32)
    q[:, 0], q[:, 3] = np.cos(t / 20.0), np.sin(t / 20.0)
    chans = tuple(bake.Channel('pose.bones["left_elbow"].rotation_quaternion', i, q[:, i], "left_elbow")
                  for i in range(4))
    bake.bake([bake.BakeTarget(body, chans, "Body (Body)", quaternion_bones=("left_elbow",))], 1, "/tmp/a.wav")
    bpy.context.scene.frame_set(31)
    return {"mode": body.pose.bones["left_elbow"].rotation_mode, "paths": sorted(curves(body)),
            "q": list(body.pose.bones["left_elbow"].rotation_quaternion), "want": q[30].tolist()}


def merge():
    q = np.ones(T, np.float32)
    a = bake.BakeTarget(body, (bake.Channel('pose.bones["jaw"].rotation_quaternion', 0, q, "jaw"),),
                        "Face jaw (Body)", ("jaw",))
    b = bake.BakeTarget(body, (bake.Channel('pose.bones["head"].rotation_quaternion', 0, q, "head"),
                               bake.Channel('pose.bones["jaw"].rotation_quaternion', 0, q * 0.5, "jaw")),
                        "Body (Body)", ("head",))
    r = bake.bake([a, b], 1, "/tmp/m.wav")
    fcs = curves(body)
    return {"actions": list(r.actions), "paths": sorted(fcs),
            "jaw": fcs['pose.bones["jaw"].rotation_quaternion[0]'].keyframe_points[0].co[1],
            "modes": [body.pose.bones[n].rotation_mode for n in ("jaw", "head")]}


CASES = {f.__name__: f for f in (bulk, artist_nla, replace, reduction, quaternion, merge)}
scenario.emit(CASES[scenario.PARAMS["case"]]())
scenario.finish()
