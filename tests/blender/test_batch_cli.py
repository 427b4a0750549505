"""Headless batch bake (addon/cli.py through tools/bake.py): good, corrupt and silent files."""

import json
import subprocess
import sys

import numpy as np
import soundfile as sf

from bpy_harness import ROOT, run_bpy, write_speechlike
from tests.cli_signals import sigterm_after

MAKE_BLEND = """
import bpy, scene_fixtures as sf
sf.build_scene(fps=25)
bpy.ops.wm.save_as_mainfile(filepath=PATH)
emit({"ok": True})
"""


def make_inputs(tmp_path):
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    write_speechlike(clips / "one.wav", silence_s=0.3, speech_s=1.5)
    write_speechlike(clips / "sub" / "two.flac", silence_s=0.2, speech_s=1.0, rate_hz=16000)
    sf.write(str(clips / "silent.wav"), np.zeros(16000, np.float32), 16000)
    (clips / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot really audio")
    (clips / "notes.txt").write_text("not audio, must be ignored by the folder scan")
    blend = tmp_path / "scene.blend"
    run_bpy(MAKE_BLEND.replace("PATH", repr(str(blend))))
    return clips, blend


def bake_cli(*args):
    return subprocess.run([sys.executable, "-m", "tools.bake", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_batch_folder_one_blend_per_file_bad_file_reported(tmp_path):
    clips, blend = make_inputs(tmp_path)
    out, rep = tmp_path / "out", tmp_path / "reports"
    proc = bake_cli("--blend", blend, clips, "--face", "Face", "--what", "face", "--face-model", "fast",
                    "--output-dir", out, "--report-dir", rep, "--start-frame", "10")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "corrupt.wav" in proc.stderr and "cannot decode audio" in proc.stderr
    assert "1 input(s) failed" in proc.stderr
    reports = {p.stem: json.loads(p.read_text()) for p in rep.rglob("*.json")}
    assert (rep / "sub" / "two.json").is_file()  # names mirror the input folders
    assert sorted(reports) == ["corrupt", "one", "silent", "two"]
    assert reports["corrupt"]["status"] == "error" and "cannot decode audio" in reports["corrupt"]["error"]
    for name in ("one", "two", "silent"):
        r = reports[name]
        assert r["status"] == "ok", r
        assert r["fps"] == 25 and r["frame_start"] == 10
        assert r["frames"] == int(np.ceil(r["duration_s"] * 25 - 1e-6))
        assert r["actions"] == [f"{name} - Face (Face)"]
        assert r["keys"] == 52 * r["frames"]
        assert set(r["timings_s"]) >= {"load_audio", "face", "bake"}
        assert (out / ("sub/two" if name == "two" else name)).with_suffix(".blend").is_file()
    assert any("no speech" in w for w in reports["silent"]["warnings"])
    assert not (out / "corrupt.blend").exists()
    # each output file holds exactly its own action; the opened state was restored in between
    res, _ = run_bpy(f"""
import bpy
from tools.bake import load_extension
load_extension()
from speech_animator.addon import bake, compat
found = {{}}
for name, path in (("one", "one"), ("two", "sub/two")):
    bpy.ops.wm.open_mainfile(filepath={str(out)!r} + f"/{{path}}.blend")
    key = bpy.data.objects["Face"].data.shape_keys
    action, slot = compat.assigned(key)
    fc = [f for f in compat.action_fcurves(action, slot) if f.data_path == 'key_blocks["jawOpen"].value'][0]
    found[name] = {{"action": action.name, "generated": sorted(a.name for a in bpy.data.actions if bake.is_generated(a)),
                   "first": fc.keyframe_points[0].co[0], "n": len(fc.keyframe_points)}}
emit(found)
""")
    for name in ("one", "two"):
        assert res[name]["action"] == f"{name} - Face (Face)"
        assert res[name]["generated"] == [f"{name} - Face (Face)"]
        assert res[name]["first"] == 10 and res[name]["n"] == reports[name]["frames"]


def test_batch_into_one_blend_and_clear_errors(tmp_path):
    clips, blend = make_inputs(tmp_path)
    target = tmp_path / "all.blend"
    proc = bake_cli("--blend", blend, clips / "one.wav", clips / "sub" / "two.flac", "--face", "Face",
                    "--what", "face", "--face-model", "fast", "--output-blend", target, "--reduce-keys", "0.01")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 file(s) baked" in proc.stdout and target.is_file()
    rep = json.loads((tmp_path / "one.json").read_text())
    assert rep["keys"] < 52 * rep["frames"]  # key reduction on
    again = bake_cli("--blend", blend, clips / "one.wav", "--face", "Face", "--output-blend", target)
    assert again.returncode == 2 and "already exist" in again.stderr  # the combined file is not replaced
    skip = bake_cli("--blend", blend, clips / "one.wav", "--face", "Face", "--output-blend", target, "--skip-existing")
    assert skip.returncode == 2 and "--skip-existing: expected --output-dir" in skip.stderr
    # bad arguments: unknown object, missing input, no output given
    bad = bake_cli("--blend", blend, clips / "one.wav", "--face", "NoSuchObject", "--output-dir", tmp_path / "x")
    assert bad.returncode == 2 and "NoSuchObject" in bad.stderr and "one of Face" in bad.stderr
    assert not (tmp_path / "x").exists()  # refused before any work
    missing = bake_cli("--blend", blend, tmp_path / "nope.wav", "--face", "Face", "--output-dir", tmp_path / "x")
    assert missing.returncode == 1 and "no such file or folder" in missing.stderr
    gone = json.loads((tmp_path / "x" / "nope.json").read_text())  # a missing input gets its report
    assert gone["status"] == "error" and gone["error_code"] == "input_missing"
    usage = bake_cli("--blend", blend, clips / "one.wav", "--face", "Face")
    assert usage.returncode == 2 and "--output-dir" in usage.stderr


def test_cli_command_is_registered_with_blender_and_removed_on_unregister():
    res, _ = run_bpy("""
import bpy
from tools.bake import load_extension
ext = load_extension()
from speech_animator.addon import cli
registered = cli._HANDLE["cli"] is not None
ext.unregister()
emit({"has_api": hasattr(bpy.utils, "register_cli_command"), "registered": registered,
      "after": cli._HANDLE["cli"] is None})
""")
    assert res == {"has_api": True, "registered": True, "after": True}


def test_missing_part_target_is_skipped_with_a_warning(tmp_path):
    clips, blend = make_inputs(tmp_path)
    proc = bake_cli("--blend", blend, clips / "one.wav", "--face", "Face", "--face-model", "fast",
                    "--output-dir", tmp_path / "o", "--fps", "29.97")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads((tmp_path / "o" / "one.json").read_text())
    assert abs(rep["fps"] - 29.97) < 1e-6  # --fps sets render.fps=30, fps_base=30/29.97 (float32)
    assert rep["frames"] == int(np.ceil(rep["duration_s"] * rep["fps"] - 1e-6))
    assert rep["actions"] == ["one - Face (Face)"]
    assert "body: no armature chosen, skipped" in rep["warnings"]


def test_bad_options_exit_2_before_any_work(tmp_path):
    clips, blend = make_inputs(tmp_path)
    out = tmp_path / "o"
    for bad, needle in ((["--fps", "0"], "--fps: expected a frame rate in [1, 1000], found 0.0"),
                        (["--fps", "-24"], "found -24.0"),
                        (["--face-model", "nope"], "--face-model: expected one of default, "),
                        (["--armature", "Face"], "--armature 'Face': expected an armature object")):
        proc = bake_cli("--blend", blend, clips / "one.wav", "--face", "Face", "--output-dir", out, *bad)
        assert proc.returncode == 2, (bad, proc.stdout + proc.stderr)
        assert needle in proc.stderr, (bad, proc.stderr)
        assert not out.exists()


def test_colliding_names_folder_and_file_reruns_and_failed_save(tmp_path):
    _, blend = make_inputs(tmp_path)
    src = tmp_path / "src"
    for rel in ("a/x.wav", "b/x.wav", "x.wav"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        write_speechlike(src / rel, silence_s=0.1, speech_s=0.5)
    write_speechlike(src / "x.flac", silence_s=0.1, speech_s=0.6, rate_hz=16000)
    out = tmp_path / "out"
    common = ["--blend", blend, "--face", "Face", "--what", "face", "--face-model", "fast", "--output-dir", out]
    proc = bake_cli(src, src / "a" / "x.wav", src / "x.wav", *common)  # folder + files inside it
    assert proc.returncode == 0, proc.stdout + proc.stderr
    blends = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.blend"))
    assert blends == ["a/x.blend", "b/x.blend", "x.flac.blend", "x.wav.blend"]
    assert proc.stdout.count("ok ") == 4 and not list(out.rglob(".*"))
    # a second run refuses up front, changing nothing
    again = bake_cli(src, *common)
    assert again.returncode == 2 and "--skip-existing" in again.stderr
    # --skip-existing keeps what is done; with --overwrite a save that fails is one file's error
    skip = bake_cli(src, *common, "--skip-existing")
    assert skip.returncode == 0 and sum(ln.startswith("skipped ") for ln in skip.stdout.splitlines()) == 4
    (out / "a" / "x.blend").unlink()
    (out / "a" / "x.blend").mkdir()  # the rename onto it fails
    over = bake_cli(src, *common, "--overwrite")
    assert over.returncode == 1, over.stdout + over.stderr
    reports = {p.relative_to(out).as_posix(): json.loads(p.read_text()) for p in out.rglob("*.json")}
    assert reports["a/x.json"]["status"] == "error" and "x.blend" in reports["a/x.json"]["error"]
    assert [reports[k]["status"] for k in ("b/x.json", "x.flac.json", "x.wav.json")] == ["ok"] * 3
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.name.endswith("@")]


def test_two_batches_into_one_folder_both_report_the_truth(tmp_path):
    clips, blend = make_inputs(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "tools.bake", "--blend", str(blend), str(clips / "one.wav"),
           str(clips / "sub" / "two.flac"), "--face", "Face", "--what", "face", "--face-model", "fast",
           "--output-dir", str(out), "--overwrite"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, stdout + stderr
    for name in ("one", "sub/two"):
        rep = json.loads((out / f"{name}.json").read_text())
        assert rep["status"] == "ok" and (out / f"{name}.blend").is_file()
    assert not [p for p in out.rglob("*") if p.name.startswith(".") or p.name.endswith("@")]


def test_damaged_audio_is_never_a_silent_ok(tmp_path):
    sys.path.insert(0, str(ROOT))
    from tests.test_audio_damage import damaged_set

    _, blend = make_inputs(tmp_path)
    src = damaged_set(tmp_path / "damaged")
    for p in src.iterdir():
        if p.stem not in ("truncated", "random", "trailing"):
            p.unlink()
    out = tmp_path / "out"
    proc = bake_cli("--blend", blend, src, "--face", "Face", "--what", "face", "--face-model", "fast",
                    "--output-dir", out)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    rep = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    assert "header declares 11.64 s of audio, found 3.88 s" in rep["truncated.wav"]["error"]
    assert "without its end-of-stream page" in rep["truncated.ogg"]["error"]
    assert "found random data" in rep["random"]["error"]
    assert rep["trailing"]["status"] == "ok"
    assert any("bytes after the audio data" in w for w in rep["trailing"]["warnings"])


def test_sigterm_leaves_no_partial_blend(tmp_path):
    _, blend = make_inputs(tmp_path)
    src = tmp_path / "many"
    src.mkdir()
    for k in range(12):
        write_speechlike(src / f"l{k:02d}.wav", silence_s=0.1, speech_s=3.0)
    out = tmp_path / "out"
    sigterm_after([sys.executable, "-m", "tools.bake", "--blend", str(blend), str(src), "--face", "Face",
                   "--what", "face", "--face-model", "fast", "--output-dir", str(out)],
                  ROOT, out / "l00.json", timeout_s=240, poll_s=0.02)
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".") or n.endswith("@") or "partial" in n], names
    blends = [n for n in names if n.endswith(".blend")]
    assert 1 <= len(blends) < 12
    for b in blends:
        assert json.loads((out / b).with_suffix(".json").read_text())["status"] == "ok"
