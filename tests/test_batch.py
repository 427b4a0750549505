"""The shared batch front end (inference/batch): names, de-duplication, validation, re-runs, atomic
writes and signals. The CLIs themselves are exercised in test_cli.py and tests/blender/test_batch_cli.py."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from inference import cli
from inference.batch import args as batch_args, atomic, runner
from inference.batch.errors import BatchInterrupted, OutputExistsError, UsageError
from inference.batch.inputs import discover
from inference.errors import SpeechAnimatorError, error_classes
from tests.cli_signals import sigterm_after
from tests.conftest import REPO_ROOT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


def _touch(root: Path, *names: str) -> None:
    for n in names:
        (root / n).parent.mkdir(parents=True, exist_ok=True)
        (root / n).write_bytes(b"")


def test_names_mirror_folders_and_never_collide(tmp_path):
    _touch(tmp_path, "a/x.wav", "b/x.wav", "x.flac", "x.wav", "a/take.wav", "b/take.wav", "c/take-2.wav")
    items = discover([tmp_path / "a" / "take.wav", tmp_path / "b" / "take.wav", tmp_path / "c" / "take-2.wav"])
    assert [i.name for i in items] == ["a/take", "b/take", "c/take-2"]  # was take, take-2, take-2
    items = discover([tmp_path / "a", tmp_path / "b", tmp_path / "x.flac", tmp_path / "x.wav"])
    names = [i.name for i in items]
    assert names == ["a/take", "a/x", "b/take", "b/x", "x.flac", "x.wav"]
    assert len({n.lower() for n in names}) == len(names)
    assert [i.name for i in discover([tmp_path / "x.wav"])] == ["x"]  # a lone file keeps its stem


def test_folder_plus_file_inside_and_same_file_twice_are_processed_once(tmp_path):
    _touch(tmp_path, "clips/one.wav", "clips/sub/two.flac", "clips/notes.txt")
    os.symlink(tmp_path / "clips" / "one.wav", tmp_path / "link.wav")
    items = discover([tmp_path / "clips", tmp_path / "clips" / "one.wav", tmp_path / "clips" / "one.wav",
                      tmp_path / "clips" / "sub" / "two.flac", tmp_path / "link.wav"])
    assert [i.source.name for i in items] == ["one.wav", "two.flac"]
    assert [i.name for i in items] == ["one", "sub/two"]


def test_missing_inputs_are_items_and_do_not_rename_the_others(tmp_path):
    _touch(tmp_path, "clips/one.wav")
    (tmp_path / "empty").mkdir()
    items = discover([tmp_path / "clips", tmp_path / "nope" / "gone.wav", tmp_path / "empty"])
    assert [(i.name, bool(i.problem)) for i in items] == [("one", False), ("gone", True), ("empty", True)]
    assert "no such file" in items[1].problem and "contains no" in items[2].problem


def _args(argv):
    ap = argparse.ArgumentParser()
    batch_args.add_generate_arguments(ap, fps_default=None)
    batch_args.add_rerun_arguments(ap)
    return ap.parse_args(argv)


@pytest.mark.parametrize("argv, needle", [
    (["--fps", "0"], "--fps: expected a frame rate in [1, 1000], found 0.0"),
    (["--fps", "-24"], "found -24.0"),
    (["--fps", "nan"], "--fps"),
    (["--face-model", "nope"], "--face-model: expected one of default, "),
    (["--body-model", "nope"], "--body-model: expected one of default, "),
    (["--parts", "upper,tail"], "--parts: expected one of face, upper, hands, lower, found 'tail'"),
    (["--intensity", "3"], "--intensity: expected a number in [0, 2]"),
])
def test_options_are_validated_with_valid_choices(argv, needle):
    with pytest.raises(UsageError) as exc:
        batch_args.options_from_args(_args(argv), fps=24.0)
    assert needle in str(exc.value)
    assert isinstance(exc.value, SpeechAnimatorError) and exc.value.code == "usage"


def test_options_take_the_scene_rate_and_face_only_ignores_body_model():
    opts = batch_args.options_from_args(_args(["--what", "face", "--body-model", "whatever"]), fps=25.0)
    assert opts.fps == 25.0 and opts.face and not opts.body


def test_transcript_flag_then_sidecar_per_file(tmp_path):
    opts = batch_args.options_from_args(_args(["--transcript", "hello world"]), fps=30.0)
    assert opts.transcript == "hello world"
    assert batch_args.options_for_file(opts, tmp_path / "x.wav") is opts  # the flag wins over sidecars
    (tmp_path / "a.txt").write_text("  the words of a  \n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    plain = batch_args.options_from_args(_args([]), fps=30.0)
    assert batch_args.options_for_file(plain, tmp_path / "a.wav").transcript == "the words of a"
    assert batch_args.options_for_file(plain, tmp_path / "b.wav").transcript == ""  # no sidecar
    body_only = batch_args.options_from_args(_args(["--what", "body"]), fps=30.0)
    # the body reads it too (word-aware gestures, inference/body/words.py)
    assert batch_args.options_for_file(body_only, tmp_path / "a.wav").transcript == "the words of a"
    with pytest.raises(SpeechAnimatorError, match=r"bad\.txt: expected a UTF-8 transcript of bad\.wav"):
        batch_args.options_for_file(plain, tmp_path / "bad.wav")


def test_gesture_preset_then_flags_override_it():
    from inference.options import GestureStyle

    assert batch_args.options_from_args(_args([]), fps=24.0).gesture == GestureStyle()
    for spelling in ("seated", "Calm-Presenter", "animated_talker", "calm presenter"):
        name = spelling.lower().replace("-", " ").replace("_", " ")
        got = batch_args.options_from_args(_args(["--gesture-preset", spelling]), fps=24.0).gesture
        assert got == GestureStyle.preset(name), spelling
    got = batch_args.options_from_args(_args(["--gesture-preset", "seated", "--gesture-energy", "1.5", "--two-handed",
                                              "0.9", "--handedness", "Left"]), fps=24.0).gesture
    seated = GestureStyle.preset("seated")
    assert (got.energy, got.two_handed, got.handedness) == (1.5, 0.9, "left")
    assert (got.stance, got.stepping, got.rate) == (seated.stance, seated.stepping, seated.rate) == ("seated", 0.0, 0.9)
    got = batch_args.options_from_args(_args(["--stance", "seated", "--stepping", "0.25", "--gesture-rate", "2"]),
                                       fps=24.0).gesture
    assert (got.stance, got.stepping, got.rate, got.energy) == ("seated", 0.25, 2.0, 1.0)


@pytest.mark.parametrize("argv, needle", [
    (["--gesture-preset", "sleepy"],
     "--gesture-preset: expected one of conversational, calm-presenter, animated-talker, seated, found 'sleepy'"),
    (["--gesture-energy", "2.5"], "--gesture-energy: expected a number in [0.0, 2.0], found 2.5"),
    (["--gesture-rate", "0.1"], "--gesture-rate: expected a number in [0.25, 2.0], found 0.1"),
    (["--two-handed", "1.2"], "--two-handed: expected a number in [0.0, 1.0], found 1.2"),
    (["--stepping", "-1"], "--stepping: expected a number in [0.0, 2.0], found -1.0"),
    (["--stepping", "inf"], "--stepping: expected a finite number"),
    (["--stance", "lying"], "--stance: expected one of 'standing', 'seated', found 'lying'"),
    (["--handedness", "both-ish"], "--handedness: expected one of 'both', 'left', 'right'"),
    (["--posture", "slouched"], "--posture: expected one of 'neutral', 'open', 'closed'"),
    (["--gesture-preset", "seated", "--two-handed", "2"], "--two-handed: expected a number in [0.0, 1.0]"),
])
def test_gesture_options_are_validated_with_valid_choices(argv, needle):
    with pytest.raises(UsageError) as exc:
        batch_args.options_from_args(_args(argv), fps=24.0)
    assert needle in str(exc.value)
    assert exc.value.code == "usage"


def test_rerun_policy_refuses_up_front(tmp_path):
    _touch(tmp_path, "in/x.wav", "out/x.npz")
    items = discover([tmp_path / "in"])
    layout = runner.Layout(tmp_path / "out", ".npz", tmp_path / "out")
    with pytest.raises(OutputExistsError) as exc:
        runner.check_rerun(items, layout, "refuse")
    assert "--overwrite" in str(exc.value) and "--skip-existing" in str(exc.value)
    runner.check_rerun(items, layout, "skip")
    runner.check_rerun(items, layout, "overwrite")
    assert batch_args.rerun_policy(_args(["--skip-existing"])) == "skip"
    with pytest.raises(SystemExit):
        _args(["--skip-existing", "--overwrite"])


def test_errors_registered_by_code():
    codes = error_classes()
    for cls in (UsageError, OutputExistsError, BatchInterrupted):
        assert codes[cls.code] is cls


def test_atomic_write_never_leaves_a_temporary(tmp_path):
    final = tmp_path / "sub" / "x.npz"
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(final) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer died")
    assert not final.exists() and list(tmp_path.rglob("*")) == [tmp_path / "sub"]
    with pytest.raises(FileNotFoundError):  # a writer claiming success without a file is caught
        with atomic.atomic_path(final):
            pass
    a, b = atomic.temp_path(final), atomic.temp_path(final)
    assert a != b and a.parent == final.parent and a.suffix == ".npz"
    atomic.write_json(final.with_suffix(".json"), {"ok": True})
    assert json.loads(final.with_suffix(".json").read_text()) == {"ok": True}


def test_stale_partials_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    stale = tmp_path / f".x.{pid}-abcd1234.partial.npz"
    mine = atomic.temp_path(tmp_path / "y.npz")
    stale.write_bytes(b"x")
    mine.write_bytes(b"y")
    assert atomic.remove_stale_partials(tmp_path) == [stale]
    assert mine.exists()


def test_one_failure_never_stops_the_batch_and_bugs_keep_their_traceback(tmp_path):
    _touch(tmp_path, "in/a.wav", "in/b.wav", "in/c.wav")
    items = discover([tmp_path / "in", tmp_path / "in" / "gone.wav"])
    layout = runner.Layout(tmp_path / "out", ".npz", tmp_path / "out")

    def work(item, tmp):
        if item.name == "a":
            raise UsageError("a: user problem")
        if item.name == "b":
            raise KeyError("bug")
        tmp.write_bytes(b"npz")
        return {"frames": 1}

    reports, signum = runner.run_items(items, layout, work, policy="overwrite")
    assert signum == 0 and [r["status"] for r in reports] == ["error", "error", "ok", "error"]
    assert reports[0]["error"] == "a: user problem" and "traceback" not in reports[0]
    assert reports[1]["error"].startswith("KeyError") and "Traceback" in reports[1]["traceback"]
    assert reports[3]["error_code"] == "input_missing"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json", "b.json", "c.json", "c.npz", "gone.json"]
    # --skip-existing keeps what is done and redoes the rest
    seen = []
    reports, _ = runner.run_items(items, layout, lambda i, t: seen.append(i.name) or t.write_bytes(b"x") or {},
                                  policy="skip")
    assert seen == ["a", "b"] and reports[2]["status"] == "skipped"
    assert runner.exit_code(reports, 0) == 1 and runner.exit_code(reports, signal.SIGTERM) == 143


def _batch_signalled_at_b(tmp_path, raise_signal) -> int:
    """Run a 3-file batch whose work calls ``raise_signal()`` on file b; check that a finished, b
    was cancelled without partial files and c never started; return the signal the runner saw."""
    _touch(tmp_path, "in/a.wav", "in/b.wav", "in/c.wav")
    items = discover([tmp_path / "in"])
    layout = runner.Layout(tmp_path / "out", ".npz", tmp_path / "out")

    def work(item, tmp):
        tmp.write_bytes(b"partial")
        if item.name == "b":
            raise_signal()
        return {}

    reports, signum = runner.run_items(items, layout, work, policy="overwrite")
    assert [r["status"] for r in reports] == ["ok"]
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["a.json", "a.npz", "b.json"]  # no b.npz, no temporaries, c not started
    assert json.loads((tmp_path / "out" / "b.json").read_text())["status"] == "cancelled"
    return signum


def test_signal_mid_file_cleans_up_and_stops(tmp_path):
    def sigterm():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)  # the handler raises here

    prev = signal.getsignal(signal.SIGTERM)
    assert _batch_signalled_at_b(tmp_path, sigterm) == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is prev  # handlers restored


def test_sigterm_on_the_cli_leaves_no_partial_files(tmp_path):
    x, rate = sf.read(DEMO, dtype="float32")
    clips = tmp_path / "clips"
    clips.mkdir()
    for k in range(12):
        sf.write(clips / f"line{k:02d}.wav", np.tile(x, 3), rate)
    out = tmp_path / "out"
    stdout, _ = sigterm_after([sys.executable, "-m", "inference", str(clips), "-o", str(out)], REPO_ROOT,
                              out / "line00.json", timeout_s=120, poll_s=0.05)
    assert "stopped by SIGTERM" in stdout
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".") or "partial" in n], names
    for npz in out.glob("*.npz"):  # every output present is complete and reported ok
        assert json.loads(npz.with_suffix(".json").read_text())["status"] == "ok"
        with np.load(npz) as d:
            assert d["arkit"].shape[1] == 52
    assert len(list(out.glob("*.npz"))) < 12


def test_two_overwrite_runs_into_one_folder_do_not_share_temporaries(tmp_path):
    x, rate = sf.read(DEMO, dtype="float32")
    clips = tmp_path / "clips"
    clips.mkdir()
    for k in range(4):
        sf.write(clips / f"l{k}.wav", x[: 2 * rate], rate)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "inference", str(clips), "-o", str(out), "--what", "face", "--overwrite"]
    procs = [subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"l{k}{s}" for k in range(4) for s in (".json", ".npz"))


def test_cli_refuses_then_skips_existing(tmp_path, capsys):
    x, rate = sf.read(DEMO, dtype="float32")
    sf.write(tmp_path / "a.wav", x[: 2 * rate], rate)
    out = tmp_path / "out"
    base = [str(tmp_path / "a.wav"), str(tmp_path / "gone.wav"), "-o", str(out), "--what", "face"]
    assert cli.main(base) == 1  # gone.wav failed, a.npz written
    assert cli.main(base) == 2 and "--skip-existing" in capsys.readouterr().err
    before = (out / "a.npz").stat().st_mtime_ns
    assert cli.main(base + ["--skip-existing"]) == 1  # a skipped, gone reported again
    assert (out / "a.npz").stat().st_mtime_ns == before
    assert "1 skipped" in capsys.readouterr().out


def test_signal_swallowed_by_a_library_still_stops_and_cancels(tmp_path):
    def swallowed_sigint():
        try:  # a decoder that turns everything into its own error
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except BaseException as exc:
            raise ValueError("decoder failed") from exc

    assert _batch_signalled_at_b(tmp_path, swallowed_sigint) == signal.SIGINT
