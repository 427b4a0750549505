"""Sidebar operators: Generate (modal, worker thread + timer), Clear, Add Sound Strip."""

from __future__ import annotations

import logging
import os
import time

import bpy

from ..inference.errors import SpeechAnimatorError, WorkerBug, user_message
from ..inference.face.transcript import transcript_message
from . import bake, blendpaths, layers, pipeline, playback
from .sidebar import settings as _settings
from .worker import Worker

_LOG = logging.getLogger(__name__)

#: Main-thread time per timer tick spent baking keys (seconds), so the UI keeps redrawing.
BAKE_SLICE_S = 0.03
#: The Generate currently running in this Blender session (at most one).
_RUNNING: dict = {"op": None}


def is_running() -> bool:
    """True while a modal Generate is in progress."""
    return _RUNNING["op"] is not None


def _idle_settings(cls, context, running_message: str):
    """The Speech settings for a ``poll``, or ``None`` (with ``running_message`` shown) while a
    Generate runs or when the scene has no settings."""
    s = _settings(context)
    if s is not None and is_running():
        cls.poll_message_set(running_message)
        return None
    return s


def target_ids(context) -> list:
    """The datablocks the sidebar animates: the shape-key blocks of its face objects, its armature."""
    s = _settings(context)
    ids = []
    names = pipeline.face_objects_from(s, context)
    for name in names:
        obj = bpy.data.objects.get(name)
        if obj is not None and obj.data.shape_keys is not None:
            ids.append(obj.data.shape_keys)
    if s.armature is not None:
        ids.append(s.armature)
    return ids


def poll_targets(cls, context, has, missing: str, running_message: str = "") -> bool:
    """``poll`` of an operator on the sidebar's targets (:func:`target_ids`).

    False when the scene has no Speech settings, while a Generate runs if ``running_message`` is
    given (shown), or when no target passes ``has(id_data)`` (``missing`` shown); else True.
    """
    s = _idle_settings(cls, context, running_message) if running_message else _settings(context)
    if s is None:
        return False
    if not any(has(i) for i in target_ids(context)):
        cls.poll_message_set(missing)
        return False
    return True


def _playback_request(context) -> dict:
    """What :func:`playback.show_result` does after this Generate, read when it starts (the settings
    may change while it runs): the sound strip only for an audio file (timeline audio already plays)."""
    s = _settings(context)
    return {"sound_path": s.audio_path if s.audio_source == 'FILE' else "",
            "fit_range": bool(s.use_frame_range), "add_strip": bool(s.use_sound_strip)}


def _show_result(context, job: pipeline.Job, outcome: pipeline.Outcome, request: dict):
    """Fit the frame range and add the sound strip (inside the operator's undo step); a frame-range
    Regenerate leaves the scene's range and strips alone. Returns the :class:`playback.PlaybackChange`."""
    if job.frame_range is not None:
        return playback.PlaybackChange()
    return playback.show_result(context.scene, job.frame_start, outcome.frames, outcome.fps, **request)


def _report_outcome(op, outcome: pipeline.Outcome, job: pipeline.Job | None = None, change=None) -> None:
    for msg in outcome.warnings + tuple(change.warnings if change else ()):
        op.report({'WARNING'}, msg)
    for msg in (change.messages if change else ()):
        op.report({'INFO'}, msg)
    used = transcript_message(outcome.face_model, job.options.transcript) if job is not None else ""
    if used:
        op.report({'INFO'}, used)
    r = outcome.result
    op.report({'INFO'}, f"Baked {len(r.actions)} action(s), {r.keys} keys over {outcome.frames} frames "
                        f"({outcome.duration_s:.2f} s at {outcome.fps:g} fps, {outcome.device}): "
                        + ", ".join(r.actions))


def _report_error(op, exc: BaseException, text: str) -> None:
    """Report a failed Generate in one short line, the full text elsewhere.

    ``text``: the worker's full text (:func:`inference.errors.user_message`: the message of a user
    error, type + message + traceback of a bug). It always goes to the console (logging). A user
    error (:class:`SpeechAnimatorError`) is reported with its message; a bug with its type and
    first message line, its full text reported before it at INFO level (the Info editor's details).
    """
    full = text or user_message(exc)
    _LOG.error("Generate failed: %s", full)
    if isinstance(exc, SpeechAnimatorError):
        op.report({'ERROR'}, str(exc))
        return
    name = exc.type_name if isinstance(exc, WorkerBug) else type(exc).__name__
    first = (str(exc).splitlines() or [""])[0]
    op.report({'INFO'}, full)
    op.report({'ERROR'}, f"{name}: {first} (a bug: the traceback is in the Info editor and the system console)")


