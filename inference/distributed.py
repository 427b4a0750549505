"""Distributed batch on Ray: ``python -m inference.distributed`` or ``python -m inference --ray ADDRESS``.

    python -m inference.distributed AUDIO_OR_FOLDER... -o OUTDIR [--ray auto|ADDRESS|local]
           [--retries 2] [--cpus-per-task 1] [--gpus-per-task 1] [--num-cpus N]
           [every option of python -m inference: --fps, --what, models, --device, --skip-existing, ...]

The driver validates the options, discovers the inputs and applies the re-run policy exactly as
``python -m inference`` (:mod:`inference.batch`); each file is then one Ray task that generates it and
writes ``<name>.npz`` + ``<name>.json`` (atomically, same report as the single-machine CLI) into the
output folder, which must therefore be on a file system every node sees. Scheduling: ``num_cpus`` per
task, and ``num_gpus`` (``--gpus-per-task``, default 1) when ``--device cuda`` is chosen, so Ray places
GPU tasks only on GPU nodes and sets ``CUDA_VISIBLE_DEVICES``. A task whose worker dies (killed, out of
memory, node lost) is retried ``--retries`` times; a file that fails for its own reasons (bad audio) is
reported, not retried. ``--skip-existing`` resumes an interrupted batch (outputs already written are
kept, the rest is submitted). Progress: one line per finished file and a bar on a terminal.
``--ray local`` (the default) starts a local cluster; ``auto`` joins the one ``ray start`` made on
this machine; ``ray://HOST:10001`` or ``HOST:6379`` a remote one. See docs/batch.md.

Exit code: as ``python -m inference`` (0, 1, 2, 128 + signal).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from .batch import runner
from .batch.errors import BatchInterrupted, UsageError
from .batch.inputs import BatchItem
from .batch.npz import NpzFrontEnd, build_parser as npz_parser
from .errors import EnvironmentProblem

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)
#: Version of Ray this module is tested with (requirements/dev.txt).
RAY_VERSION = "2.60.0"


def add_ray_arguments(ap: argparse.ArgumentParser, *, default: str | None) -> None:
    """Add ``--ray`` and the task-resource options."""
    ap.add_argument("--ray", metavar="ADDRESS", default=default,
                    help="Ray cluster: 'local' (start one here), 'auto' (the one `ray start` made here), "
                         "'ray://HOST:10001' or 'HOST:6379'" + (f" (default {default})" if default else ""))
    ap.add_argument("--retries", type=int, default=2, help="retries of a task whose worker died (default 2)")
    ap.add_argument("--cpus-per-task", type=float, default=1.0, help="CPUs reserved per file (default 1)")
    ap.add_argument("--gpus-per-task", type=float, default=1.0,
                    help="GPUs reserved per file with --device cuda (default 1; 0.25 packs four per GPU)")
    ap.add_argument("--num-cpus", type=int, help="CPUs of a --ray local cluster (default: all)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m inference.distributed``: the CLI's options plus the Ray ones."""
    ap = npz_parser("python -m inference.distributed")
    add_ray_arguments(ap, default="local")
    return ap


def resources(args, options) -> dict:
    """Ray task resources: ``num_cpus``, ``num_gpus`` (> 0 only for ``--device cuda``), ``max_retries``.

    Raises:
        UsageError: negative retries or resources.
    """
    for flag, value in (("--retries", args.retries), ("--cpus-per-task", args.cpus_per_task),
                        ("--gpus-per-task", args.gpus_per_task)):
        if value < 0:
            raise UsageError(f"{flag}: expected a number >= 0, found {value}")
    gpus = float(args.gpus_per_task) if options.device == "cuda" else 0.0
    return {"num_cpus": float(args.cpus_per_task), "num_gpus": gpus, "max_retries": int(args.retries)}


def _task(item: BatchItem, layout: runner.Layout, options, policy: str, fault_marker: str = "") -> dict:
    """Body of one Ray task: generate ``item`` and write its output and report (see the module doc).

    ``fault_marker`` (tests only): when set and the file does not exist yet, create it and kill this
    worker process, so the retry path runs.
    """
    if fault_marker and not os.path.exists(fault_marker):
        Path(fault_marker).write_text(str(os.getpid()))
        os._exit(17)
    front = NpzFrontEnd()
    return runner.process_item(item, layout, lambda it, tmp: front.process(None, options, it, tmp), policy)


