"""The ``python -m inference`` batch: speech files -> BEAT2-layout ``.npz`` + JSON report each.

:class:`NpzFrontEnd` is :class:`inference.batch.frontend.BatchFrontEnd` with this command's parser
and :func:`process_file` as one file's work; ``python -m inference`` (:mod:`inference.cli`) and the
Ray tasks of :mod:`inference.distributed` run it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from . import args as batch_args, runner
from .frontend import BatchFrontEnd
from .inputs import BatchItem


def build_parser(prog: str = "python -m inference") -> argparse.ArgumentParser:
    """The arguments of ``python -m inference`` (without the Ray ones)."""
    ap = argparse.ArgumentParser(
        prog=prog,
        description="Generate ARKit face curves and SMPL-X body motion from speech and write them as "
                    "BEAT2-layout .npz files (one per audio file) with a JSON report each.")
    ap.add_argument("inputs", nargs="+", help="audio files (wav/flac/ogg/mp3) or folders (searched recursively)")
    ap.add_argument("-o", "--output-dir", required=True, type=Path,
                    help="folder for <name>.npz and <name>.json (<name> mirrors the input folders)")
    ap.add_argument("--report-dir", type=Path, help="folder for the JSON reports (default: the output folder)")
    batch_args.add_generate_arguments(ap, fps_default=30.0)
    batch_args.add_rerun_arguments(ap)
    return ap


def process_file(audio_path: Path, npz_path: Path, options) -> dict:
    """Generate one file (:func:`inference.files.generate_file`) and write its ``.npz`` to
    ``npz_path``; return the report fields (frames, fps, duration, models, device, seed, timings
    in seconds incl. ``write``, warnings, ``transcript`` status, ``windowed``).

    Raises:
        inference.errors.SpeechAnimatorError: bad audio, unusable model, ...; anything else is a bug.
    """
    from ..face.transcript import transcript_status
    from ..files import generate_file
    from ..formats.beat2 import write_beat2_npz

    perf = generate_file(audio_path, options)
    t1 = time.perf_counter()
    write_beat2_npz(npz_path, perf)
    prov = perf.provenance
    timings = {k: round(v, 4) for k, v in prov.timings_s.items()}
    timings["write"] = round(time.perf_counter() - t1, 4)
    return dict(frames=perf.num_frames, fps=float(perf.fps), duration_s=perf.duration_s,
                face_model=prov.face_model, body_model=prov.body_model, device=prov.device, seed=prov.seed,
                transcript=transcript_status(prov.face_model, options.transcript), timings_s=timings, warnings=list(prov.warnings), windowed=prov.windows > 1)


class NpzFrontEnd(BatchFrontEnd):
    """``python -m inference``: one ``.npz`` and one JSON report per audio file."""

    def build_parser(self) -> argparse.ArgumentParser:
        return build_parser()

    def layout(self, args) -> runner.Layout:
        return runner.Layout(args.output_dir, ".npz", args.report_dir or args.output_dir)

    def work(self, args, options, item: BatchItem, tmp: Path | None) -> dict:
        return process_file(item.source, tmp, options)
