"""Evaluate body motion against the real BEAT2 take, on audio not used for tuning.

Usage (from the repository root)::

    .venv/bin/python -m tools.eval.body [--seeds 3] [--long-s 600] [--json out.json] [--style NAME]

**Split.** The take ``2_scott_0_1_1`` (64 s, 30 fps) is cut in two: the first
:data:`TUNE_S` seconds are the *tuning* part (anything we adjusted was adjusted looking at it),
the rest is the *held-out* part. Our generator runs on the held-out part's audio only (the audio
segment is cut out and generated on its own), and every number in the report compares it with
the real motion of that same held-out part. The real tuning half vs the real held-out half gives
the reference distance for the Frechet metric (two stretches of the same person talking).

Speed is CPU time of this process (``time.process_time``; the machine is shared, so wall time
varies with other load), body backend only, prosody analysis included.

**Frames.** Positions come from forward kinematics on :mod:`rigs.smplx_rest` (same skeleton for
real and ours, no shape blend shapes), expressed in the *body-heading frame*: the pelvis joint
is the origin and the root's heading (yaw about +Y) is removed, so turning and walking do not
inflate the hand metrics; the root's tilt and everything above it stay.

Metrics (per wrist, left/right, unless said otherwise):

* ``gesture space L`` (litres): volume of the 5-95 percentile box of the wrist position
  (product of the three per-axis 5-95 % ranges, m^3 x 1000).
* ``wrist speed`` (m/s): mean norm of the wrist velocity (central differences).
* ``L/R speed corr``: Pearson correlation of the left and right wrist speed series (two-handed
  gesturing -> high; one hand at a time -> low).
* ``share 2-4 Hz`` / ``share 4-8 Hz``: share of wrist velocity power in that band, from a Welch
  power spectrum (scipy.signal.welch, 4 s Hann segments, half overlap) of each velocity axis,
  summed over axes and both wrists, divided by the power from 0 Hz to Nyquist. Nervous
  micro-loops show up here; real beats are slower.
* ``root travel`` (m): path length of the horizontal root translation after a 0.5 s moving
  average (removes capture noise); ``root turn`` (rad): path length of the heading angle.
* ``L1div`` (cm): EMAGE's L1 diversity: mean absolute deviation of the upper-body joint
  positions (13 joints, body-heading frame) from their mean over the clip.
* ``Frechet``: windows of 2 s every 0.5 s; per window a 17-D hand feature: for each wrist the
  mean position (3, cm), the position standard deviation (3, cm), mean and 90th-percentile speed
  (cm/s), and the window's L/R wrist-speed correlation. A Gaussian is fitted per set of windows
  and the Frechet distance between Gaussians (FID's formula) is reported, after each feature
  is divided by its standard deviation over all windows of the real take (both halves), so
  centimetres, cm/s and the correlation weigh alike.
* ``foot skate`` (cm/frame): horizontal displacement per frame of a foot joint (ankle and foot,
  world coordinates incl. translation) while it is in contact, contact = the joint within 2 cm
  of its lowest height in the clip; mean and 99th percentile.
* ``jitter`` (m/s^3): mean norm of the third difference of upper-body joint positions.
* ``hand-torso penetration``: share of frames with a hand point inside the SMPL-X torso cylinder
  of :mod:`inference.body.collision` (1.5 cm margin included).
* ``window nn/median`` (variety): over 4 s windows of upper-body positions, the distance to the
  nearest window at least 20 s away over the median distance of all pairs (0 = loops).

Beat consistency (BC) is not reported: on this take the real motion scores about the same
against *other* audio as against its own, so it does not measure timing here.

The BEAT2 take (CC BY-NC 4.0) is read from ``../shared/data`` for evaluation only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inference.audio import Audio, load_audio  # noqa: E402
from inference.options import GenerateOptions, GestureStyle  # noqa: E402
from inference import backends  # noqa: E402
from inference.body import collision  # noqa: E402
from rigs import smplx_rest  # noqa: E402
from rigs.rotations import axis_angle_to_quat, quat_to_matrix  # noqa: E402

SHARED = Path(os.environ.get("SPEECHANIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
BEAT2 = SHARED / "beat2_sample" / "2_scott_0_1_1"
#: Seconds of the take used for tuning; the rest is held out.
TUNE_S: float = 32.0
UPPER = (3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
WRISTS = (20, 21)


def heading_frame_positions(poses: np.ndarray) -> np.ndarray:
    """``(T, 55, 3)`` FK positions relative to the pelvis with the root heading (yaw) removed."""
    poses = np.asarray(poses, dtype=np.float64)
    pos = smplx_rest.forward_kinematics(poses)
    pos = pos - pos[:, :1]
    m = quat_to_matrix(axis_angle_to_quat(poses[:, 0]))
    fwd = m[:, :, 2]
    yaw = np.arctan2(fwd[:, 0], fwd[:, 2])
    c, s = np.cos(-yaw), np.sin(-yaw)
    x, z = pos[..., 0], pos[..., 2]
    out = pos.copy()
    out[..., 0] = c[:, None] * x + s[:, None] * z
    out[..., 2] = -s[:, None] * x + c[:, None] * z
    return out


def heading_rad(poses: np.ndarray) -> np.ndarray:
    m = quat_to_matrix(axis_angle_to_quat(np.asarray(poses, dtype=np.float64)[:, 0]))
    return np.unwrap(np.arctan2(m[:, 0, 2], m[:, 2, 2]))


def gesture_space_l(pos: np.ndarray) -> list[float]:
    out = []
    for j in WRISTS:
        lo, hi = np.percentile(pos[:, j], [5, 95], axis=0)
        out.append(float(np.prod(hi - lo) * 1000.0))
    return out


def wrist_speed(pos: np.ndarray, fps: float) -> np.ndarray:
    """``(T, 2)`` left/right wrist speed (m/s)."""
    return np.linalg.norm(np.gradient(pos[:, list(WRISTS)], 1.0 / fps, axis=0), axis=2)


def band_shares(pos: np.ndarray, fps: float) -> dict[str, float]:
    from scipy.signal import welch

    v = np.gradient(pos[:, list(WRISTS)], 1.0 / fps, axis=0).reshape(pos.shape[0], -1)
    f, p = welch(v, fs=fps, nperseg=min(int(4 * fps), v.shape[0]), axis=0)
    p = p.sum(axis=1)
    tot = max(float(p.sum()), 1e-12)
    return {"share 2-4 Hz": float(p[(f >= 2) & (f < 4)].sum() / tot),
            "share 4-8 Hz": float(p[(f >= 4) & (f < 8)].sum() / tot)}


def root_travel(transl: np.ndarray, poses: np.ndarray, fps: float) -> tuple[float, float]:
    tr = np.asarray(transl, dtype=np.float64)[:, [0, 2]]
    k = max(1, int(0.5 * fps))
    if tr.shape[0] > k:
        ker = np.ones(k) / k
        tr = np.stack([np.convolve(tr[:, c], ker, mode="valid") for c in range(2)], axis=1)
    yaw = heading_rad(poses)
    if yaw.size > k:
        yaw = np.convolve(yaw, np.ones(k) / k, mode="valid")
    return (float(np.linalg.norm(np.diff(tr, axis=0), axis=1).sum()),
            float(np.abs(np.diff(yaw)).sum()))


def foot_skate_cm(poses: np.ndarray, transl: np.ndarray) -> tuple[float, float]:
    """Mean and p99 horizontal foot displacement per frame (cm) while in contact."""
    pos = smplx_rest.forward_kinematics(np.asarray(poses, dtype=np.float64), transl)
    steps = []
    for j in (7, 8, 10, 11):
        y = pos[:, j, 1]
        contact = y < y.min() + 0.02
        both = contact[1:] & contact[:-1]
        d = np.linalg.norm(np.diff(pos[:, j, [0, 2]], axis=0), axis=1)[both]
        steps.append(d)
    d = np.concatenate(steps) * 100.0
    return (float(d.mean()), float(np.percentile(d, 99))) if d.size else (0.0, 0.0)


def l1div_cm(pos: np.ndarray) -> float:
    x = pos[:, UPPER]
    return float(np.mean(np.abs(x - x.mean(axis=0))) * 100.0)


def jitter(pos: np.ndarray, fps: float) -> float:
    return float(np.mean(np.linalg.norm(np.diff(pos[:, UPPER], n=3, axis=0) * fps ** 3, axis=2)))


def hand_features(pos: np.ndarray, fps: float, win_s: float = 2.0, hop_s: float = 0.5) -> np.ndarray:
    """``(W, 17)`` per-window hand features (see module doc)."""
    w, h = int(win_s * fps), int(hop_s * fps)
    sp = wrist_speed(pos, fps) * 100.0
    feats = []
    for s in range(0, pos.shape[0] - w + 1, h):
        row = []
        for k, j in enumerate(WRISTS):
            p = pos[s:s + w, j] * 100.0
            row += list(p.mean(axis=0)) + list(p.std(axis=0))
            row += [sp[s:s + w, k].mean(), np.percentile(sp[s:s + w, k], 90)]
        a, b = sp[s:s + w, 0], sp[s:s + w, 1]
        row.append(_corr(a, b))
        feats.append(row)
    return np.asarray(feats)


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature sets ``a`` (N, D) and ``b`` (M, D)."""
    from scipy.linalg import sqrtm

    mu1, mu2 = a.mean(axis=0), b.mean(axis=0)
    c1, c2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    cs = sqrtm(c1 @ c2)
    cs = cs.real if np.iscomplexobj(cs) else cs
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(c1 + c2 - 2.0 * cs))