def schedule(args, options, items: list[BatchItem], layout: runner.Layout, policy: str, *,
             fault_marker: str = "") -> tuple[list[dict], int]:
    """The Ray scheduler: one task per file (see the module docstring); ``(reports, signal number)``.

    Raises:
        EnvironmentProblem: the ``ray`` package is not installed.
    """
    try:
        import ray
    except ImportError as exc:
        raise EnvironmentProblem(f"--ray: the 'ray' package is not installed ({exc}); expected "
                                 f"`pip install ray=={RAY_VERSION}`") from exc
    res = resources(args, options)
    local = args.ray in (None, "", "local")
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    started = not ray.is_initialized()
    if started:
        kw = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                  runtime_env={"env_vars": env})
        if local:
            ray.init(num_cpus=args.num_cpus, **kw)
        else:
            ray.init(address=args.ray, **kw)
    task = ray.remote(_task).options(num_cpus=res["num_cpus"], num_gpus=res["num_gpus"],
                                     max_retries=res["max_retries"], retry_exceptions=False)
    reports: dict[int, dict] = {}
    pending: dict = {}
    total = len(items)
    bar = sys.stderr.isatty()

    def finished(index: int, item: BatchItem, rep: dict) -> None:
        reports[index] = rep
        state = {"ok": "ok", "skipped": "skipped (done)"}.get(rep["status"], f"FAILED: {rep['error']}")
        stream = sys.stdout if rep["ok"] else sys.stderr
        print(f"[{len(reports)}/{total}] {item.source}: {state}", file=stream, flush=True)
        if bar:
            n = int(30 * len(reports) / max(total, 1))
            print(f"\r[{'#' * n}{'.' * (30 - n)}] {len(reports)}/{total}", end="", file=sys.stderr, flush=True)

    signum = 0
    t0 = time.perf_counter()
    with runner.InterruptGuard() as guard:
        try:
            for index, item in enumerate(items):
                out = layout.output(item)
                if item.problem or (policy == "skip" and out is not None and out.exists()):
                    finished(index, item, runner.process_item(item, layout, None, policy, guard=guard))
                else:
                    pending[task.remote(item, layout, options, policy, fault_marker)] = (index, item)
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                for ref in done:
                    index, item = pending.pop(ref)
                    try:
                        rep = ray.get(ref)
                    except Exception as exc:  # noqa: BLE001 -- the worker died more than --retries times
                        rep = _lost(item, layout, exc, res["max_retries"], guard)
                    finished(index, item, rep)
        except BatchInterrupted as stop:
            signum = stop.signum
            for ref in pending:
                ray.cancel(ref, force=False)
        finally:
            if started:
                ray.shutdown()
    if bar:
        print(file=sys.stderr)
    log.info("Ray batch: %d file(s) in %.1f s", total, time.perf_counter() - t0)
    return [reports[i] for i in sorted(reports)], signum


def _lost(item: BatchItem, layout: runner.Layout, exc: Exception, retries: int, guard) -> dict:
    """Report of a file whose task never returned (its worker died on every try)."""
    from .batch import atomic

    out = layout.output(item)
    rep = {"input": str(item.source), "audio": os.path.abspath(item.source), "name": item.name,
           "output": str(out) if out is not None else "", "status": "error", "ok": False,
           "error": f"the Ray worker died {retries + 1} time(s) ({type(exc).__name__}: {str(exc)[:500]})",
           "error_code": "worker_lost", "warnings": []}
    with guard.hold():
        atomic.write_json(layout.report(item), rep)
    return rep


class RayFrontEnd(NpzFrontEnd):
    """``python -m inference.distributed``: :class:`NpzFrontEnd` scheduled on Ray."""

    def build_parser(self) -> argparse.ArgumentParser:
        return build_parser()

    def check(self, args, options, items, layout, policy) -> None:
        resources(args, options)

    def execute(self, args, options, items, layout, policy):
        return schedule(args, options, items, layout, policy)

    def summary(self, args, reports, total, signum, layout) -> None:
        runner.print_summary(reports, total, signum, f"{layout.output_dir} (Ray)")


def main(argv: list[str] | None = None) -> int:
    """``python -m inference.distributed``; returns the exit code."""
    return RayFrontEnd().main(argv)


if __name__ == "__main__":
    sys.exit(main())
