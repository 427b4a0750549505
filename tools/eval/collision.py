"""Hand/forearm interpenetration on real characters, before and after the proxy push-out.

Usage (from the repository root; needs the ``bpy`` module of the venv)::

    .venv/bin/python -m tools.eval.collision [--json out.json] [--render docs/images]

For RobotExpressive, the KayKit mannequin and our demo character: capsules are fitted to the
character's own mesh (:mod:`addon.body_proxies`), and two motions are retargeted with the same
code as the add-on (:func:`rigs.retarget.retarget`): the real BEAT2 take (64 s of motion capture)
and our procedural body on the held-out half of its audio (32-64 s, seed 0). Reported: the share
of frames where a hand or forearm capsule overlaps the torso, head or the other arm by more than
:data:`rigs.body_collision.TOLERANCE_M` (scaled to the character), before and after
:func:`rigs.body_collision.resolve`; and how much the push changes the arm (mean/max rotation of
the upper-arm bone, degrees). Shared data (CC0 characters, BEAT2 CC BY-NC 4.0) is read from
``../shared/data`` and never copied.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "blender"))
SHARED = ROOT.parent / "shared" / "data"
BEAT2 = SHARED / "beat2_sample" / "2_scott_0_1_1"


def motions():
    from inference.audio import Audio, load_audio
    from inference.backends import get_body_backend
    from inference.options import GenerateOptions

    real = np.load(BEAT2.with_suffix(".npz"))
    audio = load_audio(BEAT2.with_suffix(".wav"))
    sr = audio.sample_rate_hz
    held = Audio(audio.samples[32 * sr:], sr, sr, "held-out")
    ours = get_body_backend("procedural").run(held, GenerateOptions(seed=0))
    return {"BEAT2 real (64 s)": (real["poses"].reshape(-1, 55, 3).astype(np.float32), real["trans"].astype(np.float32), 30.0),
            "ours, held-out audio (32 s)": (ours.poses, ours.transl, ours.fps)}


def evaluate(kinds=("robot", "kaykit", "demo"), extra: dict | None = None) -> dict:
    """``{character: {motion: metrics}}``; ``extra`` adds ``{name: (poses, transl, fps)}`` motions."""
    from tools.bake import load_extension

    load_extension(register=False)
    import rigs_fixtures as rf
    from speech_animator.addon.body_proxies import fit_proxies
    from speech_animator.addon.targets_body import deform_positions, resolve_bone_map, skeleton_of
    from speech_animator.rigs.body_collision import resolve
    from speech_animator.rigs.retarget import plan_retarget, retarget
    from speech_animator.rigs.rotations import quat_conj, quat_mul, quat_to_axis_angle

    mot = motions()
    mot.update(extra or {})
    out = {}
    for kind in kinds:
        arm = rf.load_rig(kind, SHARED / "characters")
        skel = skeleton_of(arm)
        bmap, _ = resolve_bone_map(arm, None, skel)
        plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
        caps = fit_proxies(arm)
        row = {"capsules": len(caps.bones)}
        for name, (poses, transl, fps) in mot.items():
            res = retarget(plan, poses, transl)
            new, before, after = resolve(skel, bmap, res, caps, plan.scale, fps)
            sh = [list(res.bone_names).index(bmap[f"{s}_shoulder"]) for s in ("left", "right")]
            d = quat_mul(np.asarray(new.quats, np.float64)[:, sh], quat_conj(np.asarray(res.quats, np.float64)[:, sh]))
            ang = np.degrees(np.linalg.norm(quat_to_axis_angle(d), axis=-1))
            row[name] = {"before %": 100 * float(np.mean(before > 0)), "after %": 100 * float(np.mean(after > 0)),
                         "worst after (cm, SMPL-X scale)": 100 * float(max(after.max(), 0.0)),
                         "upper-arm change mean deg": float(ang.mean()), "max deg": float(ang.max())}
        out[kind] = row
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default="")
    ap.add_argument("--motion", action="append", default=[], metavar="NAME=FILE.npz",
                    help="extra motion to measure (npz with poses (T,55,3), transl (T,3), fps), e.g. an "
                         "older version's output")
    args = ap.parse_args(argv)
    if not BEAT2.with_suffix(".npz").exists() or not (SHARED / "characters").exists():
        print(f"shared data not found under {SHARED}")
        return 1
    extra = {}
    for spec in args.motion:
        name, _, path = spec.partition("=")
        z = np.load(path)
        extra[name] = (z["poses"].astype(np.float32), z["transl"].astype(np.float32), float(z["fps"]))
    res = evaluate(extra=extra)
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
