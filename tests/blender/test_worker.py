"""The modal Generate's machinery: worker thread + queue, cancel, errors; and inference in a
thread inside bpy followed by the bake on the main thread (what the timer does)."""

import sys
import time

import pytest

from bpy_harness import ROOT, run_scenario, write_speechlike

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
    res, _ = run_scenario("worker_cases", case="threaded_inference_in_bpy_then_bake_on_main_thread",
                          audio=str(audio))
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
    res, _ = run_scenario("worker_cases", case="process_worker_inference_in_a_child_then_bake", audio=str(audio))
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
    res, _ = run_scenario("worker_cases", case="modal_logic_with_a_fake_event_loop", audio=str(audio))
    assert res["final"] == "FINISHED"
    assert res["updates"] == sorted(res["updates"]) and res["updates"][-1] >= 90
    assert any("Baked 2 action(s)" in m for _, m in res["reports"])
    assert res["generated"] == ["modal - Body (Body)", "modal - Face (Face)"]
    # after the last slice: the clip's frame range and its sound strip (addon/playback.py), 2.7 s at 30 fps
    assert res["range"] == [1, 81] and res["strips"] == ([["modal.wav", 1]] if res["audaspace"] else [])
    assert any(m == "Frame range set to the clip: 1-81 (81 frames at 30 fps)" for _, m in res["reports"])
    assert res["esc_final"] == "CANCELLED" and "cancelled" in res["esc_reports"][-1][1]
    assert res["esc_actions"] == res["generated"] and not res["child_alive"]


def test_user_errors_are_the_error_hierarchy_and_bugs_keep_their_traceback(tmp_path):
    """USER_ERRORS: SpeechAnimatorError (+ the add-on's own); a plain ValueError/RuntimeError is a bug."""
    res, _ = run_scenario("worker_cases", case="user_errors_are_the_error_hierarchy_and_bugs_keep_their_traceback")
    for key in ("audio", "backend", "job", "bake", "target"):
        assert res[key][:2] == ["error", False], key
    assert res["audio"][2] == "a.wav: audio file not found"
    assert res["value_bug"] == ["error", True, "Traceback (most recent call last):"]
    assert res["runtime_bug"][:2] == ["error", True]
    assert res["job_is_user"]


def test_persistent_worker_through_the_pipeline(tmp_path):
    """With persistence on, Generate's jobs share one worker process (models stay loaded)."""
    audio = write_speechlike(tmp_path / "keep.wav", speech_s=1.0)
    res, _ = run_scenario("worker_cases", case="persistent_worker_through_the_pipeline", audio=str(audio))
    assert res["first"][0] == res["second"][0] == "done"
    assert res["first"][1] == res["second"][1] and res["alive"]
    assert res["closed"] and res["default"]


def test_modal_error_report_is_short_the_traceback_goes_to_the_details():
    """The modal Generate's error branch: one short report line; the full text (inference.errors.user_message:
    the traceback of a bug) in the console (logging) and, for a bug, in the Info editor (an INFO report)."""
    res, _ = run_scenario("worker_cases", case="modal_error_report_is_short_the_traceback_goes_to_the_details")
    user = res["user"]
    assert user["result"] == ["CANCELLED"] and user["reports"] == [["ERROR", "a.wav: audio file not found"]]
    assert "a.wav: audio file not found" in user["logged"] and "Traceback" not in user["logged"]
    for key, head in (("bug", "KeyError: 'bug'"), ("worker_bug", "ZeroDivisionError: boom")):
        r = res[key]
        assert r["result"] == ["CANCELLED"] and [k for k, _ in r["reports"]] == ["INFO", "ERROR"], r
        details, short = r["reports"][0][1], r["reports"][1][1]
        assert "\n" not in short and short.startswith(head) and "traceback" in short, short
        assert "Traceback (most recent call last)" in details and "Traceback" in r["logged"]
        assert head.split(":")[0] in details
