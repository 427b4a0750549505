"""Generate face + body on one test character with the installed extension; report what was keyed.

Params: ``kind`` (see :data:`keyed.KINDS`), ``characters`` (``../shared/data/characters``, for the
glTF kinds), ``audio``, ``fps``; optional ``transcript`` (the words of ``transcript_audio``): then
Generate the face once more in transcript mode on ``transcript_audio``.

Emits ``result`` (Generate's result set), ``face`` / ``body`` (:func:`keyed.summary` of the face's
shape keys and of the armature, ``None`` for a part the character lacks), ``face_name``,
``armature_name``, ``bone_count``, ``actions`` (all action names) and, with a transcript,
``transcript_result`` and ``transcript_face``.
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import bpy

import keyed

P = installed.PARAMS
keyed.reset(int(P.get("fps", 30)))
face, arm = keyed.load_character(P["kind"], P.get("characters"))
what = {(True, True): 'BOTH', (True, False): 'FACE', (False, True): 'BODY'}[(face is not None, arm is not None)]
settings = {"audio_path": P["audio"], "what": what, "frame_start": 1}
if face is not None:
    settings["face_object"] = face
if arm is not None:
    settings["armature"] = arm
out = {"result": keyed.generate(**settings), "what": what,
       "face_name": face.name if face else None, "armature_name": arm.name if arm else None,
       "bone_count": len(arm.data.bones) if arm else 0,
       "face": keyed.summary(face.data.shape_keys) if face else None,
       "body": keyed.summary(arm) if arm else None}
if face is not None:
    out["shape_keys"] = [kb.name for kb in face.data.shape_keys.key_blocks][1:]
if P.get("transcript"):
    out["transcript_result"] = keyed.generate(audio_path=P["transcript_audio"], transcript=P["transcript"],
                                              what='FACE')
    out["transcript_face"] = keyed.summary(face.data.shape_keys)
out["actions"] = sorted(a.name for a in bpy.data.actions)
installed.emit(out)
installed.finish()
