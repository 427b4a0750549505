"""Generate (face and body) and Import Motion of an SMPL-X .bvh on the test scene with the
installed extension; optionally Generate the face again in transcript mode (forced alignment with
the bundled pocketsphinx wheel).

Params: ``audio``, ``bvh``; optional ``transcript`` and ``transcript_audio``.
"""

import installed  # noqa: I001  (first: blocks dev-only packages, enables the extension)

import os
import sys

import bpy

import scene_fixtures as sf

P = installed.PARAMS
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path, s.face_object, s.armature, s.what = P["audio"], face, body, 'BOTH'
out = {"result": list(bpy.ops.speechanim.generate())}
out["actions"] = sorted(a.name for a in bpy.data.actions)
s.frame_start = 200
out["bvh"] = list(bpy.ops.speechanim.import_motion(filepath=P["bvh"]))
action = body.animation_data.action
out["bvh_action"] = action.name if action else ""
out["soundfile"] = sys.modules["soundfile"].__file__
if P.get("transcript"):
    s.audio_path, s.what, s.frame_start, s.transcript = P["transcript_audio"], 'FACE', 1, P["transcript"]
    out["transcript_result"] = list(bpy.ops.speechanim.generate())
    bake = sys.modules[installed.MODULE + ".addon.bake"]
    stem = os.path.splitext(os.path.basename(P["transcript_audio"]))[0]
    out["transcript_face_model"] = [bake.tag_of(a).get("face_model", "") for a in bpy.data.actions
                                    if a.name.startswith(stem + " - Face")]
    out["pocketsphinx"] = sys.modules["pocketsphinx"].__file__ if "pocketsphinx" in sys.modules else ""
out["blocked_loaded"] = installed.blocked_loaded()
out["refused"] = installed.REFUSED
installed.emit(out)
installed.finish()
