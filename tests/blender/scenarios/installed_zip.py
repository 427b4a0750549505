"""Install the built zip with Blender's installer, with the dev-only packages made unimportable,
then Generate (face and body) and Import Motion of an SMPL-X .bvh on the test scene.

Params: ``installs_zip`` (true), ``zip``, ``users`` (BLENDER_USER_RESOURCES), ``audio``, ``bvh``,
``blocked`` (top-level package names that must not be imported at run time); optional ``transcript``
and ``transcript_audio``: then Generate the face again in transcript mode (forced alignment with the
bundled pocketsphinx wheel).
"""

import sys

BLOCKED = tuple(__import__("json").loads(__import__("os").environ["SPEECHANIM_SCENARIO_PARAMS"])["blocked"])


class Block:
    """Import hook refusing the dev-only packages (before anything else is imported)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"dev-only package {name} imported at run time")


sys.meta_path.insert(0, Block())

import scenario  # noqa: E402,I001  (sets sys.path; with installs_zip it does not load the checkout)

import os  # noqa: E402

import bpy  # noqa: E402

import scene_fixtures as sf  # noqa: E402

P = scenario.PARAMS
bpy.ops.extensions.package_install_files(filepath=P["zip"], repo="user_default", enable_on_install=True)
sys.path.insert(0, os.path.join(P["users"], "extensions", ".local", "lib", "python3.11", "site-packages"))
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path, s.face_object, s.armature, s.what = P["audio"], face, body, 'BOTH'
out = {"result": list(bpy.ops.speechanim.generate())}
out["actions"] = sorted(a.name for a in bpy.data.actions)
s.frame_start = 200
out["bvh"] = list(bpy.ops.speechanim.import_motion(filepath=P["bvh"]))
action = body.animation_data.action
out["bvh_action"] = action.name if action else ""
mods = sorted({m.split(".")[0] for m in sys.modules})
out["blocked_loaded"] = [m for m in BLOCKED if m in mods]
out["soundfile"] = sys.modules["soundfile"].__file__
if P.get("transcript"):
    # transcript mode from the installed extension: pocketsphinx from the bundled wheel aligns the words
    s.audio_path, s.what, s.frame_start, s.transcript = P["transcript_audio"], 'FACE', 1, P["transcript"]
    out["transcript_result"] = list(bpy.ops.speechanim.generate())
    bake = sys.modules["bl_ext.user_default.speech_animator.addon.bake"]
    stem = os.path.splitext(os.path.basename(P["transcript_audio"]))[0]
    out["transcript_face_model"] = [bake.tag_of(a).get("face_model", "") for a in bpy.data.actions
                                    if a.name.startswith(stem + " - Face")]
    out["pocketsphinx"] = sys.modules["pocketsphinx"].__file__ if "pocketsphinx" in sys.modules else ""
out["face_modules"] = sorted(m for m in sys.modules if m.startswith("bl_ext.user_default.speech_animator.inference.face"))
scenario.emit(out)
scenario.finish()
