"""Add-on preferences: onnxruntime execution providers and the optional GPU runtime.

The bundled wheel is the CPU build of onnxruntime. "Install GPU Runtime" installs ``onnxruntime-gpu``
(pinned version and SHA-256, see :mod:`addon.gpu_runtime`) into this extension's private user folder
(``bpy.utils.extension_path_user(<package>, path="gpu_runtime")``); on the next start of Blender that
folder is put first on ``sys.path`` so the GPU build is imported instead of the CPU one. It needs an
NVIDIA driver with CUDA 12 and cuDNN 9 libraries that onnxruntime can find.

The download needs Blender's "Allow Online Access" (``bpy.app.online_access``) and is declared as the
``network`` permission in ``blender_manifest.toml``. pip runs in a child process; a modal operator's
timer shows its progress in the status bar and these preferences, and Esc (or Cancel) stops it.
Offline: "Install GPU Runtime from File" takes a wheel downloaded elsewhere (hash-checked).
"""

from __future__ import annotations

import os
import sys

import bpy

from . import gpu_runtime

#: The extension's package (``bl_ext.<repo>.speech_animator`` inside Blender).
PACKAGE = __package__.rpartition(".")[0]
GPU_PACKAGE = f"onnxruntime-gpu=={gpu_runtime.GPU_VERSION}"

_STATE: dict = {"job": None, "last": ""}  # the running PipInstall and the last outcome message


def gpu_runtime_dir(create: bool = False) -> str:
    """Private folder for the optional GPU runtime ("" when not running as an extension)."""
    try:
        return bpy.utils.extension_path_user(PACKAGE, path="gpu_runtime", create=create)
    except (ValueError, AttributeError):  # not installed as an extension (e.g. tools/bake.py)
        return ""


def emage_checkpoint_preference() -> str:
    """The EMAGE checkpoint folder set in the add-on preferences ("" when unset or not registered)."""
    addon = bpy.context.preferences.addons.get(PACKAGE)
    path = getattr(getattr(addon, "preferences", None), "emage_checkpoint", "") if addon else ""
    return bpy.path.abspath(path) if path else ""


def activate_gpu_runtime() -> bool:
    """Put an installed GPU runtime first on ``sys.path`` (only effective before onnxruntime is imported)."""
    path = gpu_runtime_dir()
    if not path or not os.path.isdir(os.path.join(path, "onnxruntime")) or "onnxruntime" in sys.modules:
        return False
    if path not in sys.path:
        sys.path.insert(0, path)
    return True


def online_access() -> bool:
    """``bpy.app.online_access`` (Blender 4.2+): the user allows extensions to go online."""
    return bool(getattr(bpy.app, "online_access", False))


def _providers() -> str:
    try:
        from ..inference.runtime import available_providers

        return ", ".join(available_providers())
    except Exception as exc:  # onnxruntime missing or broken: show why
        return f"onnxruntime not available ({exc})"


def _redraw(context) -> None:
    for window in getattr(context.window_manager, "windows", []):
        for area in window.screen.areas:
            if area.type == 'PREFERENCES':
                area.tag_redraw()


class _InstallBase:
    """Modal install: start :class:`gpu_runtime.PipInstall`, poll it on a timer, Esc cancels."""

    _timer = None

    def _start(self, context, wheel: str = ""):
        if _STATE["job"] is not None:
            self.report({'ERROR'}, "A GPU runtime install is already running")
            return {'CANCELLED'}
        target = gpu_runtime_dir(create=True)
        try:
            _STATE["job"] = gpu_runtime.PipInstall(target, wheel=wheel)
        except OSError as exc:
            self.report({'ERROR'}, f"Cannot start pip: {exc}")
            return {'CANCELLED'}
        wm = context.window_manager
        self._timer = wm.event_timer_add(0.25, window=context.window)
        wm.progress_begin(0, 100)
        wm.modal_handler_add(self)
        self.report({'INFO'}, "Installing the GPU runtime in the background (Esc cancels)")
        return {'RUNNING_MODAL'}

    def modal(self, context, event):
        job = _STATE["job"]
        if job is None:
            return self._finish(context, {'CANCELLED'})
        if event.type == 'ESC' or _STATE.get("cancel"):
            job.cancel()
            _STATE["last"] = job.message
            self.report({'WARNING'}, "GPU runtime install cancelled; nothing was changed")
            return self._finish(context, {'CANCELLED'})
        if event.type != 'TIMER':
            return {'PASS_THROUGH'}
        state, fraction, message = job.poll()
        context.window_manager.progress_update(int(100 * fraction))
        _STATE["last"] = message
        _redraw(context)
        if state == "running":
            return {'PASS_THROUGH'}
        if state == "done":
            self.report({'INFO'}, f"Installed {GPU_PACKAGE}; restart Blender to use it")
            return self._finish(context, {'FINISHED'})
        self.report({'ERROR'}, message)
        return self._finish(context, {'CANCELLED'})

    def _finish(self, context, result):
        wm = context.window_manager
        if self._timer is not None:
            wm.event_timer_remove(self._timer)
            self._timer = None
        wm.progress_end()
        _STATE["job"] = None
        _STATE["cancel"] = False
        _redraw(context)
        return result


