"""Emotion figures on Apple's ARKit reference head: do the closure figures hold under every emotion?

For each emotion (none, every category of :data:`inference.face.emotion.CATEGORIES` at a chosen
strength, and ``auto``), the default face backend's curves on the held-out real speech of
:func:`tools.eval.face_geometry.clips` (``test`` split) are scored like ``tools.eval.face_geometry``
(clean bilabial closure, share of speech frames with the lips crossing > 2 mm, aperture r, rest in
pauses, non-bilabial speech frames with the lips shut <= 1 mm) plus the share of frames with
``mouthClose > jawOpen`` and the largest rise of each
prototype channel over the neutral take (what the emotion visibly adds).

Usage (repository root)::

    .venv/bin/python -m tools.eval.emotion [--strength 1] [--out results.json] [--markdown table.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def evaluate(strength: float = 1.0, split: str = "test", fps: float = 30.0, log=print) -> dict:
    """``{emotion: {"all": summary, "close_above_jaw": share, "moved": {channel: max rise}}}``."""
    from inference.audio import load_audio
    from inference.face.emotion import CATEGORIES, PROTOTYPES
    from inference.generate import generate
    from inference.options import GenerateOptions
    from rigs.arkit import ARKIT_INDEX
    from tools.eval.face_geometry import cached, clips
    from tools.eval.reference_head import REFERENCE_HEAD_GLB, lip_gauge, load_morph_head
    from tools.eval.face_metrics import clip_sums, pool, summarize
    from training.datagen.align import force_align

    gauge = lip_gauge(load_morph_head(REFERENCE_HEAD_GLB))
    specs = ["none"] + [f"{c}:{strength:g}" for c in CATEGORIES if c != "neutral"] + ["auto"]
    sums = {s: [] for s in specs}
    above = {s: [0, 0] for s in specs}
    moved = {s: {} for s in specs}
    skipped: list = []
    for clip in clips(split):
        audio = load_audio(clip["path"])
        try:
            phones, _ = cached("align", clip["stem"], lambda: force_align(audio.samples, clip["text"]))
        except RuntimeError as exc:  # AlignError: a word outside the dictionary without espeak-ng
            log(f"{clip['stem']}: left out, no alignment ({exc})")
            skipped.append(clip["stem"])
            continue
        base = None
        for spec in specs:
            a = generate(audio, GenerateOptions(body=False, fps=fps, procedural_face=False,
                                                emotion=None if spec == "none" else spec)).arkit
            base = a if base is None else base
            sums[spec].append(clip_sums(gauge.gap_mm(a), gauge.rest_gap_mm, fps, phones))
            above[spec][0] += int((a[:, ARKIT_INDEX["mouthClose"]] > a[:, ARKIT_INDEX["jawOpen"]] + 1e-6).sum())
            above[spec][1] += a.shape[0]
            name = spec.partition(":")[0]
            for key in PROTOTYPES.get(name, ("", {}))[1]:
                rise = float((a[:, ARKIT_INDEX[key]] - base[:, ARKIT_INDEX[key]]).max())
                moved[spec][key] = max(moved[spec].get(key, 0.0), rise)
        log(f"{clip['stem']}: done")
    log(f"left out (no alignment): {skipped or 'none'}")
    return {spec: {"all": summarize(pool(sums[spec])), "close_above_jaw": above[spec][0] / max(above[spec][1], 1),
                   "moved": moved[spec]} for spec in specs}


def markdown(result: dict) -> str:
    """A markdown table of :func:`evaluate`'s result."""
    rows = ["| emotion | clean bilabial closure | lips crossing > 2 mm | aperture r | rest in pauses | "
            "non-bilabial speech frames with the lips shut (<= 1 mm) | mouthClose > jawOpen | smallest prototype-channel rise |",
            "|---|---|---|---|---|---|---|---|"]
    for spec, r in result.items():
        a = r["all"]
        low = min(r["moved"].items(), key=lambda kv: kv[1]) if r["moved"] else None
        rows.append(f"| {spec} | {a['clean_closure']:.3f} | {a['cross_share']:.1%} | {a['aperture_r']:.3f} | "
                    f"{a['rest']:.3f} | {a['shut_nonbilabial']:.1%} | {r['close_above_jaw']:.1%} | "
                    f"{f'{low[0]} +{low[1]:.2f}' if low else '-'} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--split", default="test", choices=("test", "tune", "all"))
    ap.add_argument("--out", default="")
    ap.add_argument("--markdown", default="")
    args = ap.parse_args(argv)
    result = evaluate(args.strength, args.split)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
    table = markdown(result)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
