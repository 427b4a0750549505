"""Generate = prepare (main thread) -> infer (no bpy: thread or child process) -> apply (main thread).

Shared by the sidebar operator (inference in a child process, bake over timer ticks) and the
headless CLI (everything synchronous, in process).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace

import bpy

from . import bake, blendpaths, emotion_keys, prompts, windowed_bake, worker
from ..inference import AudioError, BodyConstraints, GenerateOptions, SpeechAnimatorError, generate_file
from ..inference.errors import InputError
from ..inference.longaudio import audio_duration_s
from ..inference.timebase import num_frames


class JobError(InputError):
    """A Generate request that cannot run (bad audio path, no target, ...); nothing was changed."""

    code = "job"


@dataclass
class Job:
    """Inputs of one Generate run, gathered on the main thread.

    ``face_objects`` / ``armature`` are object *names* (safe to hold across undo steps).
    """

    audio_path: str
    frame_start: int
    options: GenerateOptions
    face_objects: tuple = ()
    armature: str = ""
    constraints: BodyConstraints | None = None
    key_tolerance: float | None = None
    replace_generated: bool = False
    frame_range: tuple | None = None
    existing_action: str = "AUTO"
    warnings: list = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """Result of :func:`apply`: the bake result, warnings, the performance's frames/device/timings
    and face model name (``Provenance.face_model``: ``+transcript`` when transcript mode was used)."""

    result: bake.BakeResult
    warnings: tuple
    frames: int
    duration_s: float
    fps: float
    device: str
    timings_s: dict
    face_model: str = ""


def face_objects_from(settings, context) -> tuple:
    """Names of the face meshes: the chosen one plus (optionally) other selected meshes with keys."""
    names = []
    if settings.face_object is not None:
        names.append(settings.face_object.name)
    if settings.face_include_selected:
        for obj in getattr(context, "selected_objects", []) or []:
            if obj.type == 'MESH' and obj.data.shape_keys is not None and obj.name not in names:
                names.append(obj.name)
    return tuple(names)


def make_job(audio_path: str, frame_start: int, options: GenerateOptions, face_objects=(), armature: str = "",
             key_tolerance: float | None = None, replace_generated: bool = False, frame_range=None) -> Job:
    """Validate inputs and read the armature's prompt keys (``addon.prompts``) as body constraints (main thread).

    Raises:
        JobError: missing audio file, no target for the requested parts, unknown objects.
    """
    path = blendpaths.resolve(audio_path)  # '//' = the .blend's folder: the worker gets an absolute path
    if not path:
        raise JobError("audio: no file chosen")
    if not os.path.isfile(path):
        raise JobError(f"audio: file not found: {path}")
    for name in face_objects:
        obj = bpy.data.objects.get(name)
        if obj is None or obj.type != 'MESH':
            raise JobError(f"face object {name!r}: expected a mesh object, found {obj.type if obj else 'nothing'}")
    if armature:
        arm = bpy.data.objects.get(armature)
        if arm is None or arm.type != 'ARMATURE':
            raise JobError(f"armature {armature!r}: expected an armature object, found {arm.type if arm else 'nothing'}")
    face = options.face and bool(face_objects)
    body = options.body and bool(armature)
    if not (face or body):
        need = " or ".join(w for w, on in (("a face mesh", options.face), ("an armature", options.body)) if on)
        raise JobError(f"nothing to animate: choose {need}")
    skipped = [f"{part}: no {what} chosen, skipped" for part, wanted, have, what in (
        ("face", options.face, face, "face mesh"), ("body", options.body, body, "armature")) if wanted and not have]
    options = replace(options, face=face, body=body)
    job = Job(path, int(frame_start), options, tuple(face_objects) if face else (), armature if body else "",
              key_tolerance=key_tolerance, replace_generated=replace_generated, warnings=skipped,
              frame_range=frame_range)
    if body:
        job.constraints = _read_constraints(job)
    return job


def _read_constraints(job: Job) -> BodyConstraints | None:
    """The armature's prompt keys over the clip's estimated range (fitted to the exact T by
    :func:`inference.files.generate_file`)."""
    from .targets_body import read_body_constraints

    try:
        duration_s = audio_duration_s(job.audio_path)  # the header's; generate_file fits the decoded length
    except AudioError:  # unreadable: inference will report the decoding error properly
        return None
    frames = num_frames(duration_s, job.options.fps)
    arm = bpy.data.objects[job.armature]
    action, slot = prompts.body_prompt(arm)  # only keys marked as prompts constrain (never other actions)
    if action is None:
        return None
    return read_body_constraints(arm, job.frame_start, frames, job.options.fps, action=action, slot=slot)


def infer(job: Job, progress=None):
    """Run inference in this process (no bpy: safe in a worker thread); return the Performance.

    It is :func:`inference.files.generate_file` on the job's audio, options and body prompt (long
    clips window by window); its provenance carries the warnings and timings.

    Raises:
        inference.errors.SpeechAnimatorError: the user's input or environment (see
        :func:`inference.files.generate_file`); anything else is a bug. An exception raised by
        ``progress`` (cancel) propagates.
    """
    return generate_file(job.audio_path, job.options, job.constraints, progress)


def process_worker(job: Job, service: worker.WorkerProcess | None = None) -> worker.ProcessWorker:
    """A worker-process job for ``job`` (not started); its ``done`` payload is the Performance.

    Runs on ``service`` when given, else on the shared persistent worker when persistence is on
    (:func:`worker.set_persistent`), else in a one-shot child process.
    """
    return worker.ProcessWorker(job.audio_path, job.options, job.constraints,
                                   service=service or worker.default_service())


def apply(job: Job, perf) -> Outcome:
    """Build targets from the performance (window by window) and bake them (main thread; one
    undo step): :func:`apply_steps` run to the end.

    Raises:
        JobError: a target object vanished; errors.TargetError: nothing matched;
        errors.BakeError: invalid channels. Nothing is changed when any of these is raised.
    """
    return bake.run_steps(apply_steps(job, perf))


def apply_steps(job: Job, perf, window_s: float | None = None):
    """:func:`apply` as a generator yielding the fraction done (0..1); returns the :class:`Outcome`.

    Two phases, one path for every clip length: the targets are built window by window
    (:func:`addon.windowed_bake.target_steps`, ``window_s`` seconds of clip each, default
    :data:`addon.windowed_bake.WINDOW_S`; a short clip is one window), yielding after each window
    (fractions up to :data:`TARGETS_SHARE`) and writing nothing; then the keys are written
    (:func:`addon.bake.bake_steps`), yielding after each F-curve. Errors while the first window
    is built are raised before the first yield. Closing the generator while it is paused in the
    first phase (``cancellable(fraction)`` is true) leaves the scene unchanged. ``timings_s``
    gets ``targets`` and ``bake`` (time inside this generator, not the pauses between steps).
    """
    window_s = windowed_bake.WINDOW_S if window_s is None else float(window_s)
    active = 0.0
    t = time.perf_counter()
    cache: dict = {}  # what does not change between windows (the body's proxies)
    steps = windowed_bake.target_steps(lambda p: build_targets(job, p, cache), perf, window_s)
    while True:
        try:
            fraction = next(steps)
        except StopIteration as stop:
            targets, warnings = stop.value
            break
        active += time.perf_counter() - t
        yield TARGETS_SHARE * fraction
        t = time.perf_counter()
    targets, prompt_notes = prompts.apply_face_prompts(targets, job.frame_start)
    warnings += prompt_notes
    targets_s = active + time.perf_counter() - t
    prov = perf.provenance
    meta = {"face_model": prov.face_model, "body_model": prov.body_model, "device": prov.device,
            "face_device": prov.face_device, "body_device": prov.body_device,
            "seed": prov.seed, "fps": float(perf.fps)}
    steps = bake.bake_steps(targets, job.frame_start, job.audio_path, replace_generated=job.replace_generated,
                            key_tolerance=job.key_tolerance, provenance=meta, frame_range=job.frame_range,
                            existing=job.existing_action)
    del targets
    while True:
        try:
            fraction = next(steps)
        except StopIteration as stop:
            result = stop.value
            break
        active += time.perf_counter() - t
        yield TARGETS_SHARE + (1.0 - TARGETS_SHARE) * fraction
        t = time.perf_counter()
    active += time.perf_counter() - t
    timings = dict(prov.timings_s, targets=targets_s, bake=active)
    return Outcome(result, tuple(job.warnings) + tuple(prov.warnings) + tuple(warnings) + result.messages,
                   perf.num_frames, perf.duration_s, float(perf.fps), prov.device, timings, prov.face_model)


#: Share of :func:`apply_steps`' progress given to building the targets (the rest: writing keys);
#: about their share of the time for 10 minutes on the demo character (2026-12-07 profile).
TARGETS_SHARE = 0.75


def cancellable(fraction: float) -> bool:
    """True when :func:`apply_steps` paused at ``fraction`` has written nothing yet, so closing it
    leaves the scene unchanged (the keys are written after :data:`TARGETS_SHARE`)."""
    return fraction <= TARGETS_SHARE


def build_targets(job: Job, perf, cache: dict | None = None) -> tuple[list, list]:
    """Face and body :class:`bake.BakeTarget` lists and warnings for the job's objects (main thread).

    ``cache``: optional dict shared by the calls of one Generate (one per window), see
    :func:`addon.targets_body.build_body_targets`.

    Partial success: when both parts were asked for and one cannot be mapped, the other still
    bakes and a warning says why the first was skipped; when nothing can be built the first error
    is raised (nothing changed).
    """
    from .errors import TargetError

    targets, warnings, errors = [], [], []
    for part, build in (("face", _face_targets), ("body", _body_targets)):
        try:
            ts, ws = build(job, perf, cache)
        except TargetError as exc:
            errors.append((part, exc))
            continue
        targets += ts
        warnings += ws
    if errors and not targets:
        raise errors[0][1]
    for part, exc in errors:
        warnings.append(f"{part} skipped, the rest was baked: {exc}")
    return targets, list(warnings)


def _face_targets(job: Job, perf, cache=None):
    if not job.face_objects:
        return [], []
    from .targets_face import build_face_targets

    objs = [bpy.data.objects.get(n) for n in job.face_objects]
    if any(o is None for o in objs):
        raise JobError(f"face objects {list(job.face_objects)}: some no longer exist")
    return build_face_targets(objs, perf)


def _body_targets(job: Job, perf, cache=None):
    if not job.armature:
        return [], []
    from .targets_body import build_body_targets

    arm = bpy.data.objects.get(job.armature)
    if arm is None:
        raise JobError(f"armature {job.armature!r} no longer exists")
    return build_body_targets(arm, perf, cache=cache)


def job_from_settings(settings, context) -> Job:
    """:func:`make_job` from the sidebar settings of ``context.scene``."""
    audio_path, frame_start = settings.audio_path, settings.frame_start
    try:
        options = settings.generate_options(context.scene)
        frame_range = settings.frame_range(context.scene)
        if getattr(settings, "audio_source", 'FILE') != 'FILE':  # sound strips mixed at their frames
            from .timeline_audio import timeline_audio

            audio_path, frame_start, _files = timeline_audio(context.scene, settings.audio_source,
                                                             settings.sound_strip, settings.sound_channel)
    except ValueError as exc:
        raise JobError(str(exc)) from exc
    job = make_job(audio_path, frame_start, options,
                    face_objects=face_objects_from(settings, context),
                    armature=settings.armature.name if settings.armature else "",
                    key_tolerance=settings.key_tolerances(),
                    replace_generated=settings.replace_generated, frame_range=frame_range)
    job.existing_action = getattr(settings, "existing_action", "AUTO")
    job.options = emotion_keys.with_keyed_emotion(job.options, job.face_objects, job.frame_start)  # keys win
    return job


#: Errors that are the user's input or environment, reported as a short message: the
#: :class:`inference.errors.SpeechAnimatorError` hierarchy (audio, options, backends, models, worker,
#: :class:`JobError`), which includes the add-on's own ``addon.errors.TargetError``/``BakeError``. Anything else is a bug and keeps its
#: traceback (:func:`inference.errors.user_message` gives the text for reports and the UI's details).
USER_ERRORS = (SpeechAnimatorError,)
