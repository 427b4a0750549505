"""The batch skeleton every batch front end runs, so a new one is a parser and one file's work.

    parse -> options -> discover -> layout -> re-run policy -> stale partials -> run -> summary -> exit code

:class:`BatchFrontEnd` does each step; a front end subclasses it and gives :meth:`~BatchFrontEnd.build_parser`,
:meth:`~BatchFrontEnd.layout` and :meth:`~BatchFrontEnd.work` (what one file becomes), and may add
checks before any work (:meth:`~BatchFrontEnd.check`), other outputs of the batch
(:meth:`~BatchFrontEnd.extra_outputs`), its own scheduler (:meth:`~BatchFrontEnd.execute`: Ray) or
a step after the files (:meth:`~BatchFrontEnd.finish`: one combined ``.blend``). Users of it:
``python -m inference`` (:mod:`inference.batch.npz`), ``python -m inference.distributed`` and the
Blender batch (``addon/cli.py``).

Exit code: 0 when every file was written (or skipped as done), 1 when any failed, 2 on bad
arguments or refused outputs (nothing was done), 128 + signal number when stopped by a signal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SpeechAnimatorError
from ..options import GenerateOptions
from . import args as batch_args, atomic, runner
from .errors import UsageError
from .inputs import BatchItem, discover


class BatchFrontEnd:
    """One batch command. Subclasses give :meth:`build_parser`, :meth:`layout` and :meth:`work`.

    Attributes:
        user_errors: exception types (beyond :class:`inference.errors.SpeechAnimatorError`) reported
            as the user's problem, without a traceback.
    """

    user_errors: tuple = ()

    # --- what a front end gives -------------------------------------------------------------------
    def build_parser(self) -> argparse.ArgumentParser:
        """The command's parser (with :func:`inference.batch.args.add_generate_arguments` and
        :func:`inference.batch.args.add_rerun_arguments`, and an ``inputs`` positional)."""
        raise NotImplementedError(f"{type(self).__name__}.build_parser: a batch front end must define it")

    def layout(self, args: argparse.Namespace) -> runner.Layout:
        """Where the batch writes."""
        raise NotImplementedError(f"{type(self).__name__}.layout: a batch front end must define it")

    def work(self, args: argparse.Namespace, options: GenerateOptions, item: BatchItem, tmp: Path | None) -> dict:
        """One file's work with its own ``options`` (sidecar transcript applied); writes its output
        to ``tmp`` (``None`` without per-file outputs) and returns the report fields."""
        raise NotImplementedError(f"{type(self).__name__}.work: a batch front end must define it")

    # --- what a front end may change --------------------------------------------------------------
    def inputs(self, args: argparse.Namespace) -> list[str]:
        """The input paths to discover (default ``args.inputs``)."""
        return list(args.inputs)

    def options(self, args: argparse.Namespace) -> GenerateOptions:
        """Validated options (raises :class:`UsageError`)."""
        return batch_args.options_from_args(args)

    def check(self, args, options: GenerateOptions, items: list[BatchItem], layout: runner.Layout,
              policy: str) -> None:
        """More checks before any work; raise :class:`UsageError` (bad arguments) or another
        :class:`SpeechAnimatorError` (refused) to exit with 2."""

    def extra_outputs(self, args) -> list[Path]:
        """Outputs of the batch besides the per-file ones (refused up front like them)."""
        return []

    def execute(self, args, options: GenerateOptions, items: list[BatchItem], layout: runner.Layout,
                policy: str) -> tuple[list[dict], int]:
        """Run every file (in this process, one after another); return ``(reports, signal number)``."""
        total = len(items)

        def process(item: BatchItem, tmp: Path | None) -> dict:
            return self.process(args, options, item, tmp)

        with runner.InterruptGuard() as guard:
            reports, signum = runner.run_items(items, layout, process, policy=policy, user_errors=self.user_errors,
                                               on_report=lambda i, it, rep: self.show(i, total, it, rep),
                                               guard=guard)
            if not signum:
                signum = self.finish(args, reports, items, layout, guard)
        return reports, signum

    def process(self, args, options: GenerateOptions, item: BatchItem, tmp: Path | None) -> dict:
        """:meth:`work` with the file's own options (its sidecar transcript,
        :func:`inference.batch.args.options_for_file`); what a scheduler runs per file."""
        return self.work(args, batch_args.options_for_file(options, item.source), item, tmp)

    def finish(self, args, reports: list[dict], items: list[BatchItem], layout: runner.Layout, guard) -> int:
        """A step after every file (inside the signal guard); return a signal number that arrived (0)."""
        return 0

    def show(self, index: int, total: int, item: BatchItem, rep: dict) -> None:
        """One line per finished file (stdout; failures on stderr)."""
        head = f"[{index}/{total}] {item.source}"
        if rep["status"] == "ok":
            print(f"{head} -> {rep['output']} ({rep['frames']} frames, {rep['duration_s']:.2f} s "
                  f"at {rep['fps']:g} fps; {rep['seconds']:.2f} s)")
            for w in rep["warnings"]:
                print(f"    warning: {w}")
        elif rep["status"] == "skipped":
            print(f"{head}: skipped, {rep['output']} exists")
        else:
            print(f"{head}: FAILED: {rep['error']}", file=sys.stderr)

    def summary(self, args, reports: list[dict], total: int, signum: int, layout: runner.Layout) -> None:
        """The closing line(s)."""
        where = layout.output_dir if layout.output_dir is not None else (self.extra_outputs(args) or [""])[0]
        runner.print_summary(reports, total, signum, str(where))

    def usage_error(self, parser: argparse.ArgumentParser, exc: UsageError) -> int:
        """Bad arguments found after parsing: argparse's usage and message, exit 2 (``SystemExit``)."""
        parser.error(str(exc))  # raises SystemExit(2)
        return 2

    def parse(self, parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
        """Parse ``argv`` (``SystemExit`` 2 on bad arguments, 0 for ``--help``)."""
        return parser.parse_args(argv)

    # --- the skeleton -----------------------------------------------------------------------------
    def main(self, argv: list[str] | None = None) -> int:
        """Run the command; returns the exit code (see the module docstring)."""
        parser = self.build_parser()
        args = self.parse(parser, argv)
        try:
            options = self.options(args)
            items = discover(self.inputs(args))
            layout = self.layout(args)
            policy = batch_args.rerun_policy(args)
            self.check(args, options, items, layout, policy)
            runner.check_rerun(items, layout, policy, extra=self.extra_outputs(args))
        except UsageError as exc:
            return self.usage_error(parser, exc)
        except SpeechAnimatorError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if layout.output_dir is not None:
            atomic.remove_stale_partials(layout.output_dir)
        try:
            reports, signum = self.execute(args, options, items, layout, policy)
        except SpeechAnimatorError as exc:  # the scheduler could not start (Ray missing): nothing was done
            print(f"error: {exc}", file=sys.stderr)
            return 2
        self.summary(args, reports, len(items), signum, layout)
        return runner.exit_code(reports, signum)
