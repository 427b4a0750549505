"""Import Motion (``speechanim.import_motion``) of each given file onto the demo character with the
installed extension (.bvh through Blender's own BVH parser, BEAT2 ``.npz`` through numpy).

Params: ``files`` (paths, imported in order, each at frame ``frame_start``), ``fps`` (scene rate),
``window`` (frames read back per file, from the start).

Emits per file (``imports`` list, same order): ``result``, ``body`` / ``face``
(:func:`keyed.summary`), ``poses`` (``(window, 55, 3)`` SMPL-X axis-angle read back from the
baked armature by ``addon.exports.performance_from_scene``) and ``transl`` (``(window, 3)``).
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import bpy

import keyed

P = installed.PARAMS
scene = keyed.reset(int(P["fps"]))
face, arm = keyed.load_character("demo")
s = scene.speech_animator
s.face_object, s.armature, s.frame_start = face, arm, 1
exports = keyed.sub("addon.exports")
out = []
for path in P["files"]:
    r = {"result": sorted(bpy.ops.speechanim.import_motion(filepath=path)), "body": keyed.summary(arm),
         "face": keyed.summary(face.data.shape_keys)}
    back = exports.performance_from_scene(scene, None, arm, 1, int(P["window"]))
    r["poses"] = back.smplx_poses.tolist()
    r["transl"] = back.transl.tolist() if back.transl is not None else None
    out.append(r)
installed.emit({"imports": out, "actions": sorted(a.name for a in bpy.data.actions)})
installed.finish()
