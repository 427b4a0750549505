"""Generate's machinery in bpy: threaded and process workers, the modal operator, user errors, persistence.

The bpy side of tests/blender/test_worker.py.

Params: ``case`` (one of the blocks below, named after its test)."""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASE = P["case"]
CASES = (
    'threaded_inference_in_bpy_then_bake_on_main_thread',
    'process_worker_inference_in_a_child_then_bake',
    'modal_logic_with_a_fake_event_loop',
    'user_errors_are_the_error_hierarchy_and_bugs_keep_their_traceback',
    'persistent_worker_through_the_pipeline',
    'modal_error_report_is_short_the_traceback_goes_to_the_details',
)
if CASE not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {CASE!r}")


if CASE == "threaded_inference_in_bpy_then_bake_on_main_thread":
    import bpy, time
    scenario.EXTENSION.register()
    from speech_animator.addon import pipeline, compat
    from speech_animator.addon.worker import Worker
    import scene_fixtures as sf
    face, body = sf.build_scene()
    s = bpy.context.scene.speech_animator
    s.audio_path = P['audio']; s.face_object = face; s.armature = body; s.what = 'BOTH'
    def run(cancel_early):
        job = pipeline.job_from_settings(s, bpy.context)
        w = Worker(lambda progress: pipeline.infer(job, progress=progress), pipeline.USER_ERRORS)
        w.start()
        if cancel_early:
            w.cancel()
        msgs = []
        while not msgs or msgs[-1][0] == "progress":
            msgs += w.poll(); time.sleep(0.01)
        kind = msgs[-1][0]
        out = {"kinds": [m[0] for m in msgs], "fractions": [m[1] for m in msgs if m[0] == "progress"]}
        if kind == "done":  # what the modal timer does: bake in steps, one F-curve per step
            steps = pipeline.apply_steps(job, msgs[-1][1])
            bake_fractions = []
            while True:
                try:
                    bake_fractions.append(next(steps))
                except StopIteration as stop:
                    outcome = stop.value
                    break
            out["actions"] = list(outcome.result.actions)
            out["bake_fractions"] = bake_fractions
        return out
    cancelled = run(True)
    n_after_cancel = len(bpy.data.actions)
    done = run(False)
    emit({"cancelled": cancelled, "n_after_cancel": n_after_cancel, "done": done})
elif CASE == "process_worker_inference_in_a_child_then_bake":
    import bpy, time
    scenario.EXTENSION.register()
    from speech_animator.addon import pipeline
    import scene_fixtures as sf
    face, body = sf.build_scene()
    sf.add_artist_action(face)  # nothing may change when the run is cancelled
    s = bpy.context.scene.speech_animator
    s.audio_path = P['audio']; s.face_object = face; s.armature = body; s.what = 'BOTH'
    def drain(w):
        msgs, gaps, last = [], [], time.perf_counter()
        while not msgs or msgs[-1][0] == "progress":
            time.sleep(0.01)
            now = time.perf_counter(); gaps.append(now - last); last = now
            msgs += w.poll()
        return msgs, max(gaps)
    job = pipeline.job_from_settings(s, bpy.context)
    w = pipeline.process_worker(job); w.start(); w.cancel()
    cancelled, _ = drain(w)
    n_actions = sorted(a.name for a in bpy.data.actions)
    job = pipeline.job_from_settings(s, bpy.context)
    w = pipeline.process_worker(job); w.start()
    msgs, max_gap = drain(w)
    kinds = [m[0] for m in msgs]
    out = {"cancelled": [m[0] for m in cancelled], "n_actions": n_actions, "kinds": kinds, "max_gap": max_gap}
    if kinds[-1] == "done":
        perf = msgs[-1][1]
        outcome = pipeline.apply(job, perf)
        out.update(actions=sorted(outcome.result.actions), timings=sorted(outcome.timings_s),
                   frames=outcome.frames, body=perf.smplx_poses is not None)
    else:
        out["error"] = msgs[-1][2]
    from speech_animator.addon import worker as jobs
    bad = jobs.ProcessWorker("/nonexistent/speech.wav", job.options)
    bad.start()
    bm, _ = drain(bad)
    out["bad"] = [bm[-1][0], bm[-1][2]]
    emit(out)
