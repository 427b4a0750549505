"""Install the built zip with Blender's installer, then disable and re-enable it; report what is
registered at each step and where the runtime wheels were installed.

Params: ``installs_zip`` (true), ``zip``, ``users`` (BLENDER_USER_RESOURCES).
"""

import scenario  # noqa: I001  (sets sys.path; with installs_zip it does not load the checkout)

import os
import sys

import addon_utils
import bpy

P = scenario.PARAMS
r = bpy.ops.extensions.package_install_files(filepath=P["zip"], repo="user_default", enable_on_install=True)
MOD = "bl_ext.user_default.speech_animator"
sys.path.insert(0, os.path.join(P["users"], "extensions", ".local", "lib", "python3.11", "site-packages"))
import onnxruntime  # noqa: E402  (from the bundled wheels, installed above)
import soundfile  # noqa: E402
import soxr  # noqa: E402


def op_ok(name):
    try:
        return bool(getattr(bpy.ops.speechanim, name).get_rna_type())
    except (KeyError, AttributeError):
        return False


def state():
    return {"enabled": MOD in bpy.context.preferences.addons, "panel": hasattr(bpy.types, "SPEECHANIM_PT_main"),
            "ops": [op_ok(n) for n in ("generate", "clear", "add_sound_strip")],
            "scene_prop": hasattr(bpy.types.Scene, "speech_animator")}


installed = state()
addon_utils.disable(MOD, default_set=True)
disabled = state()
addon_utils.enable(MOD, default_set=True)
scenario.emit({"result": list(r), "installed": installed, "disabled": disabled, "reenabled": state(),
               "ort": onnxruntime.__file__, "providers": onnxruntime.get_available_providers(),
               "soundfile": soundfile.__file__, "soxr": soxr.__file__})
scenario.finish()