def repetition_ratio(pos: np.ndarray, fps: float, win_s: float = 4.0, hop_s: float = 2.0,
                     min_gap_s: float = 20.0) -> float:
    w, h = int(win_s * fps), int(hop_s * fps)
    x = pos[:, UPPER]
    f = np.stack([x[s:s + w:3].ravel() for s in range(0, x.shape[0] - w + 1, h)])
    sq = (f ** 2).sum(axis=1)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * f @ f.T, 0.0) / f.shape[1])
    off = d[~np.eye(d.shape[0], dtype=bool)]
    k = d.shape[0]
    gap = np.abs(np.arange(k)[:, None] - np.arange(k)[None, :]) * hop_s
    d[gap < min_gap_s] = np.inf
    return float(np.median(d.min(axis=1)) / np.median(off))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either series is constant."""
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 1e-9 and b.std() > 1e-9 else 0.0


def clip_metrics(poses, transl, fps) -> tuple[dict, np.ndarray]:
    """All per-clip metrics of one motion; returns ``(metrics, heading-frame positions)``."""
    poses = np.asarray(poses, dtype=np.float64).reshape(-1, 55, 3)
    pos = heading_frame_positions(poses)
    gs = gesture_space_l(pos)
    sp = wrist_speed(pos, fps)
    travel, turn = root_travel(transl, poses, fps)
    skate = foot_skate_cm(poses, transl)
    pen = collision.penetration(axis_angle_to_quat(poses), np.zeros((poses.shape[0], 3)))
    out = {
        "gesture space L (left)": gs[0], "gesture space L (right)": gs[1],
        "wrist speed m/s (left)": float(sp[:, 0].mean()), "wrist speed m/s (right)": float(sp[:, 1].mean()),
        "L/R speed corr": _corr(sp[:, 0], sp[:, 1]),
        **band_shares(pos, fps),
        "root travel m": travel, "root turn rad": turn,
        "L1div cm": l1div_cm(pos), "jitter m/s3": jitter(pos, fps),
        "foot skate cm/frame (mean)": skate[0], "foot skate cm/frame (p99)": skate[1],
        "hand-torso penetration frames": float(np.mean(pen > 0)),
    }
    return out, pos


STYLES = {"default": GestureStyle()}


def _style(name: str) -> GestureStyle:
    presets = getattr(GestureStyle, "preset", None)
    if name == "default":
        return GestureStyle()
    if presets is None:
        raise SystemExit(f"--style {name}: this version has no GestureStyle presets")
    return presets(name)


def evaluate(seeds: int = 3, style: str = "default", part: str = "held-out", transcript: str = "") -> dict:
    """Held-out evaluation; returns ``{row name: {metric: value}}`` (see module doc).

    ``part="tune"`` runs the same comparison on the tuning half (audio 0-32 s vs the real motion
    of 0-32 s): that is what tuning looked at; reported numbers use ``"held-out"``."""
    real = np.load(BEAT2.with_suffix(".npz"))
    fps = float(real["mocap_frame_rate"])
    poses = real["poses"].reshape(-1, 55, 3)
    trans = real["trans"]
    audio = load_audio(BEAT2.with_suffix(".wav"))
    cut = int(round(TUNE_S * fps))
    sr = audio.sample_rate_hz
    held_audio = Audio(audio.samples[int(TUNE_S * sr):], sr, sr, "beat2 held-out")
    if part == "tune":
        held_audio = Audio(audio.samples[:int(TUNE_S * sr)], sr, sr, "beat2 tuning part")
        poses = np.concatenate([poses[cut:], poses[:cut]])
        trans = np.concatenate([trans[cut:], trans[:cut]])
        cut = poses.shape[0] - cut
    tune_m, tune_pos = clip_metrics(poses[:cut], trans[:cut], fps)
    held_m, held_pos = clip_metrics(poses[cut:], trans[cut:], fps)
    f_tune, f_held = hand_features(tune_pos, fps), hand_features(held_pos, fps)
    scale = np.maximum(np.concatenate([f_tune, f_held]).std(axis=0), 1e-6)
    f_tune, f_held = f_tune / scale, f_held / scale
    ref = frechet(f_tune, f_held)
    held_m["Frechet hand features"] = ref
    results = {"real, tuning half (0-32 s)": tune_m, "real, held-out half (32-64 s)": held_m}
    if part == "tune":
        results = {"real, other half (32-64 s)": tune_m, "real, tuning half (0-32 s) [compared]": held_m}
    body = backends.get_body_backend("procedural")
    runs = []
    for seed in range(seeds):
        tr = body.run(held_audio, GenerateOptions(seed=seed, gesture=_style(style), transcript=transcript))
        m, pos = clip_metrics(tr.poses, tr.transl, tr.fps)
        m["Frechet hand features"] = frechet(hand_features(pos, tr.fps) / scale, f_held)
        runs.append(m)
    ours = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    mode = ", word-aware" if transcript else ""
    results[f"ours ({style}{mode}), {part} audio, mean of {seeds} seeds"] = ours
    results["ours / real compared half"] = {k: ours[k] / held_m[k] for k in ours
                                       if abs(held_m[k]) > 1e-9}
    return results


def targets(results: dict) -> dict:
    """The issue's targets as booleans with the measured value."""
    real = next(v for k, v in results.items() if "[compared]" in k or k.startswith("real, held-out"))
    ours = next(v for k, v in results.items() if k.startswith("ours (") and "seeds" in k)
    ws = lambda m: 0.5 * (m["wrist speed m/s (left)"] + m["wrist speed m/s (right)"])  # noqa: E731
    gs = lambda m: m["gesture space L (left)"] + m["gesture space L (right)"]  # noqa: E731
    hf = lambda m: m["share 2-4 Hz"] + m["share 4-8 Hz"]  # noqa: E731
    return {
        "Frechet <= 1.5x real": (ours["Frechet hand features"] / real["Frechet hand features"], 1.5),
        "wrist speed within 15%": (ws(ours) / ws(real), "0.85-1.15"),
        "gesture space >= 70%": (gs(ours) / gs(real), 0.7),
        "L/R corr >= 0.4": (ours["L/R speed corr"], 0.4),
        "2-8 Hz share <= 1.5x real": (hf(ours) / hf(real), 1.5),
        "foot skate < 1 cm/frame": (ours["foot skate cm/frame (mean)"], 1.0),
    }


