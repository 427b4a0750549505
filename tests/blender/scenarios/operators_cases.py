"""Operators and panels in bpy: poll reasons, errors, Clear + undo, Add Sound Strip, panel draw code.

The bpy side of tests/blender/test_operators.py.

Params: ``case`` (one of the blocks below, named after its test)."""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASE = P["case"]
CASES = (
    'poll_says_why_generate_is_disabled',
    'generate_error_reports_and_changes_nothing',
    'clear_restores_artist_action_and_is_undoable',
    'add_sound_strip_once_per_file_or_a_warning_without_audaspace',
    'panels_draw_only_real_properties_and_operators',
    'generate_also_bakes_onto_selected_meshes_with_keys',
    'generate_options_from_the_panel',
)
if CASE not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {CASE!r}")


import bpy
scenario.EXTENSION.register()
from speech_animator.addon import bake, compat, panel
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator

if CASE == "poll_says_why_generate_is_disabled":
    g = bpy.ops.speechanim.generate.poll
    out = {"no_audio": g()}
    s.audio_path = P['missing']; out["missing_file"] = g()
    s.audio_path = P['audio']; out["no_target"] = g()
    s.what = 'BODY'; s.face_object = face; out["face_only_for_body"] = g()
    s.armature = body; out["ok"] = g()
    out["clear_nothing"] = bpy.ops.speechanim.clear.poll()
    out["strip_ok"] = bpy.ops.speechanim.add_sound_strip.poll()
    emit(out)
elif CASE == "generate_error_reports_and_changes_nothing":
    sf.add_artist_action(face)
    s.audio_path = P['bad']; s.face_object = face; s.what = 'FACE'
    before = sorted(a.name for a in bpy.data.actions)
    try:
        result = list(bpy.ops.speechanim.generate())
        raised = ""
    except RuntimeError as exc:  # bpy.ops turns an ERROR report into RuntimeError
        result, raised = None, str(exc)
    key = face.data.shape_keys
    emit({"result": result, "raised": raised, "actions": sorted(a.name for a in bpy.data.actions), "before": before,
          "assigned": compat.assigned(key)[0].name, "nla": len(key.animation_data.nla_tracks)})
elif CASE == "clear_restores_artist_action_and_is_undoable":
    sf.add_artist_action(face)
    s.audio_path = P['audio']; s.face_object = face; s.armature = body; s.what = 'BOTH'; s.face_model = 'fast'
    bpy.ops.ed.undo_push(message="start")  # background mode: the undo system starts on the first push
    bpy.ops.speechanim.generate('EXEC_DEFAULT', True)
    generated = sorted(a.name for a in bpy.data.actions if bake.is_generated(a))
    can_clear = bpy.ops.speechanim.clear.poll()
    bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
    key = bpy.data.objects["Face"].data.shape_keys
    after_clear = {"face": compat.assigned(key)[0].name, "body": compat.assigned(bpy.data.objects["Body"])[0],
                   "generated": sorted(a.name for a in bpy.data.actions if bake.is_generated(a)),
                   "nla": len(key.animation_data.nla_tracks)}
    after_clear["body"] = after_clear["body"].name if after_clear["body"] else None
    bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    from speech_animator.addon import layers
    emit({"generated": generated, "can_clear": can_clear, "after_clear": after_clear,
          "after_undo": [compat.assigned(key)[0].name, layers.generated_action(key)[0].name]})
