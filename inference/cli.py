"""Standalone inference without Blender: speech files -> BEAT2-layout ``.npz`` + JSON report each.

    python -m inference AUDIO_OR_FOLDER... -o OUTDIR [--fps 30] [--what both|face|body]
           [--face-model default|lipsync|fast] [--body-model default|procedural]
           [--device auto|cpu|cuda] [--seed 0] [--intensity 1] [--smoothing 0]
           [--no-procedural-face] [--overwrite]

For every input audio file (folders are searched recursively for .wav/.flac/.ogg/.mp3) it writes
``OUTDIR/<stem>.npz`` with :func:`inference.formats.beat2.write_beat2_npz` (``poses`` (T,165),
``trans`` (T,3), ``expressions`` (T,100), ``betas`` (300,), ``mocap_frame_rate``, ``gender``,
``model``, plus ``arkit`` (T,52) and ``arkit_names``) and ``OUTDIR/<stem>.json`` (status, frames,
fps, duration, models, device, timings, warnings or the error). Each file is processed on its
own: a file that fails is reported and the batch goes on.

Exit code: 0 when every file was written, 1 when any failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

AUDIO_SUFFIXES: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")
#: Below this peak level a file counts as silent (dBFS): written, with a warning.
SILENCE_PEAK_DBFS: float = -60.0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m inference``."""
    ap = argparse.ArgumentParser(
        prog="python -m inference",
        description="Generate ARKit face curves and SMPL-X body motion from speech and write them as "
                    "BEAT2-layout .npz files (one per audio file) with a JSON report each.")
    ap.add_argument("inputs", nargs="+", help="audio files (wav/flac/ogg/mp3) or folders (searched recursively)")
    ap.add_argument("-o", "--output-dir", required=True, type=Path, help="folder for <stem>.npz and <stem>.json")
    ap.add_argument("--fps", type=float, default=30.0, help="output frame rate (default 30)")
    ap.add_argument("--what", choices=("both", "face", "body"), default="both",
                    help="generate the face, the body or both (default both)")
    ap.add_argument("--face-model", default="default", help="face backend (default: the best installed)")
    ap.add_argument("--body-model", default="default", help="body backend (default: the best installed)")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                    help="onnxruntime device (default auto: CUDA when available, else CPU)")
    ap.add_argument("--seed", type=int, default=0, help="seed of blinks, gaze and gesture choice")
    ap.add_argument("--intensity", type=float, default=1.0, help="scale of speech-driven face channels, 0..2")
    ap.add_argument("--transcript", default="", help="the words spoken (phone-exact mouth timing by forced "
                    "alignment; falls back to audio only if they do not match)")
    ap.add_argument("--smoothing", type=float, default=0.0, help="extra face-curve smoothing, 0..1")
    ap.add_argument("--no-procedural-face", action="store_true", help="no blinks, gaze and brow motion")
    ap.add_argument("--overwrite", action="store_true", help="replace existing <stem>.npz / .json files")
    return ap


def find_audio(inputs) -> tuple[list[Path], list[str]]:
    """Expand files and folders into audio paths (sorted, de-duplicated); return ``(files, problems)``.

    A folder contributes every file below it with a suffix in :data:`AUDIO_SUFFIXES`; a named file is
    taken whatever its suffix (the decoder decides). Missing paths and empty folders are problems.
    """
    files, problems, seen = [], [], set()
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                problems.append(f"{p}: folder contains no {'/'.join(AUDIO_SUFFIXES)} files")
        elif p.is_file():
            found = [p]
        else:
            problems.append(f"{p}: no such file or folder")
            found = []
        for q in found:
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                files.append(q)
    return files, problems


def output_stems(files: list[Path]) -> list[str]:
    """Unique output names: the file stem, with ``-2``, ``-3``... appended when stems repeat."""
    count: dict[str, int] = {}
    stems = []
    for f in files:
        n = count.get(f.stem, 0) + 1
        count[f.stem] = n
        stems.append(f.stem if n == 1 else f"{f.stem}-{n}")
    return stems