elif CASE == "modal_logic_with_a_fake_event_loop":
    import bpy, time
    scenario.EXTENSION.register()
    from speech_animator.addon import compat, pipeline, operators
    import scene_fixtures as sf
    face, body = sf.build_scene()
    s = bpy.context.scene.speech_animator
    s.audio_path = P['audio']; s.face_object = face; s.armature = body; s.what = 'BOTH'
    OT = operators.SPEECHANIM_OT_generate
    class FakeWM:
        windows = []
        speech_animator_progress = 0.0
        speech_animator_status = ""
        def __init__(self): self.updates = []; self.ended = 0
        def progress_update(self, v): self.updates.append(v)
        def progress_end(self): self.ended += 1
        def event_timer_remove(self, t): pass
    class Ctx:
        scene = bpy.context.scene
        window_manager = FakeWM()
    class Event:
        def __init__(self, t): self.type = t
    class FakeOp:
        def __init__(self):
            self.reports = []
            self._job = pipeline.job_from_settings(s, bpy.context)
            self._playback = operators._playback_request(bpy.context)  # as invoke() reads it
            self._steps = None
            self._timer = None
            self._worker = pipeline.process_worker(self._job)
            self._worker.start()
        def report(self, kind, msg): self.reports.append((sorted(kind)[0], msg))
    for name in ("modal", "_bake_tick", "_done", "_set_progress", "_finish", "cancel"):
        setattr(FakeOp, name, OT.__dict__[name])
    def drive(op, ctx, esc_after=None):
        results, ticks = [], 0
        while True:
            ticks += 1
            ev = Event('ESC') if esc_after is not None and ticks > esc_after else Event('TIMER')
            r = op.modal(ctx, ev)
            results.append(sorted(r)[0])
            if r != {'RUNNING_MODAL'} and r != {'PASS_THROUGH'}:
                return results, ticks
            time.sleep(0.02)
    ctx = Ctx()
    op = FakeOp()
    op_results, ticks = drive(op, ctx)
    out = {"final": op_results[-1], "ticks": ticks, "updates": ctx.window_manager.updates,
           "reports": op.reports, "generated": sorted(a.name for a in bpy.data.actions),
           "range": [bpy.context.scene.frame_start, bpy.context.scene.frame_end],
           "audaspace": bool(bpy.app.build_options.audaspace),
           "strips": [[st.name, st.frame_start] for st in compat.sound_strips(bpy.context.scene)]}
    ctx2 = Ctx(); ctx2.window_manager = FakeWM()
    op2 = FakeOp()
    r2, _ = drive(op2, ctx2, esc_after=1)
    time.sleep(0.5)
    out.update(esc_final=r2[-1], esc_reports=op2.reports, esc_actions=sorted(a.name for a in bpy.data.actions),
               child_alive=op2._worker._proc.poll() is None)
    emit(out)
elif CASE == "user_errors_are_the_error_hierarchy_and_bugs_keep_their_traceback":
    import time
    scenario.EXTENSION.register()
    from speech_animator.addon import bake, pipeline
    from speech_animator.addon.targets_face import TargetError
    from speech_animator.addon.worker import Worker
    from speech_animator.inference.audio import AudioError
    from speech_animator.inference.errors import BackendError, SpeechAnimatorError
    def outcome(exc):
        def job(progress):
            raise exc
        w = Worker(job, pipeline.USER_ERRORS); w.start(); w.join(10)
        kind, payload, text = w.poll()[-1]
        return [kind, "Traceback" in text, text.splitlines()[0]]
    emit({"audio": outcome(AudioError("a.wav: audio file not found")),
          "backend": outcome(BackendError("face_model: expected one of ['fast'], found 'x'")),
          "job": outcome(pipeline.JobError("audio: no file chosen")),
          "bake": outcome(bake.BakeError("nothing to bake")), "target": outcome(TargetError("body: no")),
          "value_bug": outcome(ValueError("could not broadcast")), "runtime_bug": outcome(RuntimeError("boom")),
          "job_is_user": issubclass(pipeline.JobError, SpeechAnimatorError) and pipeline.JobError.code == "job"})
elif CASE == "persistent_worker_through_the_pipeline":
    import bpy, time
    scenario.EXTENSION.register()
    from speech_animator.addon import pipeline, worker as jobs
    import scene_fixtures as sf
    face, body = sf.build_scene()
    s = bpy.context.scene.speech_animator
    s.audio_path = P['audio']; s.face_object = face; s.what = 'FACE'; s.face_model = 'fast'
    def run():
        job = pipeline.job_from_settings(s, bpy.context)
        w = pipeline.process_worker(job); w.start()
        msgs = []
        while not msgs or msgs[-1][0] == "progress":
            time.sleep(0.01); msgs += w.poll()
        return msgs[-1][0], w.service.pid
    jobs.set_persistent(True)
    first, second = run(), run()
    service = jobs.default_service()
    alive = service.is_running()
    jobs.set_persistent(False)
    emit({"first": first, "second": second, "alive": alive, "closed": not service.is_running(),
           "default": jobs.default_service() is None})
elif CASE == "modal_error_report_is_short_the_traceback_goes_to_the_details":
    # the modal Generate's "error" branch, fed by a worker whose job raises (a user error, a bug in a
    # thread, a bug rebuilt from the worker process); nothing else of the operator is needed
    import logging, time
    scenario.EXTENSION.register()
    from speech_animator.addon import operators, pipeline
    from speech_animator.addon.worker import Worker
    from speech_animator.inference.audio import AudioError
    from speech_animator.inference.errors import WorkerBug
    class FakeWM:
        windows = []
        def progress_end(self): pass
        def event_timer_remove(self, t): pass
    class Ctx:
        window_manager = FakeWM()
    class Event:
        type = 'TIMER'
    logged = []
    class Keep(logging.Handler):
        def emit(self, record): logged.append(record.getMessage())
    logging.getLogger(operators.__name__).addHandler(Keep())
    def run(exc):
        class FakeOp:
            _steps = None
            _timer = None
            def __init__(self):
                self.reports = []
                def job(progress):
                    raise exc
                self._worker = Worker(job, pipeline.USER_ERRORS)
                self._worker.start()
            def report(self, kind, msg): self.reports.append([sorted(kind)[0], msg])
        for name in ("modal", "_finish"):
            setattr(FakeOp, name, operators.SPEECHANIM_OT_generate.__dict__[name])
        op, r = FakeOp(), {'RUNNING_MODAL'}
        while r == {'RUNNING_MODAL'}:
            time.sleep(0.01)
            r = op.modal(Ctx(), Event())
        del logged[:-1]
        return {"result": sorted(r), "reports": op.reports, "logged": logged[-1]}
    emit({"user": run(AudioError("a.wav: audio file not found")), "bug": run(KeyError("bug")),
          "worker_bug": run(WorkerBug("boom\nsecond line", "ZeroDivisionError", "Traceback (most recent call last):\n  x"))})
scenario.finish()
