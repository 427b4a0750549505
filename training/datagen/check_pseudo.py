"""How good are pseudo-transcript labels? Measure them where the words are known.

On the LJ Speech clips of the geometric evaluator's tune split (LJ001-0011..0032, never its test
split), :func:`training.datagen.pseudo_label.pseudo_label` recognises and aligns each clip; this
reports the recogniser's word error rate, whether the aligner's check accepted the alignment, the
confidence, and the lip geometry on Apple's ARKit reference head (:mod:`tools.eval.face_metrics`,
30 fps, as ``tools/eval/face_geometry.py`` scores) of targets built from the pseudo alignment,
scored against the forced alignment of the true transcript; the same score of targets built from
the true alignment is the ceiling.

Usage: ``.venv/bin/python -m training.datagen.check_pseudo [--fwdflat] [--out results.json]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys

import numpy as np

from inference.face.align import transcript_words
from inference.face.targets import phones_to_arkit

from .pseudo_label import FWDFLAT, pseudo_label, word_errors

TUNE_LJ = re.compile(r"ljspeech_LJ001-00(1[1-9]|2\d|3[0-2])")
FPS = 30.0


def main(argv=None) -> int:
    from inference.audio import load_audio
    from tools.eval.face_geometry import cached, clips
    from tools.eval.face_metrics import clip_sums, pool, summarize
    from tools.eval.reference_head import lip_gauge
    from training.datagen.align import force_align

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fwdflat", action="store_true", default=FWDFLAT, help="recogniser's second pass on")
    ap.add_argument("--min-confidence", type=float, default=0.6,
                    help="also pool the kept clips whose confidence is at least this")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    gauge = lip_gauge()
    rows, sums = [], {"true": [], "pseudo_all": [], "pseudo_kept": [], "pseudo_confident": []}
    for clip in clips("tune"):
        if not TUNE_LJ.fullmatch(clip["stem"]):
            continue
        audio = load_audio(clip["path"]).samples
        frames = int(np.floor(len(audio) / 16000 * FPS)) + 1
        true_ph, _ = cached("align", clip["stem"], lambda: force_align(audio, clip["text"]))
        lab = pseudo_label(audio, args.fwdflat)
        ref = transcript_words(clip["text"])
        errors = word_errors(ref, lab.text.split())
        row = {"clip": clip["stem"], "words": len(ref), "errors": errors, "confidence": lab.confidence,
               "reason": lab.reason, "hyp": lab.text}
        sums["true"].append(clip_sums(gauge.gap_mm(phones_to_arkit(*true_ph, FPS, frames)), gauge.rest_gap_mm,
                                      FPS, true_ph))
        if len(lab.phones[2]):
            s = clip_sums(gauge.gap_mm(phones_to_arkit(*lab.phones, FPS, frames)), gauge.rest_gap_mm, FPS, true_ph)
            sums["pseudo_all"].append(s)
            if not lab.reason:
                sums["pseudo_kept"].append(s)
                if lab.confidence >= args.min_confidence:
                    sums["pseudo_confident"].append(s)
            m = summarize(s)
            row.update(closure=m["clean_closure"], aperture_r=m["aperture_r"])
        rows.append(row)
        print(json.dumps(row), flush=True)
    words = sum(r["words"] for r in rows)
    kept = [r for r in rows if not r["reason"]]
    out = {"fwdflat": args.fwdflat, "min_confidence": args.min_confidence, "clips": len(rows), "kept": len(kept),
           "wer_all": sum(r["errors"] for r in rows) / max(words, 1),
           "wer_kept": sum(r["errors"] for r in kept) / max(sum(r["words"] for r in kept), 1),
           "conf_wer_r": float(np.corrcoef([r["confidence"] for r in rows],
                                           [r["errors"] / r["words"] for r in rows])[0, 1]) if len(rows) > 2 else None,
           "geometry": {k: summarize(pool(v)) for k, v in sums.items() if v}, "rows": rows}
    for k, v in out["geometry"].items():
        print(f"{k}: clean closure {v['clean_closure']:.3f} ({v['bilabials']}), aperture r {v['aperture_r']:.3f}, "
              f"near-shut {v['near_shut_nonbilabial']:.3f}, rest {v['rest']:.3f}, lag {v['lag_frames']:+.2f}")
    print(f"WER all {out['wer_all']:.3f}, kept {out['kept']}/{out['clips']} WER {out['wer_kept']:.3f}, "
          f"r(confidence, clip WER) {out['conf_wer_r']}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