def long_run(long_s: float, style: str = "default") -> dict:
    """Variety and speed over ``long_s`` seconds of looped real speech (speech/en clips)."""
    clips = sorted((SHARED / "speech" / "en").glob("*"))
    other = [load_audio(p) for p in clips if p.suffix in (".wav", ".flac", ".ogg")]
    x = np.concatenate([a.samples for a in other])
    reps = int(np.ceil(long_s * 16000 / x.size))
    long_audio = Audio(np.tile(x, reps)[:int(long_s * 16000)], 16000, 16000, "long")
    body = backends.get_body_backend("procedural")
    opts = GenerateOptions(seed=0, gesture=_style(style))
    t0 = time.process_time()
    tr = body.run(long_audio, opts)
    t_long = time.process_time() - t0
    m, pos = clip_metrics(tr.poses, tr.transl, tr.fps)
    t60 = []
    for k in range(3):   # fresh audio each time (the prosody cache must not help); best of 3
        clip = Audio(np.roll(long_audio.samples, 7919 * (k + 1))[:60 * 16000], 16000, 16000)
        t0, w0 = time.process_time(), time.perf_counter()
        body.run(clip, opts)
        t60.append((time.process_time() - t0, time.perf_counter() - w0))
    return {"window nn/median": repetition_ratio(pos, tr.fps), "L1div cm": m["L1div cm"],
            "root travel m": m["root travel m"], "foot skate cm/frame (mean)": m["foot skate cm/frame (mean)"],
            f"CPU seconds for {long_s:.0f} s": t_long, "CPU seconds for 60 s (best of 3)": min(t60)[0],
            "wall seconds for 60 s (same run)": min(t60)[1]}



