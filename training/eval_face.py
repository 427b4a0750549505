"""Evaluate lip-sync methods on the held-out real speech and write docs/face-quality.md.

Methods compared (each that exists; a missing backend is reported as "not available"):

- ``oracle``: the target generator on the forced alignment (the reference itself; sanity row);
- ``fast``: the DSP baseline backend (``inference/face/dsp.py``);
- ``pocketsphinx``: transcript-free pocketsphinx phone recognition -> the same target generator;
- ``lipsync``: our network backend (``inference/face/lipsync.py``).

Usage (from the repository root)::

    .venv/bin/python -m training.eval_face [--fps 30] [--split test] [--write-doc]

Metrics: :mod:`tools.eval.face_metrics` (weights against the oracle). Needs the face dataset (training/datagen, docs/face-data.md).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from inference import backends
from inference.audio import Audio
from inference.face.targets import phones_to_arkit
from inference.options import GenerateOptions
from inference.timebase import num_frames, resample_frames
from tools.eval.face_metrics import clip_stats, summarize_stats
from training.datagen.dataset import DEFAULT_ROOT, load_utterance, read_index

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "face-quality.md"
METHODS = ("oracle", "fast", "pocketsphinx", "lipsync")
BEGIN, END = "<!-- eval:begin -->", "<!-- eval:end -->"


def select_files(root: Path, split: str, fsdd_per_speaker: int) -> list[dict]:
    """Entries of ``split``; FSDD speakers subsampled to ``fsdd_per_speaker`` clips (spread over digits)."""
    entries = sorted((e for e in read_index(root) if e["split"] == split), key=lambda e: e["file"])
    out, per = [], defaultdict(list)
    for e in entries:
        (per[e["speaker"]] if e["source"] == "fsdd" else out).append(e)
    for spk, es in per.items():
        step = max(1, len(es) // max(1, fsdd_per_speaker))
        out += es[::step][:fsdd_per_speaker]
    return out


class Runner:
    """Runs one method on an utterance and returns ``(T, 52)`` at ``fps``."""

    def __init__(self, name: str, fps: float):
        self.name, self.fps = name, fps
        self.backend = None
        self.seconds = 0.0
        if name in ("fast", "lipsync"):
            self.backend = backends.get_face_backend(name)

    def __call__(self, d: dict, t_out: int) -> np.ndarray:
        t0 = time.perf_counter()
        if self.name == "oracle":
            a = phones_to_arkit(d["phone_start_s"], d["phone_end_s"], d["phone_label"], self.fps, t_out)
        elif self.name == "pocketsphinx":
            from training.datagen.align import recognize_phones

            s, e, lab = recognize_phones(d["audio"])
            a = phones_to_arkit(s, e, lab, self.fps, t_out)
        else:
            audio = Audio(d["audio"].astype(np.float32), 16000, 16000)
            opts = GenerateOptions(fps=self.fps, body=False, procedural_face=False)
            track = self.backend.run(audio, opts)
            a = resample_frames(np.asarray(track.arkit, np.float32), track.fps, self.fps, t_out)
        self.seconds += time.perf_counter() - t0
        return a


def evaluate(root: Path, split: str, fps: float, methods, fsdd_per_speaker: int, log=print):
    files = select_files(root, split, fsdd_per_speaker)
    if not files:
        raise SystemExit(f"no '{split}' utterances under {root}: run training.datagen.make_real first")
    runners, missing = {}, {}
    for m in methods:
        try:
            runners[m] = Runner(m, fps)
        except Exception as e:  # backend not registered / model missing
            missing[m] = f"{type(e).__name__}: {e}"
    stats = defaultdict(lambda: defaultdict(list))
    audio_s = 0.0
    for k, e in enumerate(files):
        d = load_utterance(root / e["file"])
        dur = len(d["audio"]) / 16000
        audio_s += dur
        t_out = num_frames(dur, fps)
        oracle = phones_to_arkit(d["phone_start_s"], d["phone_end_s"], d["phone_label"], fps, t_out)
        for m, run in list(runners.items()):
            try:
                pred = run(d, t_out)
            except Exception as ex:
                missing[m] = f"failed on {e['file']}: {type(ex).__name__}: {ex}"
                del runners[m]
                continue
            st = clip_stats(pred, oracle, fps, d["phone_start_s"], d["phone_end_s"], d["phone_label"])
            stats[m][e["speaker"]].append(st)
        if (k + 1) % 50 == 0:
            log(f"{k + 1}/{len(files)} clips")
    results = {}
    for m, by_spk in stats.items():
        all_stats = [s for v in by_spk.values() for s in v]
        results[m] = {"overall": summarize_stats(all_stats),
                      "speakers": {spk: summarize_stats(v) | {"clips": len(v)} for spk, v in sorted(by_spk.items())},
                      "realtime_factor": runners[m].seconds / audio_s if m in runners else math.nan}
    meta = {"split": split, "fps": fps, "clips": len(files), "audio_s": round(audio_s, 1),
            "speakers": sorted({e["speaker"] for e in files}), "missing": missing}
    return results, meta


def _f(x, fmt="{:.3f}"):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def markdown(results: dict, meta: dict) -> str:
    fps = meta["fps"]
    lines = [f"Held-out `{meta['split']}` split: {meta['clips']} clips, {meta['audio_s']} s of audio, "
             f"{len(meta['speakers'])} speakers; all methods evaluated at {fps:g} fps against the oracle "
             f"(target generator on the pocketsphinx forced alignment). Generated by `training/eval_face.py` "
             f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             "| method | bilabial closure (>= 0.90) | mouth-open r (>= 0.80) | viseme acc | lag, frames "
             f"@ {fps:g} fps (+-1) | silence rest (>= 0.95) | jitter ratio (~1) | speech MAE | CPU real-time factor |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in METHODS:
        if m not in results:
            continue
        o = results[m]["overall"]
        lines.append(f"| {m} | {_f(o['closure_rate'])} ({o['bilabials']}) | {_f(o['mouth_open_r'])} | "
                     f"{_f(o['viseme_acc'])} | {_f(o['lag_frames'], '{:+.2f}')} | {_f(o['rest_share'])} "
                     f"({o['rest_frames']}) | {_f(o['jitter_ratio'], '{:.2f}')} | {_f(o['speech_mae'], '{:.4f}')} | "
                     f"{_f(results[m]['realtime_factor'], '{:.4f}')} |")
    for m, why in meta["missing"].items():
        lines.append(f"| {m} | not available: {why[:120]} | | | | | | | |")
    lines += ["", "Per speaker (closure / r / viseme acc / lag / rest / jitter):", "",
              "| speaker | clips | " + " | ".join(m for m in METHODS if m in results) + " |",
              "|---|---|" + "---|" * sum(m in results for m in METHODS)]
    for spk in meta["speakers"]:
        row = None
        cells = []
        for m in METHODS:
            if m not in results:
                continue
            s = results[m]["speakers"].get(spk)
            if s is None:
                cells.append("n/a")
                continue
            row = s["clips"]
            cells.append(f"{_f(s['closure_rate'], '{:.2f}')} / {_f(s['mouth_open_r'], '{:.2f}')} / "
                         f"{_f(s['viseme_acc'], '{:.2f}')} / {_f(s['lag_frames'], '{:+.1f}')} / "
                         f"{_f(s['rest_share'], '{:.2f}')} / {_f(s['jitter_ratio'], '{:.1f}')}")
        lines.append(f"| {spk} | {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_doc(text: str, path: Path = DOC) -> None:
    """Replace the generated section between the eval markers of docs/face-quality.md."""
    doc = path.read_text(encoding="utf-8") if path.exists() else f"# Face quality\n\n{BEGIN}\n{END}\n"
    if BEGIN not in doc:
        doc += f"\n{BEGIN}\n{END}\n"
    doc = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: f"{BEGIN}\n{text}{END}", doc, flags=re.S)
    path.write_text(doc, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    ap.add_argument("--split", default="test", choices=("train", "val", "test"))
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--fsdd-per-speaker", type=int, default=60)
    ap.add_argument("--write-doc", action="store_true", help="update docs/face-quality.md")
    ap.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = ap.parse_args(argv)
    results, meta = evaluate(args.root, args.split, args.fps, args.methods.split(","), args.fsdd_per_speaker)
    text = markdown(results, meta)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=float))
    if args.write_doc:
        write_doc(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
