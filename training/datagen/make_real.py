"""Forced-align the shared real speech and write it into the face dataset with the held-out split.

Usage (from the repository root)::

    nice -n 10 .venv/bin/python -m training.datagen.make_real [--shared ../shared/data] [--fsdd-per-speaker N]

Split (documented in docs/face-data.md; :func:`split_of` is the single definition):

- test (held out, never trained on, clean): LJ Speech LJ001-0001..0010, JFK 1961, LibriSpeech
  2412-153948-0000 and 1995-1837-0001, FSDD speakers ``theo`` and ``lucas`` (all their files);
- val (clean): LJ001-0011..0013; FSDD speakers george/jackson/nicolas/yweweler, repetitions 0-4;
- train: LJ001-0014..0032 (one clean + ``--lj-copies`` augmented copies each), the remaining FSDD
  files of the four training speakers (90 % augmented);
- excluded: LibriSpeech 3436-172162-0000 and the LibriVox "three little kittens" reading, whose
  transcripts are only approximate (a forced alignment to a wrong transcript is a wrong oracle).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .align import AlignError, force_align
from .augment import augment
from .dataset import DEFAULT_ROOT, build_manifest, write_utterance

SR = 16000
DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
FSDD_TEST_SPEAKERS = ("theo", "lucas")
EXCLUDED = ("librispeech_3436-172162-0000", "librivox_threelittlekittens_01_short")
TEST_SPEECH = ("jfk_inaugural_1961", "librispeech_2412-153948-0000", "librispeech_1995-1837-0001")


def split_of(name: str) -> str | None:
    """Split of a real clip by file stem (``ljspeech_LJ001-0004``, ``7_theo_3``, ...); None = excluded."""
    if name in EXCLUDED:
        return None
    if name in TEST_SPEECH:
        return "test"
    m = re.fullmatch(r"ljspeech_LJ001-(\d{4})", name)
    if m:
        k = int(m.group(1))
        return "test" if k <= 10 else "val" if k <= 13 else "train"
    m = re.fullmatch(r"(\d)_([a-z]+)_(\d+)", name)
    if m:
        if m.group(2) in FSDD_TEST_SPEAKERS:
            return "test"
        return "val" if int(m.group(3)) < 5 else "train"
    return None


def load16k(path: Path) -> np.ndarray:
    """Read any libsndfile format, mix to mono, resample to 16 kHz (soxr HQ)."""
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    return soxr.resample(audio, sr, SR).astype(np.float32) if sr != SR else audio


def _speech_items(shared: Path):
    for e in json.loads((shared / "speech" / "MANIFEST.json").read_text()):
        stem = Path(e["file"]).stem
        if stem.startswith("ljspeech"):
            speaker, source = "ljspeech-LJ", "ljspeech"
        elif stem.startswith("jfk"):
            speaker, source = "jfk", "jfk"
        else:
            speaker, source = stem.split("-")[0], stem.split("_")[0]
        yield stem, shared / e["file"], e["transcript"], speaker, source


def _fsdd_items(shared: Path, per_speaker: int):
    files = sorted((shared / "fsdd" / "recordings").glob("*.wav"))
    for f in files:
        digit, speaker, rep = f.stem.split("_")
        if int(rep) >= math.ceil(per_speaker / 10):
            continue
        yield f.stem, f, DIGITS[int(digit)], f"fsdd-{speaker}", "fsdd"


def process(root: Path, stem: str, path: Path, text: str, speaker: str, source: str, copies: int,
            rng: np.random.Generator) -> int:
    split = split_of(stem)
    if split is None:
        return 0
    uid0 = f"real_{stem}"
    if (root / split / f"{uid0}.npz").exists():
        return 0
    audio = load16k(path)
    start, end, labels = force_align(audio, text)
    dur = len(audio) / SR
    end = np.minimum(end, dur)
    n = 0
    for c in range(copies if split == "train" else 1):
        a, s, e, ops = audio, start, end, "clean"
        if split == "train" and (c > 0 or rng.random() < 0.9 and copies == 1):
            a, scale, aug = augment(audio, rng)
            s, e = start * scale, end * scale
            ops = " ".join(aug)
        uid = uid0 if c == 0 else f"{uid0}_aug{c}"
        write_utterance(root, "real", split, uid, a, s, e, labels, speaker=speaker, source=source,
                        text=text, augment=ops, held_out=split == "test")
        n += 1
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    ap.add_argument("--fsdd-per-speaker", type=int, default=500, help="files per FSDD speaker (max 500)")
    ap.add_argument("--lj-copies", type=int, default=4, help="LJ training clips: 1 clean + N-1 augmented")
    ap.add_argument("--skip-fsdd", action="store_true")
    args = ap.parse_args(argv)
    if not (args.shared / "speech" / "MANIFEST.json").exists():
        print(f"shared data not found under {args.shared}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(12345)
    t0, made, failed = time.time(), 0, 0
    items = list(_speech_items(args.shared))
    if not args.skip_fsdd:
        items += list(_fsdd_items(args.shared, args.fsdd_per_speaker))
    for k, (stem, path, text, speaker, source) in enumerate(items):
        copies = args.lj_copies if source == "ljspeech" else 1
        try:
            made += process(args.root, stem, path, text, speaker, source, copies, rng)
        except (AlignError, ValueError) as e:
            failed += 1
            print(f"{stem}: skipped: {e}", file=sys.stderr)
        if (k + 1) % 100 == 0:
            build_manifest(args.root)
            print(f"{k + 1}/{len(items)} clips, {made} written, {failed} failed, {time.time() - t0:.0f} s",
                  flush=True)
    m = build_manifest(args.root)
    print(f"done: {made} written, {failed} failed; dataset {m['utterances']} utterances, {m['hours']} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
