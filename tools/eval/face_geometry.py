"""Judge lip sync by geometry on Apple's ARKit reference head, on real speech with transcripts.

For every clip of the shared real English speech (``../shared/data/speech/MANIFEST.json``), each
method's ARKit curves at 30 fps are applied to the reference head (:mod:`tools.eval.reference_head`) and
scored against a pocketsphinx forced alignment of the clip's transcript
(:mod:`tools.eval.face_metrics`). Methods:

- ``fast``: DSP backend; ``lipsync``: the network backend (both through ``inference.generate``
  with the procedural layer off, i.e. what lands on the rig's mouth);
- ``lipsync+transcript``: the network with the clip's transcript (transcript mode), when the
  code under test has it;
- ``pocketsphinx``: transcript-free pocketsphinx phone recognition -> the target generator
  (the phone-recogniser approach of Rhubarb Lip Sync);
- ``oracle``: the target generator on the forced alignment itself (the design's ceiling).

Splits (by clip, never mixed): ``test`` = the held-out clips of ``training/datagen/make_real.py``
(LJ001-0001..0010, JFK 1961, LibriSpeech 2412-153948-0000 and 1995-1837-0001) -- the numbers we
report; ``tune`` = LJ001-0011..0032 and LibriSpeech 3436-172162-0000 -- the only clips used to
choose constants. Clips whose transcript is marked rough/approximate are left out.

Usage (repository root)::

    .venv/bin/python -m tools.eval.face_geometry [--split test] [--out results.json]
        [--code /path/to/other/checkout]   # evaluate another version's inference/ (before/after)

Alignments are cached in ``$SPEECHANIM_GEOMETRY_CACHE`` (default ``/work/cache/face_geometry``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SPEECHANIM_SHARED_DATA", REPO.parent / "shared" / "data"))
CACHE = Path(os.environ.get("SPEECHANIM_GEOMETRY_CACHE", "/work/cache/face_geometry"))
TEST = re.compile(r"ljspeech_LJ001-00(0\d|10)|jfk_inaugural_1961|librispeech_(2412-153948-0000|1995-1837-0001)")
METHODS = ("oracle", "pocketsphinx", "fast", "lipsync", "fast+transcript", "lipsync+transcript")


def clips(split: str) -> list[dict]:
    """Manifest entries of ``split`` (``test``, ``tune`` or ``all``) with trusted transcripts."""
    out = []
    for e in json.loads((SHARED / "speech" / "MANIFEST.json").read_text()):
        status = str(e.get("transcript_status", "")).lower()
        if not e.get("transcript") or "rough" in status or "approx" in status or e.get("language") != "en":
            continue
        stem = Path(e["file"]).stem
        part = "test" if TEST.fullmatch(stem) else "tune"
        if split in ("all", part):
            out.append({"stem": stem, "path": str(SHARED / e["file"]), "text": e["transcript"],
                        "speaker": stem.split("_")[0] if stem.startswith("ljspeech") else stem})
    return out


def cached(kind: str, stem: str, fn):
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{stem}.{kind}.json"
    if path.is_file():
        d = json.loads(path.read_text())
    else:
        t0 = time.perf_counter()
        s, e, lab = fn()
        d = {"start": list(map(float, s)), "end": list(map(float, e)), "labels": list(map(str, lab)),
             "seconds": time.perf_counter() - t0}
        path.write_text(json.dumps(d))
    return (np.array(d["start"]), np.array(d["end"]), np.array(d["labels"])), d["seconds"]


def run_method(name: str, audio, clip: dict, fps: float, frames: int):
    """``((T, 52) ARKit, seconds)`` of one method, or ``(None, 0)`` if the code lacks it."""
    from inference import backends
    from inference.face.targets import phones_to_arkit
    from inference.generate import generate
    from inference.options import GenerateOptions

    if name in ("oracle", "pocketsphinx"):
        from training.datagen.align import force_align, recognize_phones

        if name == "oracle":
            ph, sec = cached("align", clip["stem"], lambda: force_align(audio.samples, clip["text"]))
        else:
            ph, sec = cached("phones", clip["stem"], lambda: recognize_phones(audio.samples))
        t0 = time.perf_counter()
        a = phones_to_arkit(*ph, fps, frames)
        return a, sec + time.perf_counter() - t0
    backend = name.split("+")[0]
    if backend not in backends.face_backend_names():
        return None, 0.0
    kw = dict(body=False, face_model=backend, fps=fps, procedural_face=False)
    if name.endswith("+transcript"):
        if "transcript" not in GenerateOptions.__dataclass_fields__:
            return None, 0.0
        kw["transcript"] = clip["text"]
    t0 = time.perf_counter()
    perf = generate(audio, GenerateOptions(**kw))
    return perf.arkit[:frames], time.perf_counter() - t0


def evaluate(split: str, fps: float, methods, log=print) -> dict:
    """Pooled metrics per method (overall and per speaker) plus per-method seconds per audio second."""
    from inference.audio import load_audio
    from tools.eval.reference_head import lip_gauge
    from tools.eval.face_metrics import clip_sums, pool, summarize
    from training.datagen.align import force_align

    gauge = lip_gauge()
    sums = {m: [] for m in methods}
    per_spk = {m: {} for m in methods}
    secs = {m: 0.0 for m in methods}
    audio_s = 0.0
    for clip in clips(split):
        audio = load_audio(clip["path"])
        dur = audio.samples.shape[0] / 16000
        frames = int(np.floor(dur * fps)) + 1
        phones, _ = cached("align", clip["stem"], lambda: force_align(audio.samples, clip["text"]))
        audio_s += dur
        for m in methods:
            a, sec = run_method(m, audio, clip, fps, frames)
            if a is None:
                continue
            s = clip_sums(gauge.gap_mm(a), gauge.rest_gap_mm, fps, phones)
            sums[m].append(s)
            per_spk[m].setdefault(clip["speaker"], []).append(s)
            secs[m] += sec
        log(f"{clip['stem']}: {dur:.1f} s")
    out = {"split": split, "fps": fps, "audio_s": audio_s, "clips": len(clips(split)),
           "rest_gap_mm": gauge.rest_gap_mm, "methods": {}}
    for m in methods:
        if not sums[m]:
            continue
        out["methods"][m] = {"all": summarize(pool(sums[m])), "rtf": secs[m] / max(audio_s, 1e-9),
                             "speakers": {k: summarize(pool(v)) for k, v in per_spk[m].items()}}
    return out


#: Held-out synthetic speech in other languages (espeak-ng formant voices, never trained on):
#: phone times are exact (the synthesiser's phoneme events, training/datagen/espeak_events.py).
LANG_SENTENCES: dict[str, tuple[str, ...]] = {
    "de": ("Mein Bruder baut morgen ein Boot am Meer.", "Bitte bring mir bald die blaue Mappe.",
           "Papa malt ein Bild vom alten Baum im Park."),
    "fr": ("Mon petit bateau part ce matin pour la mer.", "Papa mange une pomme au bord du pont.",
           "Bonjour, ma belle amie, ton beau manteau est parfait."),
    "es": ("Mi padre compra pan blanco por la mañana.", "Bajamos a la playa a mirar el mar.",
           "Pablo quiere beber mucha agua bien fría."),
    "it": ("Mio padre compra il pane ogni mattina.", "Bambini, prendete le borse e andiamo al mare.",
           "La mamma porta una mela e un panino."),
}
LANG_VOICES = ("", "+f3", "+m3")


def evaluate_languages(fps: float, methods, persian_clips: int = 40) -> dict:
    """Audio-only methods on synthetic de/fr/es/it (exact phones) and real Persian (no phones:
    crossing share over all frames and opening amplitude only)."""
    from inference.audio import load_audio, prepare_audio
    from tools.eval.reference_head import lip_gauge
    from tools.eval.face_metrics import clip_sums, pool, summarize
    from training.datagen.espeak_events import espeak

    gauge = lip_gauge()
    out = {}
    methods = [m for m in methods if "+" not in m and m not in ("oracle", "pocketsphinx")]
    for lang, sentences in LANG_SENTENCES.items():
        sums = {m: [] for m in methods}
        for text in sentences:
            for v in LANG_VOICES:
                syn = espeak(text, lang + v)
                audio = prepare_audio(syn.audio, 16000)
                frames = int(np.floor(len(syn.audio) / 16000 * fps)) + 1
                for m in methods:
                    a, _ = run_method(m, audio, {"text": text, "stem": ""}, fps, frames)
                    if a is not None:
                        sums[m].append(clip_sums(gauge.gap_mm(a), gauge.rest_gap_mm, fps,
                                                 (syn.phone_start_s, syn.phone_end_s, syn.phone_label)))
        out[f"{lang} (espeak-ng, 3 voices, synthetic)"] = {m: summarize(pool(v)) for m, v in sums.items() if v}
    fa = sorted((SHARED / "speech" / "fa_commonvoice").rglob("*.mp3"))[:persian_clips]
    if fa:
        sums = {m: [] for m in methods}
        for path in fa:
            audio = load_audio(path)
            frames = int(np.floor(audio.samples.shape[0] / 16000 * fps)) + 1
            for m in methods:
                a, _ = run_method(m, audio, {"text": "", "stem": ""}, fps, frames)
                if a is not None:
                    sums[m].append(clip_sums(gauge.gap_mm(a), gauge.rest_gap_mm, fps, None))
        out[f"fa (Common Voice, {len(fa)} real clips, no phones)"] = {m: summarize(pool(v)) for m, v in sums.items() if v}
    return out


BEGIN, END = "<!-- geometry:begin -->", "<!-- geometry:end -->"
_COLS = (("clean_closure", "clean bilabial closure (>= 0.95)", "{:.3f}"),
         ("cross_share", "speech frames lips crossing > 2 mm (<= 1 %)", "{:.1%}"),
         ("deep_share", "crossing > 4 mm", "{:.1%}"),
         ("aperture_r", "aperture r (>= 0.80)", "{:.3f}"), ("lag_frames", "lag, frames @ 30 fps (+-1)", "{:+.2f}"),
         ("open_median_mm", "opening median / p90, mm", None), ("rest", "rest in pauses (>= 0.97)", "{:.3f}"),
         ("shut_nonbilabial", "shut on non-bilabial speech", "{:.3f}"),
         ("near_shut_nonbilabial", "within 6 mm of shut, non-bilabial speech (<= 15 %)", "{:.1%}"),
         ("min_gap_mm", "worst gap, mm", "{:+.1f}"))


def _row(name, a, rtf=None):
    cells = []
    for key, _, fmt in _COLS:
        v = a[key]
        if fmt is None:
            cells.append(f"{a['open_median_mm']:.1f} / {a['open_p90_mm']:.1f}")
        else:
            cells.append("n/a" if v != v else fmt.format(v))
    return f"| {name} | " + " | ".join(cells) + (f" | {rtf:.4f} |" if rtf is not None else " |")


def markdown(after: dict, before: dict | None, labels: tuple[str, str] = ("before", "after")) -> str:
    """The docs/face-quality.md section written by ``--write-doc``; ``labels`` name the two runs'
    rows (``--before-label``, ``--after-label``, e.g. the commit and what changed)."""
    head = "| method | " + " | ".join(c[1] for c in _COLS)
    lines = [f"Held-out real English speech (`{after['split']}` split): {after['clips']} clips, "
             f"{after['audio_s']:.0f} s, 4 speakers; reference-head rest gap {after['rest_gap_mm']:.2f} mm. "
             f"Generated by `tools/eval/face_geometry.py --write-doc` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "",
             head + " | CPU s per audio s |", "|" + "---|" * (len(_COLS) + 2)]
    for tag, res in ((labels[0], before), (labels[1], after)):
        if res is None:
            continue
        for m, r in res["methods"].items():
            lines.append(_row(f"{tag}: {m}", r["all"], r["rtf"]))
    langs = after.get("languages")
    if langs:
        lines += ["", "Other languages (audio only; synthetic voices are held-out espeak-ng voices with exact "
                  "phone times; Persian has no phones, so only crossing and opening over all frames):", "",
                  "| language | method | " + " | ".join(c[1] for c in _COLS) + " |", "|" + "---|" * (len(_COLS) + 2)]
        for tag, res in ((labels[0], before), (labels[1], after)):
            if res is None or "languages" not in res:
                continue
            for lang, per in res["languages"].items():
                for m, a in per.items():
                    lines.append(_row(f"{lang} | {tag}: {m}", a))
    return "\n".join(lines) + "\n"


def write_doc(text: str, path: Path = REPO / "docs" / "face-quality.md") -> None:
    """Replace the text between the geometry markers of ``path``."""
    doc = path.read_text()
    a, b = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    path.write_text(doc[:a] + "\n" + text + doc[b:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="test", choices=("test", "tune", "all"))
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--code", default="", help="checkout whose inference/ is evaluated (default: this one)")
    ap.add_argument("--out", default="", help="write the results as JSON here")
    ap.add_argument("--languages", action="store_true", help="also the non-English evaluation")
    ap.add_argument("--before", default="", help="JSON of an earlier run (e.g. --code main) shown beside")
    ap.add_argument("--write-doc", action="store_true", help="rewrite the geometry section of docs/face-quality.md")
    ap.add_argument("--before-label", default="before", help="row label of the --before run in the doc")
    ap.add_argument("--after-label", default="after", help="row label of this run in the doc")
    args = ap.parse_args(argv)
    if args.code:
        import training.datagen.espeak_events  # noqa: F401  (this checkout's synthesiser and aligner)
        import training.datagen.align  # noqa: F401

        sys.path.insert(0, str(Path(args.code).resolve()))
        for mod in [k for k in sys.modules if k.split(".")[0] in ("inference", "rigs")]:
            del sys.modules[mod]
    res = evaluate(args.split, args.fps, args.methods.split(","), log=lambda s: print(s, file=sys.stderr))
    res["code"] = args.code or str(REPO)
    if args.languages:
        res["languages"] = evaluate_languages(args.fps, args.methods.split(","))
        for lang, per in res["languages"].items():
            for m, a in per.items():
                print(f"{lang:45s} {m:8s} clean {a['clean_closure']:.3f} cross>2mm {a['cross_share']:.3%} "
                      f"r {a['aperture_r']:.3f} lag {a['lag_frames']:+.2f} open {a['open_median_mm']:.1f} mm "
                      f"rest {a['rest']:.3f} min {a['min_gap_mm']:.1f}")
    text = json.dumps(res, indent=1, default=float)
    if args.out:
        Path(args.out).write_text(text)
    if args.write_doc:
        write_doc(markdown(res, json.loads(Path(args.before).read_text()) if args.before else None,
                           (args.before_label, args.after_label)))
    for m, r in res["methods"].items():
        a = r["all"]
        print(f"{m:20s} clean {a['clean_closure']:.3f} closed {a['closure']:.3f} cross>2mm "
              f"{a['cross_share']:.3%} deep {a['deep_share']:.3%} r {a['aperture_r']:.3f} "
              f"(best {a['best_lag_r']:.3f}) lag {a['lag_frames']:+.2f} open {a['open_median_mm']:.1f}/"
              f"{a['open_p90_mm']:.1f} mm rest {a['rest']:.3f} shut-nb {a['shut_nonbilabial']:.3f} "
              f"near6-nb {a['near_shut_nonbilabial']:.3f} "
              f"min {a['min_gap_mm']:.1f} rtf {r['rtf']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