elif CASE == "add_sound_strip_once_per_file_or_a_warning_without_audaspace":
    s.audio_path = P['audio']; s.frame_start = 25
    if not bpy.app.build_options.audaspace:  # the bpy 4.2 module: a warning, nothing added, no exception
        r = bpy.ops.speechanim.add_sound_strip()
        emit({"no_audaspace": list(r), "strips": len(compat.sound_strips(bpy.context.scene))})
        import os; os._exit(0)
    bpy.ops.ed.undo_push(message="start")
    r1 = bpy.ops.speechanim.add_sound_strip('EXEC_DEFAULT', True)
    r2 = bpy.ops.speechanim.add_sound_strip('EXEC_DEFAULT', True)   # same file, same frame: nothing added
    s = bpy.context.scene.speech_animator
    s.frame_start = 40
    r3 = bpy.ops.speechanim.add_sound_strip('EXEC_DEFAULT', True)   # same file, new frame: moved
    strips = compat.sound_strips(bpy.context.scene)
    out = {"r": [list(r1), list(r2), list(r3)],
           "strips": sorted((st.type, st.frame_start, st.channel, st.sound.filepath) for st in strips)}
    bpy.ops.ed.undo()
    out["after_undo"] = [st.frame_start for st in compat.sound_strips(bpy.context.scene)]
    emit(out)
elif CASE == "panels_draw_only_real_properties_and_operators":
    from ui_recorder import draw_panel
    problems = []
    class Ctx:
        scene = bpy.context.scene
        window_manager = bpy.context.window_manager
    drawn = []
    bpy.context.scene.sequence_editor_create()
    for what, source, regen in (("FACE", "FILE", "ALL"), ("BODY", "STRIP", "RANGE"), ("BOTH", "CHANNEL", "PREVIEW")):
        s.what, s.audio_source, s.regenerate = what, source, regen
        for cls in panel.CLASSES:
            draw_panel(cls, Ctx(), problems)
            drawn.append(cls.__name__)
    from speech_animator.addon import preferences
    draw_panel(preferences.SPEECHANIM_AP_preferences, Ctx(), problems, bl_rna=preferences.SPEECHANIM_AP_preferences.bl_rna)
    emit({"problems": problems, "drawn": sorted(set(drawn)), "registered": [hasattr(bpy.types, c.__name__) for c in panel.CLASSES]})
elif CASE == "generate_also_bakes_onto_selected_meshes_with_keys":
    teeth = sf.make_face("Teeth", names=("jawOpen", "mouthClose"))
    plain = bpy.data.objects.new("NoKeys", bpy.data.meshes.new("NoKeys"))
    bpy.context.scene.collection.objects.link(plain)
    for ob in (teeth, plain):
        ob.select_set(True)
    s.audio_path = P['audio']; s.face_object = face; s.what = 'FACE'; s.face_model = 'fast'
    s.face_include_selected = True
    r = list(bpy.ops.speechanim.generate())
    out = {"r": r}
    for name in ("Face", "Teeth"):
        key = bpy.data.objects[name].data.shape_keys
        a, slot = compat.assigned(key)
        out[name] = sorted(f.data_path for f in compat.action_fcurves(a, slot))
    emit(out)
elif CASE == "generate_options_from_the_panel":
    # the panel's settings -> GenerateOptions (built by GenerateOptions.from_mapping), at NTSC film rate
    from speech_animator.inference.options import GenerateOptions, GestureStyle
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.001
    s.what, s.device, s.intensity, s.smoothing, s.seed = 'BODY', 'CPU', 1.5, 0.25, 7
    s.procedural_face, s.part_hands, s.part_face = False, False, False
    s.gesture_energy, s.gesture_rate, s.handedness, s.posture = 0.5, 1.25, 'left', 'open'
    got = s.generate_options(scene)
    want = GenerateOptions(fps=24 / scene.render.fps_base, face=False, body=True, face_model=s.face_model or "default",
                           body_model=s.body_model or "default", device="cpu", intensity=1.5, smoothing=0.25,
                           seed=7, procedural_face=False, body_parts=("upper", "lower"),
                           gesture=GestureStyle(energy=0.5, rate=1.25, handedness="left", posture="open"))
    s.what, s.intensity = 'BOTH', 2.0
    both = s.generate_options(scene)
    emit({"equal": got == want, "got": repr(got), "want": repr(want), "both": [both.face, both.body, both.intensity]})
scenario.finish()