def options_from(args):
    """:class:`GenerateOptions` from parsed arguments (raises ``ValueError`` on bad values)."""
    from .options import GenerateOptions

    return GenerateOptions(fps=args.fps, face=args.what in ("face", "both"), body=args.what in ("body", "both"),
                           face_model=args.face_model, body_model=args.body_model, device=args.device,
                           intensity=args.intensity, smoothing=args.smoothing, seed=args.seed,
                           procedural_face=not args.no_procedural_face, transcript=args.transcript)


def _check_models(options) -> None:
    from . import backends

    if options.face and options.face_model != "default" and options.face_model not in backends.face_backend_names():
        raise ValueError(f"--face-model: expected one of {['default'] + backends.face_backend_names()}, "
                         f"found {options.face_model!r}")
    if options.body and options.body_model != "default" and options.body_model not in backends.body_backend_names():
        raise ValueError(f"--body-model: expected one of {['default'] + backends.body_backend_names()}, "
                         f"found {options.body_model!r}")


def process_file(audio_path: Path, npz_path: Path, options, overwrite: bool = False) -> dict:
    """Generate one file and write its ``.npz``; return the report dict (never raises for bad audio).

    The report has ``ok`` (bool) and, on failure, ``error`` (message naming the file and the cause);
    ``kept_existing`` is set when an existing output was left alone (no ``overwrite``).
    """
    from .audio import load_audio
    from .formats.beat2 import write_beat2_npz
    from .generate import generate

    report: dict = {"audio": str(audio_path), "output": str(npz_path), "ok": False, "warnings": []}
    t0 = time.perf_counter()
    try:
        if npz_path.exists() and not overwrite:
            report["kept_existing"] = True
            raise FileExistsError(f"{npz_path}: already exists; pass --overwrite to replace it")
        audio = load_audio(audio_path)
        peak = float(np.max(np.abs(audio.samples)))
        if peak < 10.0 ** (SILENCE_PEAK_DBFS / 20.0):
            report["warnings"].append(f"{audio_path}: no speech (peak level "
                                      f"{20 * np.log10(max(peak, 1e-12)):.0f} dBFS); the face stays at rest")
        perf = generate(audio, options)
        tmp = npz_path.with_name(npz_path.stem + ".partial.npz")
        write_beat2_npz(tmp, perf)
        os.replace(tmp, npz_path)
    except Exception as exc:  # one bad file must not stop the batch: report it
        report["error"] = f"{type(exc).__name__}: {exc}"
        report["seconds"] = time.perf_counter() - t0
        return report
    prov = perf.provenance
    report.update(ok=True, frames=perf.num_frames, fps=float(perf.fps), duration_s=perf.duration_s,
                  face_model=prov.face_model, body_model=prov.body_model, device=prov.device,
                  seed=prov.seed, timings_s={k: round(v, 4) for k, v in prov.timings_s.items()},
                  seconds=time.perf_counter() - t0)
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 all written, 1 any failed, 2 bad arguments)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = options_from(args)
        _check_models(options)
    except ValueError as exc:
        parser.error(str(exc))  # exits with code 2
    files, problems = find_audio(args.inputs)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    if not files:
        print("error: no audio files to process", file=sys.stderr)
        return 2 if not problems else 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    failed = len(problems)
    for i, (audio, stem) in enumerate(zip(files, output_stems(files)), start=1):
        npz = args.output_dir / f"{stem}.npz"
        report = process_file(audio, npz, options, overwrite=args.overwrite)
        if not report.get("kept_existing"):  # an earlier output keeps its own report
            (args.output_dir / f"{stem}.json").write_text(json.dumps(report, indent=2))
        if report["ok"]:
            print(f"[{i}/{len(files)}] {audio} -> {npz} ({report['frames']} frames, {report['duration_s']:.2f} s "
                  f"at {report['fps']:g} fps; {report['seconds']:.2f} s)")
            for w in report["warnings"]:
                print(f"    warning: {w}")
        else:
            failed += 1
            print(f"[{i}/{len(files)}] {audio}: FAILED: {report['error']}", file=sys.stderr)
    done = len(files) + len(problems) - failed
    print(f"{done} of {len(files) + len(problems)} written to {args.output_dir}"
          + (f"; {failed} failed" if failed else ""))
    return 1 if failed else 0
