"""Generate face + body on the demo character with the installed extension, then Export Motion
(``speechanim.export_motion``) to .npz, .csv and .bvh over the clip, then Import Motion of the
exported .bvh onto the same character (the round trip an artist expects to be exact).

Params: ``audio``, ``out`` (folder for ``take.npz`` / ``take.csv`` / ``take.bvh``), ``fps``.

Emits ``result`` (Generate), ``exports`` (format -> result set), ``frames`` (the clip's last frame),
``face`` / ``body`` (:func:`keyed.summary`) and ``arkit`` (``(frames, 52)``: the face's F-curves
read at every frame, ARKit order; 0 for keys the mesh lacks), to compare with the files;
``reimport`` (Import Motion's result set) and ``reimported_poses`` (``(frames, 55, 3)``: SMPL-X
axis-angle read back from the armature after the import, by ``addon.exports.performance_from_scene``).
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import os

import bpy

import keyed

P = installed.PARAMS
scene = keyed.reset(int(P["fps"]))
face, arm = keyed.load_character("demo")
out = {"result": keyed.generate(audio_path=P["audio"], what='BOTH', face_object=face, armature=arm)}
key = face.data.shape_keys
action, slot = keyed.sub("addon.layers").generated_action(key)
n = int(round(action.frame_range[1]))
curves = {f.data_path: f for f in keyed.sub("addon.compat").action_fcurves(action, slot)}
names = keyed.sub("rigs.arkit").ARKIT_NAMES
out["arkit"] = [[curves[f'key_blocks["{a}"].value'].evaluate(f) if f'key_blocks["{a}"].value' in curves else 0.0
                 for a in names] for f in range(1, n + 1)]
out["exports"] = {fmt: sorted(bpy.ops.speechanim.export_motion(filepath=os.path.join(P["out"], f"take.{ext}"),
                                                               format=fmt, frame_start=1, frame_end=n))
                  for fmt, ext in (("NPZ", "npz"), ("CSV", "csv"), ("BVH", "bvh"))}
out.update(frames=n, face=keyed.summary(key), body=keyed.summary(arm))
scene.speech_animator.frame_start = 1
out["reimport"] = sorted(bpy.ops.speechanim.import_motion(filepath=os.path.join(P["out"], "take.bvh")))
back = keyed.sub("addon.exports").performance_from_scene(scene, None, arm, 1, n)
out["reimported_poses"] = back.smplx_poses.tolist()
installed.emit(out)
installed.finish()
