"""Generate the body with the EMAGE backend (checkpoint converted to ONNX by numpy, run by the
bundled onnxruntime) on the demo character; report what was keyed.

Params: ``audio``, ``checkpoint`` (an EMAGE checkpoint folder), ``cache`` (XDG_CACHE_HOME for the
converted ONNX files when the checkpoint folder is read-only), ``fps``.
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import os

import keyed

P = installed.PARAMS
os.environ["XDG_CACHE_HOME"] = P["cache"]
keyed.reset(int(P.get("fps", 30)))
face, arm = keyed.load_character("demo")
result = keyed.generate(audio_path=P["audio"], what='BOTH', face_object=face, armature=arm, body_model='emage',
                        emage_checkpoint=P["checkpoint"])
cached = sorted(os.path.relpath(os.path.join(d, f), P["cache"]) for d, _, fs in os.walk(P["cache"]) for f in fs)
installed.emit({"result": result, "face": keyed.summary(face.data.shape_keys), "body": keyed.summary(arm),
                "shape_keys": [kb.name for kb in face.data.shape_keys.key_blocks][1:], "cached": cached})
installed.finish()
