"""The batch loop shared by both CLIs: re-run policy, per-file isolation, reports, signals.

Every input gets a JSON report (missing ones too); each file's whole work (decode, generate, bake,
save, report) runs inside its own error handling, so one failure never stops the batch; outputs are
written under a temporary name and renamed (see :mod:`.atomic`); SIGINT / SIGTERM stop the batch
after cleaning up the current file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import SpeechAnimatorError
from . import atomic
from .errors import BatchInterrupted, MissingInputError, OutputExistsError
from .inputs import BatchItem

#: ``process(item, tmp_output) -> report fields``; ``tmp_output`` is ``None`` without a per-file output.
ProcessFn = Callable[[BatchItem, "Path | None"], dict]


@dataclass(frozen=True)
class Layout:
    """Where a batch writes: ``output_dir/<name><suffix>`` and ``report_dir/<name>.json``.

    Attributes:
        output_dir: folder of the per-file outputs, ``None`` when the batch writes no file per input.
        suffix: suffix of the per-file output (``".npz"``, ``".blend"``).
        report_dir: folder of the JSON reports.
    """

    output_dir: Path | None
    suffix: str
    report_dir: Path

    def output(self, item: BatchItem) -> Path | None:
        """The final output path of ``item`` (``None`` without per-file outputs)."""
        return item.output(self.output_dir, self.suffix) if self.output_dir is not None else None

    def report(self, item: BatchItem) -> Path:
        """The JSON report path of ``item``."""
        return item.output(self.report_dir, ".json")


def existing_outputs(items: list[BatchItem], layout: Layout) -> list[Path]:
    """Per-file outputs of ``items`` that already exist."""
    return [p for p in (layout.output(i) for i in items if not i.problem) if p is not None and p.exists()]


def check_rerun(items: list[BatchItem], layout: Layout, policy: str, extra: list[Path] = ()) -> None:
    """Refuse up front, before any work, when outputs exist and ``policy`` is ``"refuse"``.

    Args:
        extra: other outputs of the batch (e.g. one combined ``.blend``).

    Raises:
        OutputExistsError: names how many exist, a few of them and the two options.
    """
    if policy != "refuse":
        return
    found = existing_outputs(items, layout) + [Path(p) for p in extra if Path(p).exists()]
    if found:
        shown = ", ".join(str(p) for p in found[:3]) + (", ..." if len(found) > 3 else "")
        raise OutputExistsError(
            f"{len(found)} output(s) already exist ({shown}); expected none: pass --overwrite to replace "
            f"them or --skip-existing to keep them and process only the rest")


class SignalStop(BaseException):
    """Raised by :class:`InterruptGuard`'s handler. A ``BaseException`` like ``KeyboardInterrupt``, so
    the ``except Exception`` blocks of decoders and generators cannot turn it into a file error; the
    batch loop turns it into :class:`BatchInterrupted`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stopped(signum: int) -> BatchInterrupted:
    return BatchInterrupted(f"stopped by {signal.Signals(signum).name}", signum)