def _redraw(context) -> None:
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            if area.type == 'VIEW_3D':
                area.tag_redraw()


class SPEECHANIM_OT_generate(bpy.types.Operator):
    """Generate face and/or body animation from the audio file and bake it as new actions"""

    bl_idname = "speechanim.generate"
    bl_label = "Generate"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        s = _idle_settings(cls, context, "Generate is already running (Esc cancels it)")
        if s is None:
            return False
        if s.audio_source != 'FILE':
            from .timeline_audio import TimelineAudioError, pick_strips

            try:
                pick_strips(context.scene, s.audio_source, s.sound_strip, s.sound_channel)
            except TimelineAudioError as exc:
                cls.poll_message_set(str(exc))
                return False
        elif not s.audio_path:
            cls.poll_message_set("Choose an audio file first")
            return False
        elif not os.path.isfile(blendpaths.resolve(s.audio_path)):
            cls.poll_message_set("The audio file does not exist")
            return False
        face_ok = s.what in {'FACE', 'BOTH'} and s.face_object is not None
        body_ok = s.what in {'BODY', 'BOTH'} and s.armature is not None
        if not (face_ok or body_ok):
            need = {"FACE": "a face mesh", "BODY": "an armature", "BOTH": "a face mesh or an armature"}[s.what]
            cls.poll_message_set(f"Choose {need} to animate")
            return False
        return True

    # Synchronous path (background / scripts / redo panel).
    def execute(self, context):
        try:
            job = pipeline.job_from_settings(_settings(context), context)
            perf = pipeline.infer(job)
            outcome = pipeline.apply(job, perf)
        except pipeline.USER_ERRORS as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        _report_outcome(self, outcome, job, _show_result(context, job, outcome, _playback_request(context)))
        return {'FINISHED'}

    # Interactive path: inference in a child process, bake on the main thread when it is done.
    def invoke(self, context, event):
        if bpy.app.background or context.window is None:
            return self.execute(context)
        try:
            job = pipeline.job_from_settings(_settings(context), context)
        except pipeline.USER_ERRORS as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        self._job = job
        self._playback = _playback_request(context)
        self._steps = None
        # Inference in a child process: it never holds this process's GIL, and Esc terminates it.
        self._worker = pipeline.process_worker(job)
        wm = context.window_manager
        wm.speech_animator_progress = 0.0
        wm.speech_animator_status = "starting"
        self._timer = wm.event_timer_add(0.1, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        _RUNNING["op"] = self
        try:
            self._worker.start()
        except OSError as exc:  # no runnable Python next to Blender: fall back to a thread
            _LOG.warning("cannot start the inference process (%s); using a thread", exc)
            self._worker = Worker(lambda progress: pipeline.infer(job, progress=progress),
                                  pipeline.USER_ERRORS)
            self._worker.start()
        return {'RUNNING_MODAL'}

    def modal(self, context, event):
        if self._steps is not None:  # baking: swallow input so the targets cannot change meanwhile
            if event.type == 'ESC' and pipeline.cancellable(self._fraction):  # nothing written yet
                self._steps.close()
                self._finish(context)
                self.report({'WARNING'}, "Generate cancelled; nothing was changed")
                return {'CANCELLED'}
            return self._bake_tick(context) if event.type == 'TIMER' else {'RUNNING_MODAL'}
        if event.type == 'ESC':
            self._worker.cancel()
            self._finish(context)
            self.report({'WARNING'}, "Generate cancelled; nothing was changed")
            return {'CANCELLED'}
        if event.type != 'TIMER':
            return {'PASS_THROUGH'}
        for kind, payload, text in self._worker.poll():
            if kind == "progress":
                self._set_progress(context, 0.9 * payload, text)
                continue
            if kind == "cancelled":
                self._finish(context)
                self.report({'WARNING'}, "Generate cancelled; nothing was changed")
                return {'CANCELLED'}
            if kind == "error":
                self._finish(context)
                _report_error(self, payload, text)
                return {'CANCELLED'}
            # kind == "done": bake on the main thread over the next ticks, all in this operator
            # run, so one undo step restores everything.
            try:
                self._steps = pipeline.apply_steps(self._job, payload)
                self._fraction = next(self._steps)  # the first window's targets; errors here change nothing
            except pipeline.USER_ERRORS as exc:
                self._finish(context)
                self.report({'ERROR'}, str(exc))
                return {'CANCELLED'}
            except StopIteration as stop:
                return self._done(context, stop.value)
            self._set_progress(context, 0.9, "building targets")
            return {'RUNNING_MODAL'}
        return {'RUNNING_MODAL'}

    def _bake_tick(self, context):
        t_end = time.perf_counter() + BAKE_SLICE_S
        try:
            while time.perf_counter() < t_end:
                self._fraction = fraction = next(self._steps)
                if pipeline.cancellable(fraction):
                    break  # one window per tick while Esc can still cancel
            self._set_progress(context, 0.9 + 0.1 * fraction,
                               "building targets" if pipeline.cancellable(fraction) else "baking keyframes")
        except StopIteration as stop:
            return self._done(context, stop.value)
        except pipeline.USER_ERRORS as exc:
            self._finish(context)
            self.report({'ERROR'}, f"baking stopped: {exc}")
            return {'CANCELLED'}
        return {'RUNNING_MODAL'}

    def _done(self, context, outcome):
        self._finish(context)
        _report_outcome(self, outcome, self._job, _show_result(context, self._job, outcome, self._playback))
        return {'FINISHED'}

    def _set_progress(self, context, fraction, text):
        wm = context.window_manager
        wm.speech_animator_progress = fraction
        wm.speech_animator_status = text
        wm.progress_update(int(fraction * 100))
        _redraw(context)

    def _finish(self, context) -> None:
        wm = context.window_manager
        wm.event_timer_remove(self._timer)
        wm.progress_end()
        wm.speech_animator_progress = 0.0
        wm.speech_animator_status = ""
        _RUNNING["op"] = None
        _redraw(context)

    def cancel(self, context):
        self._worker.cancel()
        self._finish(context)


class SPEECHANIM_OT_clear(bpy.types.Operator):
    """Remove the generated animation from the targets (edited actions are kept) and restore the actions a bake
    moved to the NLA"""

    bl_idname = "speechanim.clear"
    bl_label = "Clear Generated"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        return poll_targets(cls, context, lambda i: layers.generated_action(i)[0] is not None,
                            "The chosen targets carry no generated animation", running_message="Generate is running")

    def execute(self, context):
        cleared, messages = bake.clear(target_ids(context), remove_unused=True)
        for msg in messages:
            self.report({'INFO'}, msg)
        if not cleared:
            self.report({'WARNING'}, "Nothing generated to clear")
            return {'CANCELLED'}
        self.report({'INFO'}, "Removed " + ", ".join(cleared))
        return {'FINISHED'}


class SPEECHANIM_OT_add_sound_strip(bpy.types.Operator):
    """Add the audio file as a sound strip at the start frame so playback is in sync (an existing strip of the
    same file is moved there instead of adding a second one)"""

    bl_idname = "speechanim.add_sound_strip"
    bl_label = "Add Sound Strip"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        s = _settings(context)
        if s is None:
            return False
        if not s.audio_path or not os.path.isfile(blendpaths.resolve(s.audio_path)):
            cls.poll_message_set("Choose an existing audio file first")
            return False
        return True

    def execute(self, context):
        s = _settings(context)
        try:
            status, _name, _old, text = playback.ensure_sound_strip(context.scene, s.audio_path, s.frame_start)
        except RuntimeError as exc:
            self.report({'ERROR'}, f"{blendpaths.resolve(s.audio_path)}: Blender cannot load this sound ({exc})")
            return {'CANCELLED'}
        if status == playback.STRIP_UNAVAILABLE:
            self.report({'WARNING'}, text)
            return {'CANCELLED'}
        self.report({'INFO'}, text)
        return {'CANCELLED'} if status == playback.STRIP_PRESENT else {'FINISHED'}


CLASSES = (SPEECHANIM_OT_generate, SPEECHANIM_OT_clear, SPEECHANIM_OT_add_sound_strip)


_register_classes, _unregister_classes = bpy.utils.register_classes_factory(CLASSES)


def register() -> None:
    _register_classes()


def unregister() -> None:
    op = _RUNNING["op"]
    if op is not None:
        op._worker.cancel()
        _RUNNING["op"] = None
    _unregister_classes()
