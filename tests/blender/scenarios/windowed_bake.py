"""Scenario: a Generate baked window by window (addon/windowed_bake.py) against the one-window path,
and a cancel between windows. Params: audio, window_s, seed, gesture (GestureStyle fields)."""

import hashlib

import numpy as np
from scenario import PARAMS, demo_scene, emit, finish

import bpy
from speech_animator.addon import compat, pipeline
from speech_animator.inference import GenerateOptions, GestureStyle

scene, demo = demo_scene()
job = pipeline.make_job(PARAMS["audio"], 1, GenerateOptions(fps=30.0, seed=PARAMS.get("seed", 0), gesture=GestureStyle(**PARAMS.get("gesture", {}))), face_objects=(demo.head.name,),
                        armature=demo.armature.name, replace_generated=True)
perf = pipeline.infer(job)
ids = (demo.head.data.shape_keys, demo.armature)


def keys() -> dict:
    """``{"<id> <path>[<index>]": [[frame, value], ...]}`` of the assigned actions."""
    out = {}
    for idd in ids:
        action, slot = compat.assigned(idd)
        for fc in compat.action_fcurves(action, slot) if action is not None else ():
            co = np.empty(2 * len(fc.keyframe_points), np.float32)
            fc.keyframe_points.foreach_get("co", co)
            out[f"{idd.name} {fc.data_path}[{fc.array_index}]"] = co.reshape(-1, 2)
    return out


def state() -> str:
    """Digest of everything a bake may change: actions and their keys and tags, assignments, NLA
    tracks and strips, pose bones' rotation modes."""
    h = hashlib.sha256()
    for a in sorted(bpy.data.actions, key=lambda a: a.name):
        h.update(f"{a.name}|{a.users}|{a.use_fake_user}|{sorted(a.keys())}".encode())
        for fc in compat.action_fcurves(a, None):
            co = np.empty(2 * len(fc.keyframe_points), np.float32)
            fc.keyframe_points.foreach_get("co", co)
            h.update(f"{fc.data_path}{fc.array_index}{fc.mute}".encode() + co.tobytes())
    for idd in ids:
        ad = idd.animation_data
        action = compat.assigned(idd)[0]
        h.update(f"{idd.name}|{action.name if action else None}".encode())
        for tr in (ad.nla_tracks if ad else ()):
            h.update(f"{tr.name}|{tr.mute}|{[s.name for s in tr.strips]}".encode())
    h.update(str([pb.rotation_mode for pb in demo.armature.pose.bones]).encode())
    return h.hexdigest()


def run(window_s):
    steps = pipeline.apply_steps(job, perf, window_s=window_s)
    first_phase = 0
    while True:
        try:
            if pipeline.cancellable(next(steps)):
                first_phase += 1
        except StopIteration as stop:
            return stop.value, first_phase


def cancel_after(window_s, windows: int):
    """Start a windowed bake, let ``windows`` windows be built, then close it (Esc)."""
    steps = pipeline.apply_steps(job, perf, window_s=window_s)
    fractions = [next(steps) for _ in range(windows)]
    steps.close()
    return fractions


out = {"frames": int(perf.num_frames)}
s0 = state()
out["cancel_fresh"] = cancel_after(PARAMS["window_s"], 2)
out["fresh_unchanged"] = state() == s0
one, out["one_window_yields"] = run(None)
k1 = keys()
s1 = state()
out["cancel_baked"] = cancel_after(PARAMS["window_s"], 3)
out["baked_unchanged"] = state() == s1
many, out["multi_window_yields"] = run(PARAMS["window_s"])
k2 = keys()
out["curves"] = [len(k1), len(k2)]
out["same_curves"] = sorted(k1) == sorted(k2)
out["max_diff"] = max(float(np.abs(k1[k] - k2[k]).max()) if k1[k].shape == k2[k].shape else float("inf")
                      for k in k1) if out["same_curves"] else None
out["keys"] = [one.result.keys, many.result.keys]
out["notes_many"] = [w for w in many.warnings if "window" in w]
out["pushed_out"] = [w for w in one.warnings if "kept out of" in w]
emit(out)
finish()