class InterruptGuard:
    """Turns SIGINT/SIGTERM into :class:`BatchInterrupted`, deferred while a file is being committed.

    ``received`` keeps the signal number, so the batch stops after the current file even if library
    code swallowed the exception.

    Use as a context manager around the batch (installs the handlers in the main thread only and
    restores the previous ones on exit); :meth:`hold` marks a commit (rename + report) that a signal
    must not split.
    """

    SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s)

    def __init__(self) -> None:
        self.pending = 0
        self.received = 0
        self._held = 0
        self._old: dict = {}

    def __enter__(self) -> "InterruptGuard":
        if threading.current_thread() is threading.main_thread():
            for s in self.SIGNALS:
                self._old[s] = signal.signal(s, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for s, old in self._old.items():
            signal.signal(s, old)
        self._old.clear()

    def _handle(self, signum, frame) -> None:
        self.received = signum
        if self._held:
            self.pending = signum
            return
        raise SignalStop(signum)

    @contextlib.contextmanager
    def hold(self):
        """Defer signals inside the block; a signal that arrived is raised when it ends."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
        if not self._held and self.pending:
            signum, self.pending = self.pending, 0
            raise _stopped(signum)


def run_items(items: list[BatchItem], layout: Layout, process: ProcessFn, *, policy: str,
              user_errors: tuple = (), on_report: Callable[[int, BatchItem, dict], None] | None = None,
              guard: InterruptGuard | None = None) -> tuple[list[dict], int]:
    """Process every item in its own error handling; write its output and report atomically.

    Args:
        items: from :func:`inference.batch.inputs.discover`.
        layout: output and report folders.
        process: does the file's work; writes its output to the temporary path it is given (when
            the layout has per-file outputs) and returns report fields. Raising fails this file only.
        policy: ``"overwrite"`` or ``"skip"`` (``"refuse"`` is :func:`check_rerun`'s job, before).
        user_errors: exception types reported as short messages besides
            :class:`~inference.errors.SpeechAnimatorError`; any other exception keeps its traceback
            in the report (``"traceback"``).
        on_report: called after each report is written with ``(index, item, report)``.
        guard: an entered :class:`InterruptGuard` (one is entered here when ``None``).

    Returns:
        ``(reports, signum)``: one report per processed item, and the signal that stopped the batch
        (0 when it ran to the end).
    """
    reports: list[dict] = []
    own = guard is None
    guard = guard or InterruptGuard()
    with (guard if own else contextlib.nullcontext()):
        for index, item in enumerate(items, start=1):
            try:
                try:
                    report = process_item(item, layout, process, policy, user_errors, guard)
                except SignalStop as sig:  # between two statements outside the file's work
                    raise _stopped(sig.signum) from None
            except BatchInterrupted as stop:
                done = getattr(stop, "done_report", None)
                if done is not None:
                    reports.append(done)
                    if on_report:
                        on_report(index, item, done)
                return reports, stop.signum or signal.SIGINT
            reports.append(report)
            try:
                if on_report:
                    on_report(index, item, report)
            except SignalStop as sig:
                return reports, sig.signum
            if guard.received:  # a signal whose exception some library swallowed
                return reports, guard.received
    return reports, 0


def _base(item: BatchItem, layout: Layout) -> dict:
    out = layout.output(item)
    return {"input": str(item.source), "audio": os.path.abspath(item.source), "name": item.name,
            "output": str(out) if out is not None else "", "status": "error", "ok": False,
            "error": "", "error_code": "", "warnings": []}


def process_item(item: BatchItem, layout: Layout, process: ProcessFn, policy: str, user_errors: tuple = (),
                 guard: "InterruptGuard | None" = None) -> dict:
    """One item of :func:`run_items` (also what a Ray task runs): output + report, never raises for the file.

    Raises:
        BatchInterrupted: a signal arrived (only when ``guard`` is entered).
    """
    guard = guard or InterruptGuard()
    report = _base(item, layout)
    report_path = layout.report(item)
    final = layout.output(item)
    t0 = time.perf_counter()
    if item.problem:
        exc = MissingInputError(f"{item.source}: {item.problem}")
        report.update(error=str(exc), error_code=exc.code)
        with guard.hold():
            atomic.write_json(report_path, report)
        return report
    if policy == "skip" and final is not None and final.exists():
        report.update(status="skipped", ok=True, kept_existing=True)
        if not report_path.exists():
            with guard.hold():
                atomic.write_json(report_path, report)
        return report
    tmp = atomic.temp_path(final) if final is not None else None
    if tmp is not None:
        atomic.track(tmp)
    try:
        try:
            fields = process(item, tmp)
        except SignalStop as sig:
            raise _stopped(sig.signum) from None
        with guard.hold():
            if tmp is not None:
                if not tmp.is_file():
                    raise FileNotFoundError(f"{final}: the writer reported success but wrote no file")
                os.replace(tmp, final)
            report.update(fields)
            report.update(status="ok", ok=True, seconds=round(time.perf_counter() - t0, 4))
            atomic.write_json(report_path, report)
        return report
    except BatchInterrupted as stop:
        if report["status"] == "ok":  # the signal came during the commit, which completed
            stop.done_report = report
            raise
        _cancel(report, stop, tmp, final, report_path, guard, t0)
    except Exception as exc:  # noqa: BLE001 -- one bad file never stops the batch
        if guard.received:  # a library turned the signal into its own error: still a cancel
            _cancel(report, _stopped(guard.received), tmp, final, report_path, guard, t0)
        user = isinstance(exc, (SpeechAnimatorError, *user_errors))
        report.update(error=str(exc) if user else f"{type(exc).__name__}: {exc}",
                      error_code=getattr(exc, "code", "") or ("input" if user else "internal"),
                      seconds=round(time.perf_counter() - t0, 4))
        if not user:
            report["traceback"] = traceback.format_exc()
        _cleanup(tmp)
        try:
            with guard.hold():
                atomic.write_json(report_path, report)
        except BatchInterrupted as stop:
            stop.done_report = report
            raise
        return report
    finally:
        _cleanup(tmp)


def _cancel(report: dict, stop: BatchInterrupted, tmp, final, report_path, guard, t0: float):
    """Report the file in progress as cancelled (unless a good output exists) and re-raise ``stop``."""
    report.update(status="cancelled", error=str(stop), error_code=stop.code,
                  seconds=round(time.perf_counter() - t0, 4))
    _cleanup(tmp)
    if final is None or not final.exists():  # never leave a "cancelled" report beside a good output
        with guard.hold():
            atomic.write_json(report_path, report)
    raise stop


def _cleanup(tmp: Path | None) -> None:
    if tmp is None:
        return
    atomic.untrack(tmp)
    for p in (tmp, Path(str(tmp) + "@"), Path(str(tmp) + "1")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def exit_code(reports: list[dict], signum: int) -> int:
    """``128 + signum`` when stopped by a signal, 1 when any report failed, else 0."""
    if signum:
        return 128 + int(signum)
    return 1 if any(not r["ok"] for r in reports) else 0


def print_summary(reports: list[dict], total: int, signum: int, where: str, stream=None) -> None:
    """One closing line: how many written, skipped, failed, and whether a signal stopped the batch."""
    stream = stream or sys.stdout
    ok = sum(r["status"] == "ok" for r in reports)
    skipped = sum(r["status"] == "skipped" for r in reports)
    failed = sum(not r["ok"] for r in reports)
    line = f"{ok} of {total} written to {where}"
    if skipped:
        line += f"; {skipped} skipped (already done)"
    if failed:
        line += f"; {failed} failed"
    if signum:
        line += f"; stopped by {signal.Signals(signum).name}, {total - len(reports)} not started"
    print(line, file=stream)