def print_report(results: dict, json_path: str = "", width: int = 36, digits: int = 4) -> None:
    """Print ``{section: {metric: value}}`` as ``## section`` blocks (strings and tuples as they are,
    numbers with ``digits`` decimals) and write it as JSON to ``json_path`` when one is given."""
    for name, vals in results.items():
        print(f"\n## {name}")
        for key, val in vals.items():
            shown = val if isinstance(val, (str, tuple)) else f"{val:.{digits}f}"
            print(f"  {key:{width}s} {shown}")
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--long-s", type=float, default=600.0, help="0 skips the long run")
    ap.add_argument("--style", default="default")
    ap.add_argument("--part", default="held-out", choices=("held-out", "tune"),
                    help="tune: compare on the tuning half (for tuning only; report held-out)")
    ap.add_argument("--json", default="")
    ap.add_argument("--transcript", default="", help="text file with the words of the evaluated part "
                    "(transcript mode: word-aware gestures), e.g. from tools/eval/word_timing.py --save-transcript")
    args = ap.parse_args(argv)
    if not BEAT2.with_suffix(".npz").exists():
        print(f"BEAT2 sample not found at {BEAT2}.npz; nothing to compare against")
        return 1
    text = Path(args.transcript).read_text(encoding="utf-8") if args.transcript else ""
    results = evaluate(args.seeds, args.style, args.part, text)
    results["targets (value, goal)"] = targets(results)
    if args.long_s > 0:
        results[f"ours ({args.style}), {args.long_s:.0f} s looped speech (variety, speed)"] = long_run(args.long_s, args.style)
    print_report(results, args.json, width=36, digits=4)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
