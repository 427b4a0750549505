"""Standalone inference without Blender: speech files -> BEAT2-layout ``.npz`` + JSON report each.

    python -m inference AUDIO_OR_FOLDER... -o OUTDIR [--fps 30] [--what both|face|body]
           [--face-model default|lipsync|fast] [--body-model default|procedural]
           [--device auto|cpu|cuda] [--seed 0] [--intensity 1] [--smoothing 0] [--parts ...]
           [--no-procedural-face] [--overwrite | --skip-existing] [--report-dir DIR]

For every input audio file (folders are searched recursively for .wav/.flac/.ogg/.mp3) it writes
``OUTDIR/<name>.npz`` with :func:`inference.formats.beat2.write_beat2_npz` (``poses`` (T,165),
``trans`` (T,3), ``expressions`` (T,100), ``betas`` (300,), ``mocap_frame_rate``, ``gender``,
``model``, plus ``arkit`` (T,52) and ``arkit_names``) and ``<name>.json`` (status, frames, fps,
duration, models, device, timings, warnings or the error). ``<name>`` mirrors the input folders
(see :mod:`inference.batch.inputs`), so outputs never collide. Options are validated before any
file is touched; existing outputs are refused up front unless ``--overwrite`` or
``--skip-existing``; every output is written under a temporary name and renamed; SIGINT/SIGTERM stop
after cleaning up the current file. The front end is shared with the Blender batch
(:mod:`inference.batch`).

Exit code: 0 when every file was written (or skipped as done), 1 when any failed, 2 on bad
arguments or refused outputs, 128 + signal number when stopped by a signal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


from .batch import args as batch_args, runner
from .batch.errors import UsageError
from .batch.inputs import AUDIO_SUFFIXES, BatchItem, discover
from .errors import SpeechAnimatorError

__all__ = ["AUDIO_SUFFIXES", "build_parser", "main", "process_file"]



def build_parser(with_ray: bool = True) -> argparse.ArgumentParser:
    """The argument parser of ``python -m inference`` (``with_ray``: add ``--ray`` and its options)."""
    ap = argparse.ArgumentParser(
        prog="python -m inference",
        description="Generate ARKit face curves and SMPL-X body motion from speech and write them as "
                    "BEAT2-layout .npz files (one per audio file) with a JSON report each.")
    ap.add_argument("inputs", nargs="+", help="audio files (wav/flac/ogg/mp3) or folders (searched recursively)")
    ap.add_argument("-o", "--output-dir", required=True, type=Path,
                    help="folder for <name>.npz and <name>.json (<name> mirrors the input folders)")
    ap.add_argument("--report-dir", type=Path, help="folder for the JSON reports (default: the output folder)")
    batch_args.add_generate_arguments(ap, fps_default=30.0)
    batch_args.add_rerun_arguments(ap)
    if with_ray:
        from .distributed import add_ray_arguments

        add_ray_arguments(ap, default=None)
    return ap



def process_file(audio_path: Path, npz_path: Path, options) -> dict:
    """Decode and generate one file and write its ``.npz`` to ``npz_path``; return report fields.

    Raises:
        inference.errors.SpeechAnimatorError: bad audio, unusable model, ...; anything else is a bug.
    """
    from .audio import load_audio
    from .batch.longaudio import LONG_AUDIO_S, audio_duration_s, generate_file
    from .face.transcript import transcript_status
    from .formats.beat2 import write_beat2_npz
    from .generate import generate

    t0 = time.perf_counter()
    if audio_duration_s(audio_path) > LONG_AUDIO_S:  # window by window: bounded memory, linear time
        perf, warnings = generate_file(audio_path, options)
        decode_s = perf.provenance.timings_s.get("decode", 0.0)
        windowed = True
    else:
        windowed = False
        audio = load_audio(audio_path)
        decode_s = time.perf_counter() - t0
        perf = generate(audio, options)
        warnings = list(perf.provenance.warnings)  # damaged-file and silence warnings
    t1 = time.perf_counter()
    write_beat2_npz(npz_path, perf)
    prov = perf.provenance
    timings = {k: round(v, 4) for k, v in prov.timings_s.items()}
    timings.update(decode=round(decode_s, 4), write=round(time.perf_counter() - t1, 4))
    return dict(frames=perf.num_frames, fps=float(perf.fps), duration_s=perf.duration_s,
                face_model=prov.face_model, body_model=prov.body_model, device=prov.device, seed=prov.seed,
                transcript=transcript_status(prov.face_model, options.transcript),
                timings_s=timings, warnings=warnings, windowed=windowed)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = batch_args.options_from_args(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits with code 2
    items = discover(args.inputs)
    layout = runner.Layout(args.output_dir, ".npz", args.report_dir or args.output_dir)
    policy = batch_args.rerun_policy(args)
    try:
        runner.check_rerun(items, layout, policy)
    except SpeechAnimatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from .batch.atomic import remove_stale_partials

    remove_stale_partials(args.output_dir)
    if args.ray:  # the same batch, one Ray task per file
        from .distributed import resources, run

        try:
            resources(args, options)
            return run(args, options, items, layout, policy)
        except SpeechAnimatorError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    def show(index: int, item: BatchItem, rep: dict) -> None:
        head = f"[{index}/{len(items)}] {item.source}"
        if rep["status"] == "ok":
            print(f"{head} -> {rep['output']} ({rep['frames']} frames, {rep['duration_s']:.2f} s "
                  f"at {rep['fps']:g} fps; {rep['seconds']:.2f} s)")
            for w in rep["warnings"]:
                print(f"    warning: {w}")
        elif rep["status"] == "skipped":
            print(f"{head}: skipped, {rep['output']} exists")
        else:
            print(f"{head}: FAILED: {rep['error']}", file=sys.stderr)

    def work(item: BatchItem, tmp: Path | None) -> dict:
        return process_file(item.source, tmp, batch_args.options_for_file(options, item.source))

    reports, signum = runner.run_items(items, layout, work, policy=policy, on_report=show)
    runner.print_summary(reports, len(items), signum, str(args.output_dir))
    return runner.exit_code(reports, signum)