class SPEECHANIM_OT_install_gpu_runtime(_InstallBase, bpy.types.Operator):
    """Download onnxruntime-gpu (several hundred MB, pinned version and SHA-256) from PyPI into this
    extension's user folder in the background; restart Blender after"""

    bl_idname = "speechanim.install_gpu_runtime"
    bl_label = "Install GPU Runtime (onnxruntime-gpu)"

    @classmethod
    def poll(cls, context):
        why = gpu_runtime.blockers(online_access(), gpu_runtime_dir())
        if why:
            cls.poll_message_set(why)
            return False
        return _STATE["job"] is None

    def invoke(self, context, event):
        return context.window_manager.invoke_confirm(self, event)

    def execute(self, context):
        return self._start(context)


class SPEECHANIM_OT_install_gpu_runtime_file(_InstallBase, bpy.types.Operator):
    """Install onnxruntime-gpu from a wheel downloaded elsewhere (offline; SHA-256 checked against the pins)"""

    bl_idname = "speechanim.install_gpu_runtime_file"
    bl_label = "Install GPU Runtime from File"

    filepath: bpy.props.StringProperty(subtype='FILE_PATH')
    filter_glob: bpy.props.StringProperty(default="*.whl", options={'HIDDEN'})

    @classmethod
    def poll(cls, context):
        if not gpu_runtime_dir():
            cls.poll_message_set("Only available when installed as an extension")
            return False
        return _STATE["job"] is None

    def invoke(self, context, event):
        context.window_manager.fileselect_add(self)
        return {'RUNNING_MODAL'}

    def execute(self, context):
        path = bpy.path.abspath(self.filepath)
        why = gpu_runtime.check_wheel(path)
        if why:
            self.report({'ERROR'}, why)
            return {'CANCELLED'}
        return self._start(context, wheel=path)


class SPEECHANIM_OT_cancel_gpu_runtime(bpy.types.Operator):
    """Stop the running GPU runtime install (nothing is changed)"""

    bl_idname = "speechanim.cancel_gpu_runtime"
    bl_label = "Cancel GPU Runtime Install"

    @classmethod
    def poll(cls, context):
        return _STATE["job"] is not None

    def execute(self, context):
        _STATE["cancel"] = True
        return {'FINISHED'}


def smplx_model_path() -> str:
    """The user's SMPL-X model file (preference; ``""`` when unset or the add-on is not registered)."""
    addon = bpy.context.preferences.addons.get(PACKAGE)
    return getattr(addon.preferences, "smplx_model_path", "") if addon and addon.preferences else ""


class SPEECHANIM_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    emage_checkpoint: bpy.props.StringProperty(
        name="EMAGE Checkpoint", subtype='DIR_PATH',
        description="Folder of the EMAGE audio checkpoint (config.json, weights, emage_vq/) for the "
                    "'EMAGE' body model; see docs/emage.md")
    smplx_model_path: bpy.props.StringProperty(
        name="SMPL-X Model", subtype='FILE_PATH', default="",
        description="Your own SMPLX_NEUTRAL.npz (licensed, not included): exact SMPL-X rest joints for "
                    "retargeting instead of the built-in approximate skeleton")

    def draw(self, context):
        layout = self.layout
        if hasattr(self, "bl_rna"):  # a registered preferences instance (not a stand-in drawing test)
            layout.prop(self, "emage_checkpoint")
        layout.prop(self, "smplx_model_path")
        layout.label(text=f"onnxruntime execution providers: {_providers()}")
        path = gpu_runtime_dir()
        if path and os.path.isdir(os.path.join(path, "onnxruntime")):
            layout.label(text=f"GPU runtime installed in {path}")
        box = layout.column()
        box.label(text=f"GPU runtime: {GPU_PACKAGE} (CUDA 12, cuDNN 9), pinned SHA-256")
        if not online_access():
            box.label(text="Online access is off (Preferences > System > Network > Allow Online Access).",
                      icon='INFO')
            box.label(text="Offline: pip download the wheel elsewhere, then use Install GPU Runtime from File.")
        row = box.row()
        row.operator(SPEECHANIM_OT_install_gpu_runtime.bl_idname, icon='IMPORT')
        row.operator(SPEECHANIM_OT_install_gpu_runtime_file.bl_idname, icon='FILE_FOLDER')
        if _STATE["job"] is not None:
            box.label(text=_STATE["last"] or "starting", icon='TIME')
            box.operator(SPEECHANIM_OT_cancel_gpu_runtime.bl_idname, icon='CANCEL')
        elif _STATE["last"]:
            box.label(text=_STATE["last"])


CLASSES = (SPEECHANIM_OT_install_gpu_runtime, SPEECHANIM_OT_install_gpu_runtime_file,
           SPEECHANIM_OT_cancel_gpu_runtime, SPEECHANIM_AP_preferences)


_register_classes, _unregister_classes = bpy.utils.register_classes_factory(CLASSES)


def register() -> None:
    activate_gpu_runtime()
    _register_classes()


def unregister() -> None:
    _unregister_classes()
