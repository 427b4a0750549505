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

from .batch.inputs import AUDIO_SUFFIXES
from .batch.npz import NpzFrontEnd, build_parser as npz_parser, process_file

__all__ = ["AUDIO_SUFFIXES", "build_parser", "main", "process_file"]


def build_parser(with_ray: bool = True) -> argparse.ArgumentParser:
    """The argument parser of ``python -m inference`` (``with_ray``: add ``--ray`` and its options)."""
    ap = npz_parser()
    if with_ray:
        from .distributed import add_ray_arguments

        add_ray_arguments(ap, default=None)
    return ap


class _Cli(NpzFrontEnd):
    """:class:`NpzFrontEnd` with ``--ray``: the same batch, one Ray task per file."""

    def build_parser(self) -> argparse.ArgumentParser:
        return build_parser()

    def check(self, args, options, items, layout, policy) -> None:
        if args.ray:
            from .distributed import resources

            resources(args, options)

    def execute(self, args, options, items, layout, policy):
        if not args.ray:
            return super().execute(args, options, items, layout, policy)
        from .distributed import schedule

        return schedule(args, options, items, layout, policy)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    return _Cli().main(argv)
