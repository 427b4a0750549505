"""Generate synthetic face-dataset utterances: text -> TTS voice with exact phones -> augment -> npz.

Usage (from the repository root)::

    nice -n 10 .venv/bin/python -m training.datagen.make_synthetic --count 1500 --seed 1

Resumable: utterance ``i`` of seed ``s`` is always the same text/voice/augmentation; files that exist
are skipped. 5 % go to ``val`` (clean), the rest to ``train`` (90 % augmented, 10 % clean).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from . import espeak_events, synth
from .augment import augment
from .dataset import DEFAULT_ROOT, build_manifest, write_utterance
from .texts import SentenceGenerator

#: (engine, voice, weight): MBROLA voices are fast and exact, so they get the most utterances.
VOICES = [("mbrola", v, 3.0) for v in synth.MBROLA_VOICES] + \
         [("festival", v, 1.5) for v in synth.FESTIVAL_VOICES] + \
         [("flite", v, 1.5) for v in synth.FLITE_VOICES] + \
         [("espeak", v, 1.0) for v in espeak_events.VOICES]


def synthesize(engine: str, voice: str, text: str, rng: np.random.Generator) -> tuple[synth.Synth, str]:
    """Run one voice with random rate/pitch; returns the Synth and a parameter description."""
    if engine == "mbrola":
        speed = int(rng.integers(120, 231))
        pitch = int(rng.integers(15, 86))
        ratio = float(rng.uniform(0.8, 1.3))
        return synth.mbrola(text, voice, speed, pitch, ratio), f"s{speed} p{pitch} f{ratio:.2f}"
    if engine == "espeak":
        variant = espeak_events.VARIANTS[int(rng.integers(len(espeak_events.VARIANTS)))]
        speed, pitch, prange = int(rng.integers(120, 241)), int(rng.integers(10, 91)), int(rng.integers(20, 91))
        s = espeak_events.espeak(text, voice + variant, speed, pitch, prange)
        return s, f"{voice}{variant} s{speed} p{pitch} r{prange}"
    stretch = float(rng.uniform(0.75, 1.3))
    if engine == "festival":
        return synth.festival(text, voice, stretch), f"stretch{stretch:.2f}"
    f0 = float(rng.uniform(90, 220)) if rng.random() < 0.5 else None
    return synth.flite(text, voice, stretch, f0), f"stretch{stretch:.2f} f0{f0 or 0:.0f}"


def pad_silence(s: synth.Synth, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Add 0.05-0.6 s of digital silence before and 0.1-0.6 s after; phones shifted, ``sil`` added."""
    lead, trail = rng.uniform(0.05, 0.6), rng.uniform(0.1, 0.6)
    nl, nt = int(lead * synth.SAMPLE_RATE_HZ), int(trail * synth.SAMPLE_RATE_HZ)
    audio = np.concatenate([np.zeros(nl, np.float32), s.audio, np.zeros(nt, np.float32)])
    off = nl / synth.SAMPLE_RATE_HZ
    dur = len(audio) / synth.SAMPLE_RATE_HZ
    start = np.r_[0.0, s.phone_start_s + off, s.phone_end_s[-1] + off]
    end = np.r_[off, s.phone_end_s + off, dur]
    labels = np.r_[["sil"], s.phone_label, ["sil"]]
    return audio, start, end, labels


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--count", type=int, default=200, help="utterances for this seed (total, resumable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--val-share", type=float, default=0.05)
    ap.add_argument("--clean-share", type=float, default=0.1)
    ap.add_argument("--engines", default="mbrola,festival,flite,espeak",
                    help="comma-separated subset of mbrola, festival, flite, espeak")
    args = ap.parse_args(argv)
    args.root.mkdir(parents=True, exist_ok=True)
    gen = SentenceGenerator(args.seed)
    voices = [v for v in VOICES if v[0] in args.engines.split(",")]
    if not voices:
        ap.error(f"--engines: expected some of mbrola,festival,flite,espeak, found {args.engines!r}")
    weights = np.array([w for _, _, w in voices])
    t0, made, failed = time.time(), 0, 0
    for i in range(args.count):
        rng = np.random.default_rng([args.seed, i])
        text = gen.utterance(max_sentences=2)
        engine, voice, _ = voices[int(rng.choice(len(voices), p=weights / weights.sum()))]
        split = "val" if rng.random() < args.val_share else "train"
        uid = f"syn{args.seed:02d}_{i:06d}_{engine}-{voice}"
        if any((args.root / s / f"{uid}.npz").exists() for s in ("train", "val")):
            continue
        try:
            s, params = synthesize(engine, voice, text, rng)
        except (synth.SynthError, KeyError) as e:
            failed += 1
            print(f"[{i}] {engine}-{voice}: skipped: {e}", file=sys.stderr)
            continue
        audio, start, end, labels = pad_silence(s, rng)
        ops = params
        if split == "train" and rng.random() >= args.clean_share:
            audio, scale, aug = augment(audio, rng)
            start, end = start * scale, end * scale
            end[-1] = len(audio) / synth.SAMPLE_RATE_HZ
            ops += " | " + " ".join(aug)
        source = f"{engine}-{voice}"
        speaker = f"espeak-{params.split()[0]}" if engine == "espeak" else source
        write_utterance(args.root, f"synth{args.seed:02d}", split, uid, audio, start, end, labels,
                        speaker=speaker, source=source, text=text, augment=ops)
        made += 1
        if made % 25 == 0:
            build_manifest(args.root)
            print(f"{made} made, {failed} failed, {time.time() - t0:.0f} s", flush=True)
    m = build_manifest(args.root)
    print(f"done: {made} made, {failed} failed; dataset {m['utterances']} utterances, {m['hours']} h")
    return 0


if __name__ == "__main__":
    sys.exit(main())
