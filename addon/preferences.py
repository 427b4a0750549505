"""Add-on preferences: onnxruntime execution providers and the optional GPU runtime.

The bundled wheel is the CPU build of onnxruntime. "Install GPU Runtime" pip-installs
``onnxruntime-gpu`` (same version, CUDA 12 build) into this extension's private user folder
(``bpy.utils.extension_path_user(<package>, path="gpu_runtime")``); on the next start of Blender
that folder is put first on ``sys.path`` so the GPU build is imported instead of the CPU one.
It needs an NVIDIA driver with CUDA 12 and cuDNN 9 libraries that onnxruntime can find.
"""

from __future__ import annotations

import os
import subprocess
import sys

import bpy

#: The extension's package (``bl_ext.<repo>.speech_animator`` inside Blender).
PACKAGE = __package__.rpartition(".")[0]
GPU_PACKAGE = "onnxruntime-gpu==1.20.1"


def gpu_runtime_dir(create: bool = False) -> str:
    """Private folder for the optional GPU runtime ("" when not running as an extension)."""
    try:
        return bpy.utils.extension_path_user(PACKAGE, path="gpu_runtime", create=create)
    except (ValueError, AttributeError):  # not installed as an extension (e.g. tools/bake.py)
        return ""


def activate_gpu_runtime() -> bool:
    """Put an installed GPU runtime first on ``sys.path`` (only effective before onnxruntime is imported)."""
    path = gpu_runtime_dir()
    if not path or not os.path.isdir(os.path.join(path, "onnxruntime")) or "onnxruntime" in sys.modules:
        return False
    if path not in sys.path:
        sys.path.insert(0, path)
    return True


def _providers() -> str:
    try:
        from ..inference.runtime import available_providers

        return ", ".join(available_providers())
    except Exception as exc:  # onnxruntime missing or broken: show why
        return f"onnxruntime not available ({exc})"


class SPEECHANIM_OT_install_gpu_runtime(bpy.types.Operator):
    """Download onnxruntime-gpu (several hundred MB) into this extension's user folder; restart Blender after"""

    bl_idname = "speechanim.install_gpu_runtime"
    bl_label = "Install GPU Runtime (onnxruntime-gpu)"

    @classmethod
    def poll(cls, context):
        if not gpu_runtime_dir():
            cls.poll_message_set("Only available when installed as an extension")
            return False
        return True

    def invoke(self, context, event):
        return context.window_manager.invoke_confirm(self, event)

    def execute(self, context):
        target = gpu_runtime_dir(create=True)
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--upgrade", "--target", target, GPU_PACKAGE]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            self.report({'ERROR'}, f"pip failed (exit {proc.returncode}): {proc.stderr.strip()[-400:]}")
            return {'CANCELLED'}
        self.report({'INFO'}, f"Installed {GPU_PACKAGE} into {target}; restart Blender to use it")
        return {'FINISHED'}


def smplx_model_path() -> str:
    """The user's SMPL-X model file (preference; ``""`` when unset or the add-on is not registered)."""
    addon = bpy.context.preferences.addons.get(PACKAGE)
    return getattr(addon.preferences, "smplx_model_path", "") if addon and addon.preferences else ""


class SPEECHANIM_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    smplx_model_path: bpy.props.StringProperty(
        name="SMPL-X Model", subtype='FILE_PATH', default="",
        description="Your own SMPLX_NEUTRAL.npz (licensed, not included): exact SMPL-X rest joints for "
                    "retargeting instead of the built-in approximate skeleton")

    def draw(self, context):
        layout = self.layout
        layout.prop(self, "smplx_model_path")
        layout.label(text=f"onnxruntime execution providers: {_providers()}")
        path = gpu_runtime_dir()
        if path and os.path.isdir(os.path.join(path, "onnxruntime")):
            layout.label(text=f"GPU runtime installed in {path}")
        layout.operator(SPEECHANIM_OT_install_gpu_runtime.bl_idname, icon='IMPORT')


CLASSES = (SPEECHANIM_OT_install_gpu_runtime, SPEECHANIM_AP_preferences)


def register() -> None:
    activate_gpu_runtime()
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister() -> None:
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
