"""Gesture timing against stressed syllables: ours (audio-only and word-aware) vs the real BEAT2 take.

Usage (from the repository root)::

    .venv/bin/python -m tools.eval.word_timing [--seeds 3] [--part held-out] [--json out.json]

**Strokes** are peaks of each wrist's speed (body-heading frame, FK on the rest skeleton as in
``tools/eval/body.py``; speed smoothed with a 0.1 s Hann window), found by
``scipy.signal.find_peaks`` with height >= 0.15 m/s, prominence >= 0.1 m/s and >= 0.25 s apart.

**Stressed syllables** of the BEAT2 audio: the take ships no transcript, so the reference for
*every* row is the same audio-only accent detector (:func:`inference.prosody.analyze_prosody`'s
``accents_s``) on the evaluated audio. A second reference, the stressed syllables of the words
(:mod:`inference.body.words`), needs a transcript: we make one with pocketsphinx's own
recognizer (US English language model, no hand correction; it is approximate for this
non-native speaker) and align it in transcript mode; when the alignment check refuses it, the
word rows are reported as unavailable.

**Share** = strokes within 200 ms of a stressed syllable / all strokes (both wrists). Because
accents come every ~0.4 s, a random time is often within 200 ms of one: the *chance* share is the
same measure after shifting the strokes by 20 circular offsets of 2-20 s; the report gives both.

Split as ``tools/eval/body.py``: the held-out half (32-64 s) is generated from its own audio.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.eval.body import BEAT2, TUNE_S, WRISTS, heading_frame_positions, print_report  # noqa: E402
from inference.audio import Audio, load_audio  # noqa: E402
from inference.options import GenerateOptions  # noqa: E402
from inference.body import procedural, words  # noqa: E402
from inference.prosody import analyze_prosody  # noqa: E402

WINDOW_S: float = 0.2


def stroke_times(poses: np.ndarray, fps: float) -> np.ndarray:
    """Times (s) of wrist-speed peaks of both wrists, sorted (see module doc)."""
    from scipy.signal import find_peaks

    pos = heading_frame_positions(poses.reshape(-1, 55, 3))
    w = max(3, int(0.1 * fps) | 1)
    k = np.hanning(w + 2)[1:-1]
    k /= k.sum()
    out = []
    for j in WRISTS:
        v = np.linalg.norm(np.gradient(pos[:, j], 1.0 / fps, axis=0), axis=1)
        v = np.convolve(v, k, mode="same")
        idx, _ = find_peaks(v, height=0.15, prominence=0.1, distance=max(1, int(0.25 * fps)))
        out.append(idx / fps)
    return np.sort(np.concatenate(out))


def share_near(strokes: np.ndarray, syllables: np.ndarray, window_s: float = WINDOW_S) -> float:
    if strokes.size == 0 or syllables.size == 0:
        return float("nan")
    d = np.abs(strokes[:, None] - np.asarray(syllables)[None, :]).min(axis=1)
    return float(np.mean(d <= window_s))


def median_offset_ms(strokes: np.ndarray, syllables: np.ndarray) -> float:
    """Median signed time (ms) from each stroke to its nearest syllable (< 0: the stroke leads)."""
    if strokes.size == 0 or syllables.size == 0:
        return float("nan")
    syl = np.asarray(syllables)
    d = strokes[:, None] - syl[None, :]
    return float(1000 * np.median(d[np.arange(d.shape[0]), np.abs(d).argmin(axis=1)]))


def chance_share(strokes: np.ndarray, syllables: np.ndarray, duration_s: float, window_s: float = WINDOW_S) -> float:
    rng = np.random.default_rng(0)
    vals = [share_near(np.mod(strokes + rng.uniform(2.0, 20.0), duration_s), syllables, window_s) for _ in range(20)]
    return float(np.mean(vals))


def recognized_transcript(audio: Audio) -> str:
    """pocketsphinx recognition (bundled US English LM and dictionary) of the whole clip."""
    from pocketsphinx import Decoder

    d = Decoder(samprate=16000, loglevel="FATAL")
    d.start_utt()
    pcm = (np.clip(audio.samples, -1, 1) * 32767).astype(np.int16).tobytes()
    d.process_raw(pcm, full_utt=True)
    d.end_utt()
    return d.hyp().hypstr if d.hyp() is not None else ""


def _row(per_seed, accents, word_syl, dur) -> dict:
    """Mean over seeds of the shares (200 and 100 ms windows) and their chance levels."""
    m = lambda f: float(np.mean([f(s) for s in per_seed]))  # noqa: E731
    r = {"strokes": m(lambda s: s.size), "share near accents": m(lambda s: share_near(s, accents)),
         "chance (accents)": m(lambda s: chance_share(s, accents, dur)),
         "share within 100 ms of accents": m(lambda s: share_near(s, accents, 0.1)),
         "chance 100 ms (accents)": m(lambda s: chance_share(s, accents, dur, 0.1)),
         "median stroke - accent (ms)": m(lambda s: median_offset_ms(s, accents))}
    if word_syl is not None:
        r["share near word stresses"] = m(lambda s: share_near(s, word_syl))
        r["chance (word stresses)"] = m(lambda s: chance_share(s, word_syl, dur))
        r["share within 100 ms of word stresses"] = m(lambda s: share_near(s, word_syl, 0.1))
        r["chance 100 ms (word stresses)"] = m(lambda s: chance_share(s, word_syl, dur, 0.1))
        r["median stroke - word stress (ms)"] = m(lambda s: median_offset_ms(s, word_syl))
    return r


def evaluate(seeds: int, part: str, save_transcript: str = "") -> dict:
    real = np.load(BEAT2.with_suffix(".npz"))
    fps = float(real["mocap_frame_rate"])
    audio = load_audio(BEAT2.with_suffix(".wav"))
    sr, cut = audio.sample_rate_hz, int(round(TUNE_S * fps))
    if part == "held-out":
        clip = Audio(audio.samples[int(TUNE_S * sr):], sr, sr, "beat2 held-out")
        real_poses = real["poses"][cut:]
    else:
        clip = Audio(audio.samples[:int(TUNE_S * sr)], sr, sr, "beat2 tuning part")
        real_poses = real["poses"][:cut]
    dur = clip.duration_s
    prosody = analyze_prosody(clip)
    accents = np.asarray(prosody.accents_s)
    text = recognized_transcript(clip)
    if save_transcript:
        Path(save_transcript).write_text(text, encoding="utf-8")
    timing = words.word_timing(clip.samples, text, prosody)
    word_syl = timing.stressed_syllables()[0] if timing is not None else None
    rows = {}

    rows["real BEAT2 motion"] = _row([stroke_times(real_poses, fps)], accents, word_syl, dur)
    body = procedural.ProceduralBody()
    for label, tr_text in (("ours, audio only", ""), ("ours, word-aware (recognised transcript)", text)):
        if tr_text and timing is None:
            rows[label] = {"unavailable": "the recognised transcript was refused by the alignment check"}
            continue
        per = []
        for seed in range(seeds):
            tr = body.run(clip, GenerateOptions(seed=seed, transcript=tr_text))
            per.append(stroke_times(tr.poses, tr.fps))
        rows[label] = _row(per, accents, word_syl, dur)
    rows["reference"] = {"accents": int(accents.size), "word stresses": int(0 if word_syl is None else word_syl.size),
                         "recognised words": len(text.split()), "transcript": text}
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--part", default="held-out", choices=("held-out", "tune"))
    ap.add_argument("--json", default="")
    ap.add_argument("--save-transcript", default="", help="write the recognised transcript to this file")
    args = ap.parse_args(argv)
    if not BEAT2.with_suffix(".npz").exists():
        print(f"BEAT2 sample not found at {BEAT2}.npz; nothing to compare against")
        return 1
    res = evaluate(args.seeds, args.part, args.save_transcript)
    print_report(res, args.json, width=30, digits=3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
