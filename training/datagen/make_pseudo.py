"""Pseudo-labelled real speech: LibriSpeech clips without transcripts -> face dataset utterances.

Usage (from the repository root; resumable, shardable over processes)::

    nice -n 10 .venv/bin/python -m training.datagen.make_pseudo --root DIR [--shard 0/2] \\
        [--copies 2] [--min-confidence 0.0] [--max-minutes 25]

Each clip of ``<shared>/speech/librispeech_untranscribed/**/*.flac`` (LibriSpeech, CC BY 4.0,
16 kHz, one file per speaker of train-clean-100 and ten of each of ten test-other speakers) is
recognised and force-aligned by :func:`training.datagen.pseudo_label.pseudo_label`; the clip is
kept only when the aligner's own check accepts the alignment and the recogniser's mean word
posterior is at least ``--min-confidence``. Targets come from
:func:`inference.face.targets.phones_to_arkit` through :func:`training.datagen.dataset.write_utterance`,
exactly as for the forced-aligned real speech of :mod:`training.datagen.make_real`.

Split (:func:`split_of` is the single definition):

- excluded: the speakers of LibriSpeech clips in make_real's test split or excluded list
  (1995, 2412, 3436: derived from ``make_real.TEST_SPEECH`` and ``make_real.EXCLUDED``);
- val (clean; the model-selection set of held-out real voices): test-other speakers in
  :data:`VAL_SPEAKERS`;
- train (1 clean + ``copies - 1`` augmented copies): every other speaker.

Every clip's outcome (split, hypothesis, confidence, reason) is appended to
``<root>/pseudo-labels-<shard>.jsonl``, kept or not, and a clip already listed there is skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from .augment import augment
from .dataset import DEFAULT_ROOT, build_manifest, write_utterance
from .make_real import EXCLUDED, TEST_SPEECH, load16k
from .pseudo_label import pseudo_label

#: LibriSpeech speakers never used: those of make_real's held-out test and excluded clips.
EXCLUDED_SPEAKERS: frozenset = frozenset(s.split("_")[1].split("-")[0] for s in TEST_SPEECH + EXCLUDED
                                         if s.startswith("librispeech_"))
#: Held-out real voices for model selection (three of the ten test-other speakers).
VAL_SPEAKERS: frozenset = frozenset({"1688", "1998", "2033"})


def split_of(stem: str) -> str | None:
    """Split of a LibriSpeech clip by file stem (``"<speaker>-<chapter>-<utt>"``); None = excluded.

    Raises:
        ValueError: a stem that is not a LibriSpeech utterance id.
    """
    parts = stem.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"LibriSpeech clip: expected '<speaker>-<chapter>-<utterance>', found {stem!r}")
    if parts[0] in EXCLUDED_SPEAKERS:
        return None
    return "val" if parts[0] in VAL_SPEAKERS else "train"


def clip_order(files: list[Path]) -> list[Path]:
    """Validation clips first, then training clips round-robin over speakers (a run cut short by
    ``--max-minutes`` has as many voices as it can)."""
    by_spk: dict[str, list[Path]] = {}
    for f in sorted(files):
        by_spk.setdefault(f.stem.split("-")[0], []).append(f)
    val = [f for s in sorted(by_spk) if s in VAL_SPEAKERS for f in by_spk[s]]
    rest = [v for s, v in sorted(by_spk.items()) if s not in VAL_SPEAKERS]
    out = []
    for k in range(max((len(v) for v in rest), default=0)):
        out += [v[k] for v in rest if k < len(v)]
    return val + out


def process(root: Path, path: Path, split: str, copies: int, min_conf: float, rng) -> dict:
    """Label one clip and write its utterances; returns the log record."""
    audio = load16k(path)
    lab = pseudo_label(audio)
    rec = {"stem": path.stem, "split": split, "duration_s": round(len(audio) / 16000, 3), "hyp": lab.text,
           "confidence": lab.confidence, "reason": lab.reason, "written": 0}
    if not lab.reason and not lab.confidence >= min_conf:
        rec["reason"] = f"confidence {lab.confidence:.2f} below {min_conf:.2f}"
    if rec["reason"]:
        return rec
    start, end, labels = lab.phones
    end = np.minimum(end, len(audio) / 16000)
    spk = f"librispeech-{path.stem.split('-')[0]}"
    for c in range(copies if split == "train" else 1):
        a, s, e, ops = audio, start, end, "clean"
        if c > 0:
            a, scale, aug = augment(audio, rng)
            s, e, ops = start * scale, end * scale, " ".join(aug)
        uid = f"pseudo_{path.stem}" + (f"_aug{c}" if c else "")
        write_utterance(root, "pseudo", split, uid, a, s, e, labels, speaker=spk, source="librispeech-pseudo",
                        text=lab.text, augment=ops)
        rec["written"] += 1
    return rec


def prune(root: Path, min_conf: float) -> int:
    """Delete the training utterances of logged clips whose confidence is below ``min_conf`` (their
    log records stay, marked ``pruned``); validation clips are kept at any confidence (they only
    select checkpoints). Returns the number of files removed."""
    removed = 0
    for log in sorted(root.glob("pseudo-labels-*.jsonl")):
        recs = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        for rec in recs:
            if rec["split"] == "train" and rec["written"] and not rec["confidence"] >= min_conf:
                for f in (root / rec["split"]).glob(f"pseudo_{rec['stem']}*.npz"):
                    f.unlink()
                    removed += 1
                rec["reason"], rec["written"] = f"pruned: confidence {rec['confidence']:.2f} below {min_conf:.2f}", 0
        log.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return removed


def write_list(root: Path, path: Path) -> int:
    """Write the data list (TSV) of every logged clip, kept or not: stem, split, speaker, duration,
    confidence, files written, reason (empty = kept) and the pseudo-transcript. Returns rows written."""
    recs = sorted((json.loads(line) for log in root.glob("pseudo-labels-*.jsonl")
                   for line in log.read_text().splitlines() if line.strip()), key=lambda r: r["stem"])
    head = ("# Pseudo-labelled LibriSpeech (CC BY 4.0) of the lip-sync training data, made by "
            "training/datagen/make_pseudo.py (recipe: docs/model-card-lipsync.md).\n"
            "# files = utterances written (train: 1 clean + augmented copies); reason empty = kept.\n"
            "stem\tsplit\tspeaker\tduration_s\tconfidence\tfiles\treason\tpseudo_transcript\n")
    rows = [f"{r['stem']}\t{r['split']}\tlibrispeech-{r['stem'].split('-')[0]}\t{r['duration_s']:.3f}\t"
            f"{r['confidence']:.3f}\t{r['written']}\t{r['reason']}\t{r['hyp']}\n" for r in recs]
    Path(path).write_text(head + "".join(rows), encoding="utf-8")
    return len(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--shard", default="0/1", help="i/n: this process takes every n-th clip from the i-th")
    ap.add_argument("--copies", type=int, default=2, help="training clips: 1 clean + N-1 augmented")
    ap.add_argument("--min-confidence", type=float, default=0.0, help="mean word posterior needed (0..1)")
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop after this wall time (0 = no limit)")
    ap.add_argument("--prune", action="store_true",
                    help="only delete the written training clips whose logged confidence is below --min-confidence")
    ap.add_argument("--list", type=Path, default=None, help="only write the data list (TSV) of the logged clips here")
    args = ap.parse_args(argv)
    if args.list:
        print(f"{write_list(args.root, args.list)} clips listed in {args.list}")
        return 0
    if args.prune:
        removed = prune(args.root, args.min_confidence)
        m = build_manifest(args.root)
        print(f"pruned {removed} files; dataset {m['utterances']} utterances, {m['hours']} h")
        return 0
    i, n = (int(x) for x in args.shard.split("/"))
    src = args.shared / "speech" / "librispeech_untranscribed"
    files = [f for f in clip_order(list(src.rglob("*.flac"))) if split_of(f.stem)]
    if not files:
        print(f"no LibriSpeech clips under {src}", file=sys.stderr)
        return 2
    args.root.mkdir(parents=True, exist_ok=True)
    log_path = args.root / f"pseudo-labels-{i}.jsonl"
    done = set()
    for p in args.root.glob("pseudo-labels-*.jsonl"):
        done |= {json.loads(line)["stem"] for line in p.read_text().splitlines() if line.strip()}
    rng = np.random.default_rng(1000 + i)
    t0, kept, seen = time.time(), 0, 0
    for f in files[i::n]:
        if f.stem in done:
            continue
        if args.max_minutes and time.time() - t0 > args.max_minutes * 60:
            print(f"time budget of {args.max_minutes} min reached", flush=True)
            break
        rec = process(args.root, f, split_of(f.stem), args.copies, args.min_confidence, rng)
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        seen += 1
        kept += rec["written"] > 0
        print(f"{seen} {f.stem} {rec['split']} conf {rec['confidence']:.2f} {rec['reason'] or 'kept'} "
              f"({time.time() - t0:.0f} s)", flush=True)
    m = build_manifest(args.root)
    print(f"done: {kept}/{seen} clips kept; dataset {m['utterances']} utterances, {m['hours']} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
