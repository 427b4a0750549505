"""Judge the audio-only mouth against a real captured face: the BEAT2 take in the shared data.

``../shared/data/beat2_sample/2_scott_0_1_1`` (CC BY-NC 4.0, evaluation only): 64 s of connected
English speech by a speaker the project never trained on, with SMPL-X + FLAME motion capture at
30 fps. The capture's jaw is the SMPL-X ``jaw`` joint (index 22, ``poses[:, 66:69]``, axis-angle
radians; its x component opens the mouth). FLAME's expression basis is research-licensed and not
available here, so the capture's *lips* cannot be measured; closures are judged on the jaw:

- **speech-only jaw r**: Pearson r of our ``jawOpen`` with the capture's jaw x rotation over the
  speech frames (our speech gate, :func:`inference.face.lipsync.speech_weight`), at lag 0 and at
  the best lag within +-3 frames. Target >= 0.65 (issue 17).
- **closure recall**: capture closures are runs of speech frames where the jaw is within
  15 % of its speech-frame distribution (the jaw nearly shut, where bilabials
  and pauses between words put it); ours are runs where the inner-lip gap on Apple's ARKit
  reference head (:mod:`tools.eval.reference_head`) is <= 1 mm. Recall = share of capture closures
  with one of ours within +-2 frames; a closure of ours with no capture closure within +-2
  frames is false. Chance = the mean recall after circular shifts of ours by
  random offsets (>= 1 s). Targets: recall >= 0.60, <= 20 false closures per speech minute.
- **mouthClose > jawOpen**: share of frames breaking ARKit's rule (tolerance 1e-4). Target <= 1 %.

Jaw r and the closure matching (and their constants) are defined in :mod:`tools.eval.face_metrics`.

Usage (repository root)::

    .venv/bin/python -m tools.eval.face_beat2 [--code /other/checkout] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from tools.eval.face_metrics import closure_scores, jaw_r

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SPEECHANIM_SHARED_DATA", REPO.parent / "shared" / "data"))
TAKE = SHARED / "beat2_sample" / "2_scott_0_1_1"
FPS: float = 30.0
JAW_JOINT: int = 22


def evaluate(methods=("fast", "lipsync")) -> dict:
    from inference import backends
    from inference.audio import load_audio
    from inference.face.lipsync import speech_weight
    from inference.generate import generate
    from inference.options import GenerateOptions
    from rigs.arkit import ARKIT_INDEX
    from tools.eval.reference_head import lip_gauge

    cap = np.load(str(TAKE) + ".npz", allow_pickle=True)
    jaw = np.asarray(cap["poses"], np.float64)[:, 3 * JAW_JOINT]
    audio = load_audio(str(TAKE) + ".wav")
    t = min(len(jaw), int(np.floor(audio.samples.shape[0] / 16000 * FPS)))
    gate = speech_weight(audio.samples)
    idx = np.minimum((np.arange(t) * 100.0 / FPS).astype(int), len(gate) - 1)
    speech = gate[idx] > 0.5
    gauge = lip_gauge()
    out = {"take": TAKE.name, "frames": t, "speech_frames": int(speech.sum()), "methods": {}}
    for m in methods:
        if m not in backends.face_backend_names():
            continue
        a = generate(audio, GenerateOptions(body=False, face_model=m, fps=FPS, procedural_face=False)).arkit[:t]
        jo, mc = a[:, ARKIT_INDEX["jawOpen"]].astype(np.float64), a[:, ARKIT_INDEX["mouthClose"]]
        r0, lag, rb = jaw_r(jo, jaw[:t], speech)
        res = {"jaw_r": r0, "jaw_best_lag": lag, "jaw_best_r": rb,
               "close_above_jaw": float(np.mean(mc > jo + 1e-4))}
        res.update(closure_scores(jaw[:t], gauge.gap_mm(a), speech, fps=FPS))
        out["methods"][m] = res
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--code", default="", help="checkout whose inference/ is evaluated (default: this one)")
    ap.add_argument("--methods", default="fast,lipsync")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    if not TAKE.with_suffix(".npz").is_file():
        print(f"{TAKE}.npz not found (shared data absent)", file=sys.stderr)
        return 2
    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
        for mod in [k for k in sys.modules if k.split(".")[0] in ("inference", "rigs")]:
            del sys.modules[mod]
    res = evaluate(tuple(args.methods.split(",")))
    for m, r in res["methods"].items():
        print(f"{m:10s} jaw r {r['jaw_r']:.3f} (best {r['jaw_best_r']:.3f} at {r['jaw_best_lag']:+d}) "
              f"closure recall {r['recall']:.2f} (chance {r['chance_recall']:.2f}; {r['capture_closures']} "
              f"capture, {r['our_closures']} ours) false {r['false_per_min']:.1f}/speech min "
              f"mouthClose>jawOpen {r['close_above_jaw']:.2%}")
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
