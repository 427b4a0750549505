"""Transcript from a Blender Text datablock: ``generate_options`` uses it when the Transcript field
is empty (the typed field wins), and Generate aligns the words in it.

Params: ``audio`` (the bundled clip), ``words`` (its text).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy

import scene_fixtures as sf
from speech_animator.addon.bake import tag_of

P = scenario.PARAMS
scenario.register()
s = bpy.context.scene.speech_animator
out = {"none": s.generate_options(bpy.context.scene).transcript}
text = bpy.data.texts.new("Lines")
text.from_string(P["words"].replace(". ", ".\n"))  # one sentence a line, as typed in the Text Editor
s.transcript_text = text
out["from_text"] = s.generate_options(bpy.context.scene).transcript
s.transcript = "   "
out["blank_field"] = s.generate_options(bpy.context.scene).transcript
s.transcript = "typed words"
out["typed"] = s.generate_options(bpy.context.scene).transcript
s.transcript = ""
face, _body = sf.build_scene()
s.audio_path, s.face_object, s.what, s.face_model = P["audio"], face, 'FACE', "fast"
out["result"] = list(bpy.ops.speechanim.generate())
out["face_model"] = [tag_of(a).get("face_model", "") for a in bpy.data.actions if a.name.startswith("demo_speech")]
scenario.emit(out)
scenario.finish()
