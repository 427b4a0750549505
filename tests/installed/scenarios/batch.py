"""The batch command (``blender -b scene.blend -c speech_animator ...``) of the installed extension
on a folder, then every output .blend opened and read.

The bpy module has no ``-c``: this runs the function the extension registered for that command
(``addon.cli.run``, after checking Blender has it registered) with the same arguments.

Params: ``work`` (a folder for ``scene.blend``), ``args`` (the command's arguments after the
scene; ``SCENE`` is replaced by the saved scene's path), ``outputs`` (output .blend paths to read),
``face`` / ``armature`` (object names in the scene), ``fps``.

Emits ``registered`` (the command is registered with Blender), ``exit_code`` and, per output,
``face`` / ``body`` (:func:`keyed.summary`) and ``tracks`` (NLA track names per datablock).
"""

import installed  # noqa: I001  (first: enables the installed extension, blocks dev-only packages)

import os

import bpy

import keyed

P = installed.PARAMS
cli = keyed.sub("addon.cli")
keyed.reset(int(P["fps"]))
keyed.load_character("demo")
scene_path = os.path.join(P["work"], "scene.blend")
bpy.ops.wm.save_as_mainfile(filepath=scene_path)
out = {"registered": cli._HANDLE["cli"] is not None and hasattr(bpy.utils, "register_cli_command"),
       "exit_code": cli.run([scene_path if a == "SCENE" else a for a in P["args"]]), "outputs": {}}
for path in P["outputs"]:
    if not os.path.isfile(path):
        out["outputs"][path] = None
        continue
    bpy.ops.wm.open_mainfile(filepath=path)
    key, arm = bpy.data.objects[P["face"]].data.shape_keys, bpy.data.objects[P["armature"]]
    out["outputs"][path] = {"face": keyed.summary(key), "body": keyed.summary(arm),
                            "generated": sorted(a.name for a in bpy.data.actions
                                                if keyed.sub("addon.bake").is_generated(a))}
installed.emit(out)
installed.finish()
