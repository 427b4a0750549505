"""The first minutes of a user (bpy 5.0): Generate fits the frame range and adds the sound strip
(undoable), a ``//``-relative audio path survives moving the .blend, Regenerate with "replace
previous" leaves no fake-user-only action and no ``.001`` base, transcript mode is reported.

The bpy side of tests/blender/test_first_minutes.py. Params: ``case`` (one of the functions below),
``audio`` (a speech-like file), ``folder`` (a scratch folder), ``words`` (``transcript`` case).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import os
import shutil

import bpy

import scene_fixtures as sf
from speech_animator.addon import compat, layers, pipeline

P = scenario.PARAMS
scenario.register()


def _strips(scene):
    from speech_animator.addon.timeline_audio import sound_strips, strip_file

    return [{"name": st.name, "frame_start": int(st.frame_start), "channel": int(st.channel),
             "stored": st.sound.filepath, "file": strip_file(st)} for st in sound_strips(scene)]


def _face_scene(fps=30, fps_base=1.0):
    face, _body = sf.build_scene(fps=fps, fps_base=fps_base)
    s = bpy.context.scene.speech_animator
    s.face_object, s.what, s.face_model = face, 'FACE', 'fast'
    return bpy.context.scene, s


def _range(scene):
    return [int(scene.frame_start), int(scene.frame_end)]


def range_strip_undo():
    scene, s = _face_scene(fps=30, fps_base=1.001)
    scene.frame_start, scene.frame_end = 5, 250
    s.audio_path, s.frame_start = P["audio"], 12
    out = {"audaspace": bool(bpy.app.build_options.audaspace), "before": _range(scene),
           "fps": scene.render.fps, "fps_base": scene.render.fps_base}
    bpy.ops.ed.undo_push(message="before Generate")
    out["r"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    out["after"], out["strips"] = _range(scene), _strips(scene)
    out["r_again"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    out["strips_again"] = _strips(bpy.context.scene)
    bpy.ops.ed.undo()
    bpy.ops.ed.undo()
    scene = bpy.context.scene
    out["undone"], out["strips_undone"] = _range(scene), _strips(scene)
    out["generated_undone"] = layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0] is not None
    s = scene.speech_animator
    s.use_frame_range = s.use_sound_strip = False
    out["r_off"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    out["off"], out["strips_off"] = _range(scene), _strips(scene)
    return out


def relative_moved():
    folder_a = os.path.join(P["folder"], "machine_a")
    os.makedirs(os.path.join(folder_a, "audio"))
    shutil.copy(P["audio"], os.path.join(folder_a, "audio", "clip.wav"))
    scene, s = _face_scene()
    s.audio_path = "//audio/clip.wav"
    prop = s.bl_rna.properties["audio_path"]
    out = {"option_known": "is_path_supports_blend_relative" in bpy.types.Property.bl_rna.properties,
           "blend_relative": bool(getattr(prop, "is_path_supports_blend_relative", False)),
           "audaspace": bool(bpy.app.build_options.audaspace)}
    bpy.ops.wm.save_as_mainfile(filepath=os.path.join(folder_a, "scene.blend"))
    folder_b = os.path.join(P["folder"], "machine_b")
    shutil.move(folder_a, folder_b)  # the project folder moves to another machine
    bpy.ops.wm.open_mainfile(filepath=os.path.join(folder_b, "scene.blend"))
    scene = bpy.context.scene
    s = scene.speech_animator
    out["stored"] = s.audio_path
    out["poll"] = bpy.ops.speechanim.generate.poll()
    job = pipeline.job_from_settings(s, bpy.context)
    out["job_audio"] = job.audio_path  # what the worker process and the prompts read
    out["r"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    key = bpy.data.objects["Face"].data.shape_keys
    out["action"] = layers.generated_action(key)[0].name
    out["strips"] = _strips(scene)
    s.regenerate, s.range_start, s.range_end = 'RANGE', 20, 40
    out["r_range"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    out["range_after"] = _range(scene)
    out["folder_b"] = folder_b
    return out


def _jaw_curve(action):
    return next(f for f in compat.action_fcurves(action) if f.data_path == 'key_blocks["jawOpen"].value')


def _actions():
    return [{"name": a.name, "users": int(a.users), "fake": bool(a.use_fake_user)} for a in bpy.data.actions]


def _played_jaw(scene, frame):
    scene.frame_set(frame)
    return float(bpy.data.objects["Face"].data.shape_keys.key_blocks["jawOpen"].value)


def regenerate_replace():
    scene, s = _face_scene()
    s.audio_path, s.replace_generated = P["audio"], True
    out = {"r1": list(bpy.ops.speechanim.generate())}
    key = bpy.data.objects["Face"].data.shape_keys
    fc = _jaw_curve(layers.generated_action(key)[0])
    fc.keyframe_points[20].co[1] = 0.9  # the artist's edit at frame 21
    fc.update()
    out["edited_played"] = _played_jaw(scene, 21)
    s.seed = 7  # a different take of the whole clip
    out["r2"] = list(bpy.ops.speechanim.generate())
    out["actions2"] = _actions()
    base = layers.base_strip(key)
    out["base_action"], out["base_strip"] = base.action.name, base.name
    out["active"] = compat.assigned(key)[0].name
    out["played_edit"] = _played_jaw(scene, 21)
    out["r3"] = list(bpy.ops.speechanim.generate())
    out["actions3"] = _actions()
    base = layers.base_strip(key)
    out["base_action3"], out["base_strip3"] = base.action.name, base.name
    out["played_edit3"] = _played_jaw(scene, 21)
    out["r_clear"] = list(bpy.ops.speechanim.clear())
    out["after_clear"] = compat.assigned(key)[0].name
    out["after_clear_jaw"] = _played_jaw(scene, 21)
    return out


def no_audaspace():
    """A Blender without Audaspace (the bpy 4.2 module), imitated: Generate still bakes and fits the
    range; the sound strip is a warning."""
    compat.has_audaspace = lambda: False
    scene, s = _face_scene()
    s.audio_path = P["audio"]
    return {"r": list(bpy.ops.speechanim.generate()), "range": _range(scene), "strips": _strips(scene),
            "generated": layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0] is not None}


def regenerate_added_curve():
    """An edit the delta layer cannot hold (a curve added to the generated action): the edited
    action itself becomes the edit layer; the new base still takes the plain name."""
    scene, s = _face_scene()
    s.audio_path, s.replace_generated = P["audio"], True
    out = {"r1": list(bpy.ops.speechanim.generate())}
    key = bpy.data.objects["Face"].data.shape_keys
    action, slot = compat.assigned(key)
    fc = compat.new_fcurve(compat.fcurve_container(action, slot), "eval_time", 0, "")
    fc.keyframe_points.insert(5, 10.0)
    out["edited"] = layers.edited_curves(action)
    out["r2"] = list(bpy.ops.speechanim.generate())
    out["actions"] = _actions()
    out["base"], out["base_strip"] = layers.base_action(key).name, layers.base_strip(key).name
    out["active"] = compat.assigned(key)[0].name
    return out


def transcript():
    scene, s = _face_scene()
    s.audio_path, s.transcript = P["audio"], P["words"]
    out = {"r": list(bpy.ops.speechanim.generate())}
    s.transcript = ""
    out["r_none"] = list(bpy.ops.speechanim.generate())
    return out


result = {"range_strip_undo": range_strip_undo, "relative_moved": relative_moved,
          "regenerate_replace": regenerate_replace, "transcript": transcript,
          "no_audaspace": no_audaspace, "regenerate_added_curve": regenerate_added_curve}[P["case"]]()
scenario.emit(result)
scenario.finish()
