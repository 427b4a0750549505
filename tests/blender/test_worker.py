"""The modal Generate's machinery: worker thread + queue, cancel, errors; and inference in a
thread inside bpy followed by the bake on the main thread (what the timer does)."""

import sys
import time

import pytest

from bpy_harness import ROOT, run_bpy, write_speechlike

sys.path.insert(0, str(ROOT))
from tools.bake import load_extension  # noqa: E402

load_extension(register=False)  # the root as package ``speech_animator``, without bpy
from speech_animator.addon.worker import Worker  # noqa: E402  (bpy-free module)


def drain(worker, timeout_s=30.0):
    messages, t0 = [], time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        messages += worker.poll()
        if messages and messages[-1][0] in ("done", "error", "cancelled"):
            return messages
        time.sleep(0.01)
    raise AssertionError(f"worker did not finish: {messages}")


def test_worker_reports_progress_then_result():
    def job(progress):
        for i in range(5):
            progress(i / 4, f"step {i}")
        return 42
    w = Worker(job)
    w.start()
    msgs = drain(w)
    assert [m[0] for m in msgs] == ["progress"] * 5 + ["done"]
    assert [m[1] for m in msgs[:5]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert msgs[-1][1] == 42


def test_worker_cancel_stops_at_next_progress_and_discards_result():
    reached = []

    def job(progress):
        for i in range(1000):
            time.sleep(0.005)
            progress(i / 1000, "")
            reached.append(i)
        return "finished"
    w = Worker(job)
    w.start()
    time.sleep(0.05)
    w.cancel()
    msgs = drain(w)
    assert msgs[-1][0] == "cancelled"
    assert len(reached) < 1000


@pytest.mark.parametrize("exc,expected_trace", [(ValueError("bad input"), False), (KeyError("bug"), True)])
def test_worker_errors_are_reported_not_raised(exc, expected_trace):
    def job(progress):
        raise exc
    w = Worker(job, expected=(ValueError,))
    w.start()
    kind, payload, text = drain(w)[-1]
    assert kind == "error" and payload is exc
    assert ("Traceback" in text) == expected_trace


def test_threaded_inference_in_bpy_then_bake_on_main_thread(tmp_path):
    audio = write_speechlike(tmp_path / "thread.wav")
    res, _ = run_bpy(f"""
import bpy, time
from tools.bake import load_extension
load_extension()
from speech_animator.addon import pipeline, compat
from speech_animator.addon.worker import Worker
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = face; s.armature = body; s.what = 'BOTH'
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
    out = {{"kinds": [m[0] for m in msgs], "fractions": [m[1] for m in msgs if m[0] == "progress"]}}
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
emit({{"cancelled": cancelled, "n_after_cancel": n_after_cancel, "done": done}})
""")
    assert res["cancelled"]["kinds"][-1] == "cancelled" and res["n_after_cancel"] == 0
    assert res["done"]["kinds"][-1] == "done"
    fr = res["done"]["fractions"]
    assert fr == sorted(fr) and fr[-1] == 1.0
    assert sorted(res["done"]["actions"]) == ["thread - Body (Body)", "thread - Face (Face)"]
    bf = res["done"]["bake_fractions"]
    assert len(bf) > 50 and bf == sorted(bf) and bf[-1] == 1.0


def test_process_worker_inference_in_a_child_then_bake(tmp_path):
    """What the interactive Generate does: inference in a child Python, bake on the main thread."""
    audio = write_speechlike(tmp_path / "proc.wav")
    res, _ = run_bpy(f"""
import bpy, time
from tools.bake import load_extension
load_extension()
from speech_animator.addon import pipeline
import scene_fixtures as sf
face, body = sf.build_scene()
sf.add_artist_action(face)  # nothing may change when the run is cancelled
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = face; s.armature = body; s.what = 'BOTH'
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
out = {{"cancelled": [m[0] for m in cancelled], "n_actions": n_actions, "kinds": kinds, "max_gap": max_gap}}
if kinds[-1] == "done":
    perf = pipeline.absorb(job, msgs[-1][1])
    outcome = pipeline.apply(job, perf)
    out.update(actions=sorted(outcome.result.actions), timings=sorted(outcome.timings_s),
               frames=outcome.frames, body=perf.smplx_poses is not None)
else:
    out["error"] = msgs[-1][2]
from speech_animator.addon import jobrunner
bad = jobrunner.ProcessWorker("/nonexistent/speech.wav", job.options)
bad.start()
bm, _ = drain(bad)
out["bad"] = [bm[-1][0], bm[-1][2]]
emit(out)
""")
    assert res["cancelled"][-1] == "cancelled" and res["n_actions"] == ["ArtistFace"]
    assert res["kinds"][-1] == "done", res.get("error")
    assert res["kinds"][:-1] and set(res["kinds"][:-1]) == {"progress"}
    assert res["actions"] == ["proc - Body (Body)", "proc - Face (Face)"] and res["body"]
    assert {"load_audio", "face", "body", "bake"} <= set(res["timings"])
    assert res["bad"][0] == "error" and "/nonexistent/speech.wav: audio file not found" in res["bad"][1]


def test_modal_logic_with_a_fake_event_loop(tmp_path):
    """Drive SPEECHANIM_OT_generate.modal() with fake TIMER/ESC events (no window in background
    mode): progress is shown, the bake runs in slices, one FINISHED at the end; Esc cancels."""
    audio = write_speechlike(tmp_path / "modal.wav")
    res, _ = run_bpy(f"""
import bpy, time
from tools.bake import load_extension
load_extension()
from speech_animator.addon import pipeline, operators
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = face; s.armature = body; s.what = 'BOTH'
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
        if r != {{'RUNNING_MODAL'}} and r != {{'PASS_THROUGH'}}:
            return results, ticks
        time.sleep(0.02)
ctx = Ctx()
op = FakeOp()
op_results, ticks = drive(op, ctx)
out = {{"final": op_results[-1], "ticks": ticks, "updates": ctx.window_manager.updates,
       "reports": op.reports, "generated": sorted(a.name for a in bpy.data.actions)}}
ctx2 = Ctx(); ctx2.window_manager = FakeWM()
op2 = FakeOp()
r2, _ = drive(op2, ctx2, esc_after=1)
time.sleep(0.5)
out.update(esc_final=r2[-1], esc_reports=op2.reports, esc_actions=sorted(a.name for a in bpy.data.actions),
           child_alive=op2._worker._proc.poll() is None)
emit(out)
""")
    assert res["final"] == "FINISHED"
    assert res["updates"] == sorted(res["updates"]) and res["updates"][-1] >= 90
    assert any("Baked 2 action(s)" in m for _, m in res["reports"])
    assert res["generated"] == ["modal - Body (Body)", "modal - Face (Face)"]
    assert res["esc_final"] == "CANCELLED" and "cancelled" in res["esc_reports"][-1][1]
    assert res["esc_actions"] == res["generated"] and not res["child_alive"]


def test_user_errors_are_the_error_hierarchy_and_bugs_keep_their_traceback(tmp_path):
    """USER_ERRORS: SpeechAnimatorError (+ the add-on's own); a plain ValueError/RuntimeError is a bug."""
    res, _ = run_bpy("""
import time
from tools.bake import load_extension
load_extension()
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
""")
    for key in ("audio", "backend", "job", "bake", "target"):
        assert res[key][:2] == ["error", False], key
    assert res["audio"][2] == "a.wav: audio file not found"
    assert res["value_bug"] == ["error", True, "Traceback (most recent call last):"]
    assert res["runtime_bug"][:2] == ["error", True]
    assert res["job_is_user"]


def test_persistent_worker_through_the_pipeline(tmp_path):
    """With persistence on, Generate's jobs share one worker process (models stay loaded)."""
    audio = write_speechlike(tmp_path / "keep.wav", speech_s=1.0)
    res, _ = run_bpy(f"""
import bpy, time
from tools.bake import load_extension
load_extension()
from speech_animator.addon import jobrunner, pipeline
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = face; s.what = 'FACE'; s.face_model = 'fast'
def run():
    job = pipeline.job_from_settings(s, bpy.context)
    w = pipeline.process_worker(job); w.start()
    msgs = []
    while not msgs or msgs[-1][0] == "progress":
        time.sleep(0.01); msgs += w.poll()
    return msgs[-1][0], w.service.pid
jobrunner.set_persistent(True)
first, second = run(), run()
service = jobrunner.default_service()
alive = service.is_running()
jobrunner.set_persistent(False)
emit({{"first": first, "second": second, "alive": alive, "closed": not service.is_running(),
       "default": jobrunner.default_service() is None}})
""")
    assert res["first"][0] == res["second"][0] == "done"
    assert res["first"][1] == res["second"][1] and res["alive"]
    assert res["closed"] and res["default"]
