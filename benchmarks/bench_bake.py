"""Baking speed in the bpy module: bulk (``keyframe_points.add`` + ``foreach_set``) vs per-key
``keyframe_insert``, on the demo character, plus the whole Generate path (generate + targets + bake).

    .venv/bin/python -m benchmarks.bench_bake --duration 60 [--per-key-frames 900]

Prints one ``RESULT:<json>`` line. Per-key baking of long clips is slow; it is run on the first
``--per-key-frames`` frames only and extrapolated linearly to the whole clip (``per_key_extrapolated``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .measure import max_rss_mb, timed, traced_peak_mb
from .speech import write_speech

FPS = 30


def _scene():
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    return scene


def per_key_bake(character, targets, frames: int, frame_start: int = 1, every: int = 100):
    """Bake the first ``frames`` frames of ``targets`` with one ``keyframe_insert`` per property and
    frame (quaternions: one call keys all 4 channels), as a naive add-on would.

    Returns:
        ``(calls, checkpoints)``: ``keyframe_insert`` calls made and ``[(frames_done, seconds)]``
        every ``every`` frames.
    """
    import re

    key = character.head.data.shape_keys
    arm = character.armature
    for id_data in (key, arm):
        id_data.animation_data_clear()
    calls = 0
    checkpoints = []
    shape, bone_rot, bone_loc = {}, {}, {}
    for t in targets:
        for c in t.channels:
            m = re.match(r'key_blocks\["(.+)"\]\.value', c.data_path)
            if m:
                shape[m.group(1)] = c.values
                continue
            m = re.match(r'pose\.bones\["(.+)"\]\.(rotation_quaternion|location)', c.data_path)
            table = bone_rot if m.group(2) == "rotation_quaternion" else bone_loc
            table.setdefault(m.group(1), {})[c.index] = c.values
    kbs = key.key_blocks
    pbs = arm.pose.bones
    for name in bone_rot:
        pbs[name].rotation_mode = "QUATERNION"
    t0 = time.perf_counter()
    for i in range(frames):
        f = frame_start + i
        for name, v in shape.items():
            kb = kbs[name]
            kb.value = float(v[i])
            kb.keyframe_insert("value", frame=f, group="ARKit")
            calls += 1
        for name, comps in bone_rot.items():
            pb = pbs[name]
            pb.rotation_quaternion = [float(comps[k][i]) for k in range(4)]
            pb.keyframe_insert("rotation_quaternion", frame=f, group=name)
            calls += 1
        for name, comps in bone_loc.items():
            pb = pbs[name]
            pb.location = [float(comps[k][i]) for k in range(3)]
            pb.keyframe_insert("location", frame=f, group=name)
            calls += 1
        if (i + 1) % every == 0 or i + 1 == frames:
            checkpoints.append((i + 1, time.perf_counter() - t0))
    return calls, checkpoints


def extrapolate(checkpoints, frames: int) -> float:
    """Seconds for ``frames`` frames from ``[(n, seconds)]``: least-squares fit of ``a n + b n^2``
    (a, b >= 0), since each ``keyframe_insert`` gets slower as its F-curve grows."""
    n = np.array([c[0] for c in checkpoints], float)
    t = np.array([c[1] for c in checkpoints], float)
    coef, *_ = np.linalg.lstsq(np.stack([n, n * n], 1), t, rcond=None)
    a, b = max(coef[0], 0.0), max(coef[1], 0.0)
    if coef[1] < 0:  # no growth measured: linear
        a, b = float(t[-1] / n[-1]), 0.0
    return float(a * frames + b * frames * frames)


def run(duration_s: float, per_key_frames: int) -> dict:
    from tools.bake import PACKAGE, load_extension

    load_extension(register=True)
    import importlib

    bake = importlib.import_module(f"{PACKAGE}.addon.bake")
    pipeline = importlib.import_module(f"{PACKAGE}.addon.pipeline")
    demo = importlib.import_module(f"{PACKAGE}.addon.demo_character")
    tf = importlib.import_module(f"{PACKAGE}.addon.targets_face")
    tb = importlib.import_module(f"{PACKAGE}.addon.targets_body")
    options_mod = importlib.import_module(f"{PACKAGE}.inference.options")
    out: dict = {"duration_s": duration_s}
    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        out["audio"] = desc
        scene = _scene()
        out["build_character_s"], ch = timed(demo.build_demo_character)
        opts = options_mod.GenerateOptions(fps=FPS)
        # 1. the whole Generate path, exactly as the sidebar button / batch CLI run it (dense keys)
        t0 = time.perf_counter()
        job = pipeline.make_job(str(wav), 1, opts, face_objects=(ch.head.name,), armature=ch.armature.name,
                                replace_generated=True)
        perf = pipeline.infer(job)
        t1 = time.perf_counter()
        outcome = pipeline.apply(job, perf)
        t2 = time.perf_counter()
        out["e2e"] = {"generate_s": t1 - t0, "apply_s": t2 - t1, "total_s": t2 - t0, "rtf": (t2 - t0) / duration_s,
                      "frames": perf.num_frames, "keys": outcome.result.keys,
                      "face_model": perf.provenance.face_model, "body_model": perf.provenance.body_model,
                      "stages_s": dict(outcome.timings_s)}
        # the same again in the warm process (second click: modules and models already loaded)
        t0 = time.perf_counter()
        job = pipeline.make_job(str(wav), 1, opts, face_objects=(ch.head.name,), armature=ch.armature.name,
                                replace_generated=True)
        perf = pipeline.infer(job)
        t1 = time.perf_counter()
        pipeline.apply(job, perf)
        t2 = time.perf_counter()
        out["e2e_warm"] = {"generate_s": t1 - t0, "apply_s": t2 - t1, "total_s": t2 - t0, "rtf": (t2 - t0) / duration_s}
        # 2. targets and bulk bake separately (best of 3 for short clips)
        reps = 3 if duration_s <= 60 else 1

        def targets():
            ft, _ = tf.build_face_targets([ch.head], perf)
            bt, _ = tb.build_body_targets(ch.armature, perf)
            return ft + bt

        out["targets_s"], tg = timed(targets, reps)
        channels = sum(len(t.channels) for t in tg)
        out["channels"] = channels
        out["dense_keys"] = channels * perf.num_frames
        out["bulk_bake_s"], res = timed(lambda: bake.bake(tg, 1, str(wav), replace_generated=True), reps)
        out["bulk_peak_traced_mb"], _ = traced_peak_mb(lambda: bake.bake(tg, 1, str(wav), replace_generated=True))
        out["reduced_bake_s"], red = timed(
            lambda: bake.bake(tg, 1, str(wav), replace_generated=True, key_tolerance=0.005), reps)
        out["reduced_keys"] = red.keys
        # 3. per-key keyframe_insert on the same channel values
        n = min(perf.num_frames, per_key_frames)
        calls, checkpoints = per_key_bake(ch, tg, n)
        per_key = checkpoints[-1][1]
        full = per_key if n == perf.num_frames else extrapolate(checkpoints, perf.num_frames)
        out["per_key"] = {"frames_timed": n, "calls": calls, "seconds_timed": per_key, "seconds_full": full,
                          "extrapolated": n < perf.num_frames, "checkpoints": checkpoints,
                          "linear_lower_bound_s": per_key * perf.num_frames / n}
        out["bulk_vs_per_key"] = out["per_key"]["seconds_full"] / out["bulk_bake_s"]
    out["max_rss_mb"] = max_rss_mb()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, required=True, help="seconds of speech")
    ap.add_argument("--per-key-frames", type=int, default=900, help="frames baked per key (default 900)")
    args = ap.parse_args(argv)
    print("RESULT:" + json.dumps(run(args.duration, args.per_key_frames)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
