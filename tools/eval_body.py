"""Evaluate body motion: our procedural generator vs the real BEAT2 take, side by side.

Usage (from the repository root)::

    .venv/bin/python tools/eval_body.py [--seeds 3] [--long-s 600] [--json out.json]

Metrics (all on forward kinematics of :mod:`rigs.smplx_rest` with the global root translation
removed, so that stepping around in the capture does not dominate; the root rotation is kept):

* ``BC``: beat consistency as in BEAT (Liu et al. 2022) / EMAGE (Liu et al. 2024) metric code:
  audio onsets vs local minima of each upper-body joint's speed (13 joints: spine, neck, head,
  collars, shoulders, elbows, wrists); speed normalised by the real take's mean speed per joint,
  minima found with a +-7 frame window and kept only where the normalised speed > 0.3; for every
  audio onset ``exp(-d^2 / (2 sigma^2))`` with ``d`` the distance to the nearest motion beat,
  ``sigma = 0.3 s``, averaged over onsets and joints. Audio onsets: peaks of our log-mel spectral
  flux (:func:`inference.prosody.onset_strength`) picked with librosa's default ``onset_detect``
  rules (local max over 30 ms, above the 100 ms local mean + 0.07 after min-max normalisation,
  30 ms apart). ``BC`` of the real motion against *other* audio gives the chance level.
* ``W1 speed/accel``: 1-D Wasserstein distance between our and the real take's per-frame wrist
  and elbow speed (m/s) and acceleration (m/s^2) distributions (scipy.stats.wasserstein_distance).
* ``gesture share``: fraction of frames where a wrist is more than 5 cm above the pelvis
  joint (hands hanging at rest are 5-15 cm below it); the rest is rest/low hold.
* ``penetration``: fraction of frames with a hand point inside the torso cylinder of
  :mod:`inference.body.collision` (includes its 1.5 cm margin), and the worst depth.
* ``root drift``: horizontal distance between the first and last root translation, and the
  largest distance from the start (m).
* ``jitter``: mean |third difference| of upper-body joint positions, in m/s^3.
* ``L1div``: EMAGE's diversity: mean absolute deviation of joint positions from the clip's mean
  pose (m). ``seed distance``: mean joint distance between two seeds on the same audio.
* ``window nn/median distance`` (repetition): 4 s windows of upper-body joint positions (relative
  to the pelvis); for each, the distance to its nearest window at least 20 s away, divided by the
  median distance between any two windows; the median of that ratio. A looping or repetitive
  generator scores near 0; the real take scores ~0.8.

The BEAT2 take (CC BY-NC 4.0) is read from ``../shared/data`` for evaluation only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.audio import Audio, load_audio  # noqa: E402
from inference.options import GenerateOptions  # noqa: E402
from inference.prosody import PROSODY_FPS, analyze_prosody  # noqa: E402
from inference import backends  # noqa: E402
from inference.body import collision  # noqa: E402
from rigs import smplx_rest  # noqa: E402
from rigs.rotations import axis_angle_to_quat  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BEAT2 = SHARED / "beat2_sample" / "2_scott_0_1_1"
UPPER = (3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
SIGMA_S, ORDER, THRESH = 0.3, 7, 0.3


def body_positions(poses: np.ndarray) -> np.ndarray:
    """FK ``(T, 55, 3)`` with the root translation removed (the root rotation is kept)."""
    return smplx_rest.forward_kinematics(np.asarray(poses, dtype=np.float64))


def audio_onsets_s(audio: Audio) -> np.ndarray:
    """Onset times (s): librosa-default peak picking on our spectral flux (see module doc)."""
    pr = analyze_prosody(audio)
    env = pr.onset_strength.astype(np.float64)
    env = (env - env.min()) / max(env.max() - env.min(), 1e-9)
    fps = PROSODY_FPS
    pre_max, pre_avg, post_avg, wait = int(0.03 * fps), int(0.10 * fps), int(0.10 * fps) + 1, int(0.03 * fps)
    out, last = [], -10 ** 9
    for i in range(env.size):
        lo = max(0, i - pre_max)
        if env[i] < env[lo:i + 2].max():
            continue
        if env[i] < env[max(0, i - pre_avg):i + post_avg].mean() + 0.07:
            continue
        if i - last > wait:
            out.append(i / fps)
            last = i
    return np.asarray(out)


def motion_beats_s(pos: np.ndarray, fps: float, mean_speed: np.ndarray) -> list[np.ndarray]:
    """Per upper-body joint: times of local speed minima (normalised speed > threshold)."""
    vel = np.gradient(pos[:, UPPER], 1.0 / fps, axis=0)
    speed = np.linalg.norm(vel, axis=2) / mean_speed[None, :]
    beats = []
    n = speed.shape[0]
    for j in range(speed.shape[1]):
        s = speed[:, j]
        idx = []
        for i in range(ORDER, n - ORDER):
            w = s[i - ORDER:i + ORDER + 1]
            if s[i] < np.delete(w, ORDER).min() and s[i] > THRESH:
                idx.append(i)
        beats.append(np.asarray(idx) / fps)
    return beats


def beat_consistency(onsets_s: np.ndarray, beats: list[np.ndarray]) -> float:
    vals = []
    for b in beats:
        if b.size == 0 or onsets_s.size == 0:
            vals.append(0.0)
            continue
        d = np.abs(onsets_s[:, None] - b[None, :]).min(axis=1)
        vals.append(float(np.mean(np.exp(-d ** 2 / (2 * SIGMA_S ** 2)))))
    return float(np.mean(vals))


SHIFTS_S = (3.1, 7.3, 13.7, 21.1, 29.9)


def shifted_bc(onsets, pos, fps, mean_speed, duration_s):
    """BC against the same onsets circularly shifted in time (mean over :data:`SHIFTS_S`): the BC
    that motion of this kind gets with no alignment at all."""
    beats = motion_beats_s(pos, fps, mean_speed)
    return float(np.mean([beat_consistency(np.sort((onsets + s) % duration_s), beats) for s in SHIFTS_S]))


def accent_locking(pos, fps, accents_s):
    """Mean wrist speed (faster wrist) at accents divided by its mean 0.1-0.5 s away from them.

    < 1: the hands slow down on stressed syllables (stroke apexes there); 1: no relation."""
    sp = np.linalg.norm(np.gradient(pos[:, [20, 21]], 1.0 / fps, axis=0), axis=2).max(axis=1)
    at, away = [], []
    for a in accents_s:
        f = int(round(a * fps))
        if f - 15 >= 0 and f + 16 <= sp.size:
            at.append(sp[f])
            away.append(np.r_[sp[f - 15:f - 2], sp[f + 3:f + 16]].mean())
    return float(np.mean(at) / max(np.mean(away), 1e-9)) if at else float("nan")


def timing_metrics(pos, fps, onsets, accents, mean_speed, duration_s):
    global SIGMA_S
    out = {"BC shifted (chance)": shifted_bc(onsets, pos, fps, mean_speed, duration_s)}
    beats = motion_beats_s(pos, fps, mean_speed)
    keep, SIGMA_S = SIGMA_S, 0.1
    try:
        out["BC accents sigma 0.1"] = beat_consistency(accents, beats)
        out["BC accents sigma 0.1 shifted"] = shifted_bc(accents, pos, fps, mean_speed, duration_s)
    finally:
        SIGMA_S = keep
    out["accent locking (wrist speed ratio)"] = accent_locking(pos, fps, accents)
    out["window nn/median distance"] = repetition_ratio(pos, fps)
    return out


def repetition_ratio(pos, fps):
    """Median over 4 s windows of (distance to the nearest window >= 20 s away) / (median distance
    between all windows). Near 0: the motion repeats itself; ~0.8: as varied as the real take."""
    feats, hop = windows(pos, fps)
    d = _pairwise_rms(feats)
    off = d[~np.eye(d.shape[0], dtype=bool)]
    return float(np.median(nn_far(feats, hop)) / np.median(off))


def _pairwise_rms(feats: np.ndarray) -> np.ndarray:
    sq = (feats ** 2).sum(axis=1)
    d2 = (sq[:, None] + sq[None, :] - 2.0 * feats @ feats.T) / feats.shape[1]
    return np.sqrt(np.maximum(d2, 0.0))


def kinematics(pos: np.ndarray, fps: float):
    """Wrist+elbow speed (m/s) and acceleration (m/s^2) samples."""
    j = pos[:, [18, 19, 20, 21]]
    v = np.gradient(j, 1.0 / fps, axis=0)
    a = np.gradient(v, 1.0 / fps, axis=0)
    return np.linalg.norm(v, axis=2).ravel(), np.linalg.norm(a, axis=2).ravel()


def gesture_share(pos: np.ndarray, fps: float) -> float:
    """Frames where a hand is raised: a wrist more than 5 cm above the pelvis joint."""
    w = pos[:, [20, 21]]
    return float(np.mean((w[..., 1] > pos[:, :1, 1] + 0.05).any(axis=1)))


def jitter(pos: np.ndarray, fps: float) -> float:
    d3 = np.diff(pos[:, UPPER], n=3, axis=0) * fps ** 3
    return float(np.mean(np.linalg.norm(d3, axis=2)))


def l1div(pos: np.ndarray) -> float:
    x = pos[:, UPPER]
    return float(np.mean(np.abs(x - x.mean(axis=0))))


def windows(pos: np.ndarray, fps: float, win_s: float = 4.0, hop_s: float = 2.0) -> np.ndarray:
    w, h = int(win_s * fps), int(hop_s * fps)
    x = pos[:, UPPER] - pos[:, :1]
    starts = range(0, x.shape[0] - w + 1, h)
    return np.stack([x[s:s + w:3].ravel() for s in starts]), hop_s


def nn_far(feats: np.ndarray, hop_s: float, min_gap_s: float = 20.0) -> np.ndarray:
    k = feats.shape[0]
    d = _pairwise_rms(feats)
    gap = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :]) * hop_s
    d[gap < min_gap_s] = np.inf
    return d.min(axis=1)


def metrics(poses, transl, fps, onsets, mean_speed, real_kin=None):
    pos = body_positions(poses)
    q = axis_angle_to_quat(np.asarray(poses, dtype=np.float64))
    pen = collision.penetration(q, np.zeros((q.shape[0], 3)))
    sp, ac = kinematics(pos, fps)
    tr = np.asarray(transl, dtype=np.float64)
    horiz = tr[:, [0, 2]] - tr[:1, [0, 2]]
    out = {
        "BC": beat_consistency(onsets, motion_beats_s(pos, fps, mean_speed)),
        "wrist/elbow speed median m/s": float(np.median(sp)),
        "wrist/elbow speed p95 m/s": float(np.percentile(sp, 95)),
        "wrist/elbow accel median m/s2": float(np.median(ac)),
        "gesture share": gesture_share(pos, fps),
        "penetration frames": float(np.mean(pen > 0)),
        "penetration max m": float(pen.max()),
        "root drift end m": float(np.linalg.norm(horiz[-1])),
        "root drift max m": float(np.linalg.norm(horiz, axis=1).max()),
        "jitter m/s3": jitter(pos, fps),
        "L1div m": l1div(pos),
    }
    if real_kin is not None:
        from scipy.stats import wasserstein_distance

        out["W1 speed m/s"] = float(wasserstein_distance(sp, real_kin[0]))
        out["W1 accel m/s2"] = float(wasserstein_distance(ac, real_kin[1]))
    return out, pos


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--long-s", type=float, default=600.0)
    ap.add_argument("--json", default="")
    args = ap.parse_args(argv)
    if not BEAT2.with_suffix(".npz").exists():
        print(f"BEAT2 sample not found at {BEAT2}.npz; nothing to compare against")
        return 1
    real = np.load(BEAT2.with_suffix(".npz"))
    real_poses = real["poses"].reshape(-1, 55, 3)
    real_fps = float(real["mocap_frame_rate"])
    audio = load_audio(BEAT2.with_suffix(".wav"))
    real_pos = body_positions(real_poses)
    mean_speed = np.linalg.norm(np.gradient(real_pos[:, UPPER], 1 / real_fps, axis=0), axis=2).mean(axis=0)
    real_kin = kinematics(real_pos, real_fps)
    body = backends.get_body_backend("procedural")
    results = {}
    onsets = audio_onsets_s(audio)
    accents = analyze_prosody(audio).accents_s
    r, _ = metrics(real_poses, real["trans"], real_fps, onsets, mean_speed, real_kin)
    r.update(timing_metrics(real_pos, real_fps, onsets, accents, mean_speed, audio.duration_s))
    results["BEAT2 real motion, own audio"] = r
    seed_runs = []
    for seed in range(args.seeds):
        tr = body.run(audio, GenerateOptions(seed=seed))
        m, pos = metrics(tr.poses, tr.transl, tr.fps, onsets, mean_speed, real_kin)
        m.update(timing_metrics(pos, tr.fps, onsets, accents, mean_speed, audio.duration_s))
        seed_runs.append((m, pos))
    results["ours, BEAT2 audio (mean over seeds)"] = {k: float(np.mean([m[k] for m, _ in seed_runs])) for k in seed_runs[0][0]}
    n = min(p.shape[0] for _, p in seed_runs)
    results["ours, BEAT2 audio (mean over seeds)"]["seed distance m"] = float(np.mean(
        [np.linalg.norm(seed_runs[i][1][:n, UPPER] - seed_runs[j][1][:n, UPPER], axis=2).mean()
         for i in range(len(seed_runs)) for j in range(i + 1, len(seed_runs))]))
    # other real speech: our motion on it, and the real take's motion as a chance baseline
    clips = sorted((SHARED / "speech" / "en").glob("*"))
    other = [load_audio(p) for p in clips if p.suffix in (".wav", ".flac", ".ogg")]
    other_audio = Audio(np.concatenate([a.samples for a in other]), 16000, 16000, "speech/en (all clips)")
    o_onsets = audio_onsets_s(other_audio)
    tr = body.run(other_audio, GenerateOptions(seed=0))
    m, _ = metrics(tr.poses, tr.transl, tr.fps, o_onsets, mean_speed, real_kin)
    results[f"ours, other speech ({other_audio.duration_s:.0f} s)"] = m
    k = min(real_poses.shape[0], int(other_audio.duration_s * real_fps))
    chance = beat_consistency(o_onsets[o_onsets < k / real_fps],
                              motion_beats_s(real_pos[:k], real_fps, mean_speed))
    results["BEAT2 real motion vs other speech (chance BC)"] = {"BC": chance}
    # long input: loop real speech to args.long_s
    reps = int(np.ceil(args.long_s / other_audio.duration_s))
    long_audio = Audio(np.tile(other_audio.samples, reps)[:int(args.long_s * 16000)], 16000, 16000, "long")
    t0 = time.perf_counter()
    tr = body.run(long_audio, GenerateOptions(seed=0))
    long_time = time.perf_counter() - t0
    long_pos = body_positions(tr.poses)
    results[f"ours, {args.long_s:.0f} s looped speech"] = {
        "window nn/median distance": repetition_ratio(long_pos, tr.fps), "L1div m": l1div(long_pos),
        "root drift max m": float(np.linalg.norm(tr.transl[:, [0, 2]] - tr.transl[:1, [0, 2]], axis=1).max()),
        "seconds to generate": long_time}
    t0 = time.perf_counter()
    body.run(Audio(long_audio.samples[:60 * 16000], 16000, 16000), GenerateOptions())
    results["timing"] = {"body backend 60 s audio, s": time.perf_counter() - t0,
                         f"body backend {args.long_s:.0f} s audio, s": long_time}
    for name, vals in results.items():
        print(f"\n## {name}")
        for key, val in vals.items():
            print(f"  {key:40s} {val:.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
