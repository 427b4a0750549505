"""Sidebar operators and panels on the test scene: one ``case`` per run.

Cases: ``poll`` (why Generate is disabled), ``generate_error`` (a broken file changes nothing),
``clear_undo`` (Clear restores the artist's action and is undoable), ``sound_strip`` (Add Sound
Strip at the start frame), ``panels`` (draw code uses only real properties and operators),
``selected_meshes`` (Generate also bakes onto selected meshes with keys).
Params: ``audio`` (a speech-like file), ``missing`` (a path that does not exist), ``bad`` (a broken file).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import os

import bpy

import scene_fixtures as sf
from speech_animator.addon import bake, compat, panel, preferences

scenario.register()
P = scenario.PARAMS
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator


def poll():
    g = bpy.ops.speechanim.generate.poll
    out = {"no_audio": g()}
    s.audio_path = P["missing"]
    out["missing_file"] = g()
    s.audio_path = P["audio"]
    out["no_target"] = g()
    s.what, s.face_object = 'BODY', face
    out["face_only_for_body"] = g()
    s.armature = body
    out["ok"] = g()
    out["clear_nothing"] = bpy.ops.speechanim.clear.poll()
    out["strip_ok"] = bpy.ops.speechanim.add_sound_strip.poll()
    return out


def generate_error():
    sf.add_artist_action(face)
    s.audio_path, s.face_object, s.what = P["bad"], face, 'FACE'
    before = sorted(a.name for a in bpy.data.actions)
    try:
        result, raised = list(bpy.ops.speechanim.generate()), ""
    except RuntimeError as exc:  # bpy.ops turns an ERROR report into RuntimeError
        result, raised = None, str(exc)
    key = face.data.shape_keys
    return {"result": result, "raised": raised, "actions": sorted(a.name for a in bpy.data.actions),
            "before": before, "assigned": compat.assigned(key)[0].name, "nla": len(key.animation_data.nla_tracks)}


def clear_undo():
    sf.add_artist_action(face)
    s.audio_path, s.face_object, s.armature, s.what, s.face_model = P["audio"], face, body, 'BOTH', 'fast'
    bpy.ops.ed.undo_push(message="start")  # background mode: the undo system starts on the first push
    bpy.ops.speechanim.generate('EXEC_DEFAULT', True)
    generated = sorted(a.name for a in bpy.data.actions if bake.is_generated(a))
    can_clear = bpy.ops.speechanim.clear.poll()
    bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
    key = bpy.data.objects["Face"].data.shape_keys
    body_action = compat.assigned(bpy.data.objects["Body"])[0]
    after_clear = {"face": compat.assigned(key)[0].name, "body": body_action.name if body_action else None,
                   "generated": sorted(a.name for a in bpy.data.actions if bake.is_generated(a)),
                   "nla": len(key.animation_data.nla_tracks)}
    bpy.ops.ed.undo()
    key = bpy.data.objects["Face"].data.shape_keys
    return {"generated": generated, "can_clear": can_clear, "after_clear": after_clear,
            "after_undo": compat.assigned(key)[0].name}


def sound_strip():
    s.audio_path, s.frame_start = P["audio"], 25
    if not bpy.app.build_options.audaspace:
        return {"skip": "this bpy module is built without Audaspace (bpy 4.2 wheels): no sound strips"}
    r1 = bpy.ops.speechanim.add_sound_strip()
    r2 = bpy.ops.speechanim.add_sound_strip()
    strips = compat.sound_strips(bpy.context.scene)
    return {"r": [list(r1), list(r2)],
            "strips": sorted((st.type, st.frame_start, st.channel, st.sound.filepath) for st in strips)}


def panels():
    problems = []

    class Layout:
        def __init__(self):
            self.use_property_split = self.use_property_decorate = self.active = False
            self.scale_y = 1

        def prop(self, data, name, **kw):
            if name not in data.bl_rna.properties:
                problems.append(f"prop {name}")

        def operator(self, idname, **kw):
            mod, name = idname.split(".")
            try:
                getattr(getattr(bpy.ops, mod), name).get_rna_type()
            except (KeyError, AttributeError):
                problems.append(f"operator {idname}")

        def progress(self, **kw):
            pass

        def label(self, **kw):
            pass

        def row(self, **kw):
            return Layout()

        def column(self, **kw):
            return Layout()

    class Ctx:
        scene = bpy.context.scene
        window_manager = bpy.context.window_manager

    drawn = []
    for what in ("FACE", "BODY", "BOTH"):
        s.what = what
        for cls in panel.CLASSES:
            cls.draw(type("P", (), {"layout": Layout()})(), Ctx())
            drawn.append(cls.__name__)
    preferences.SPEECHANIM_AP_preferences.draw(type("P", (), {"layout": Layout()})(), Ctx())
    return {"problems": problems, "drawn": sorted(set(drawn)),
            "registered": [hasattr(bpy.types, c.__name__) for c in panel.CLASSES]}


def selected_meshes():
    teeth = sf.make_face("Teeth", names=("jawOpen", "mouthClose"))
    plain = bpy.data.objects.new("NoKeys", bpy.data.meshes.new("NoKeys"))
    bpy.context.scene.collection.objects.link(plain)
    for ob in (teeth, plain):
        ob.select_set(True)
    s.audio_path, s.face_object, s.what, s.face_model = P["audio"], face, 'FACE', 'fast'
    s.face_include_selected = True
    out = {"r": list(bpy.ops.speechanim.generate())}
    for name in ("Face", "Teeth"):
        key = bpy.data.objects[name].data.shape_keys
        a, slot = compat.assigned(key)
        out[name] = sorted(f.data_path for f in compat.action_fcurves(a, slot))
    return out


CASES = {f.__name__: f for f in (poll, generate_error, clear_undo, sound_strip, panels, selected_meshes)}
scenario.emit(CASES[P["case"]]())
scenario.finish()
