"""The extension as Blender's installer left it: enabled by the saved preferences, then
disabled and re-enabled; report what is registered at each step and where the bundled wheels load from.

Params: none.
"""

import installed  # noqa: I001  (first: blocks dev-only packages, enables the extension)

import sys

import addon_utils
import bpy

import numpy
import onnxruntime
import soundfile
import soxr

MOD = installed.MODULE


def op_ok(name):
    try:
        return bool(getattr(bpy.ops.speechanim, name).get_rna_type())
    except (KeyError, AttributeError):
        return False


def state():
    return {"enabled": MOD in bpy.context.preferences.addons, "panel": hasattr(bpy.types, "SPEECHANIM_PT_main"),
            "ops": [op_ok(n) for n in ("generate", "clear", "add_sound_strip")],
            "scene_prop": hasattr(bpy.types.Scene, "speech_animator")}


enabled = state()
addon_utils.disable(MOD, default_set=True)
disabled = state()
addon_utils.enable(MOD, default_set=True)
installed.emit({"enabled_by_userpref": installed.ENABLED_BY_USERPREF, "installed": enabled, "disabled": disabled,
                "reenabled": state(), "ext": installed.ext.__file__,
                "ort": onnxruntime.__file__, "providers": onnxruntime.get_available_providers(),
                "soundfile": soundfile.__file__, "soxr": soxr.__file__, "numpy": numpy.__version__,
                "python": "%d.%d" % sys.version_info[:2], "blocked_loaded": installed.blocked_loaded()})
installed.finish()
