"""Inference speed and memory (bpy-free): face and body generation timed separately.

    .venv/bin/python -m benchmarks.bench_inference --duration 60 [--repeats 3]

Prints one ``RESULT:<json>`` line (run in a fresh process per duration so the peak RSS is its own),
with the yardstick (:mod:`benchmarks.yardstick`) timed in the same process and each figure's ratio
to it, and the date, commit and machine load (:func:`benchmarks.measure.stamp`).
"""

from __future__ import annotations

import argparse
import json
import sys

from .measure import max_rss_mb, stamp, timed, traced_peak_mb
from .speech import speech


def run(duration_s: float, repeats: int) -> dict:
    """Time ``generate`` for face only (each face backend), body only and both (defaults)."""
    from inference import backends
    from inference.generate import generate
    from inference.errors import InputError
    from inference.options import GenerateOptions

    audio, desc = speech(duration_s)
    warm, _ = speech(1.0)
    cold, _ = timed(lambda: generate(warm, GenerateOptions()))  # imports, model load, first run
    out = {"duration_s": duration_s, "audio": desc, "cold_start_1s_s": cold, "face": {}}
    face_names = backends.face_backend_names()
    default_face = backends.get_face_backend("default")
    for name in face_names:
        try:
            t, perf = timed(lambda: generate(audio, GenerateOptions(body=False, face_model=name)), repeats)
        except InputError as exc:  # a backend that needs user-supplied files (e.g. an EMAGE checkpoint)
            out.setdefault("skipped_face", {})[name] = str(exc)
            continue
        out["face"][name] = {"seconds": t, "rtf": t / duration_s, "model": perf.provenance.face_model,
                             "device": perf.provenance.device}
    t_body, perf = timed(lambda: generate(audio, GenerateOptions(face=False)), repeats)
    out["body"] = {"seconds": t_body, "rtf": t_body / duration_s, "model": perf.provenance.body_model}
    t_both, perf = timed(lambda: generate(audio, GenerateOptions()), repeats)
    out["both"] = {"seconds": t_both, "rtf": t_both / duration_s, "face_model": perf.provenance.face_model,
                   "body_model": perf.provenance.body_model, "device": perf.provenance.device,
                   "stages_s": {k: v for k, v in perf.provenance.timings_s.items()}}
    out["default_face"] = getattr(default_face, "name", perf.provenance.face_model)
    peak, _ = traced_peak_mb(lambda: generate(audio, GenerateOptions()))
    out["both"]["traced_peak_mb"] = peak
    out["max_rss_mb"] = max_rss_mb()
    from .yardstick import rhubarb_phonetic_s

    out["yardstick_s"] = rhubarb_phonetic_s(audio.samples, duration_s, repeats)["seconds"]  # beside, same process
    for fig in (*out["face"].values(), out["body"], out["both"]):
        fig["ratio"] = fig["seconds"] / out["yardstick_s"]
    out["stamp"] = stamp()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, required=True, help="seconds of speech")
    ap.add_argument("--repeats", type=int, default=3, help="best of N runs (default 3)")
    args = ap.parse_args(argv)
    print("RESULT:" + json.dumps(run(args.duration, args.repeats)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
