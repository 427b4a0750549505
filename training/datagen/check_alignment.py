"""How good is the forced-alignment oracle? Measure it where the truth is known: synthetic speech.

For clean synthetic ``val`` utterances (exact phone times from the synthesiser), force-align the audio to
its text with pocketsphinx (as for real speech) and compare the targets made from that alignment
with the targets made from the exact phones, using the metrics of :mod:`tools.eval.face_metrics`
(prediction = forced-alignment oracle, reference = exact oracle).

Usage: ``nice -n 10 .venv/bin/python -m training.datagen.check_alignment [--max 60] [--fps 30]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inference.face.targets import phones_to_arkit
from inference.timebase import num_frames
from tools.eval.face_metrics import clip_stats, summarize_stats

from .align import AlignError, force_align
from .dataset import DEFAULT_ROOT, load_utterance, read_index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--max", type=int, default=60)
    ap.add_argument("--fps", type=float, default=30.0)
    args = ap.parse_args(argv)
    entries = [e for e in read_index(args.root) if e["split"] == "val" and e["file"].startswith("val/syn")]
    stats, failed = [], 0
    for e in entries[: args.max]:
        d = load_utterance(args.root / e["file"])
        t = num_frames(len(d["audio"]) / 16000, args.fps)
        exact = phones_to_arkit(d["phone_start_s"], d["phone_end_s"], d["phone_label"], args.fps, t)
        try:
            s, en, lab = force_align(d["audio"], d["text"])
        except AlignError:
            failed += 1
            continue
        aligned = phones_to_arkit(s, en, lab, args.fps, t)
        stats.append(clip_stats(aligned, exact, args.fps, d["phone_start_s"], d["phone_end_s"], d["phone_label"]))
    m = summarize_stats(stats)
    print(f"{len(stats)} clean synthetic val clips aligned ({failed} failed), {args.fps:g} fps: "
          f"forced-alignment oracle vs exact oracle")
    for k, v in m.items():
        print(f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
