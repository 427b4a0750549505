"""Long audio through ``python -m inference`` or the sidebar's worker: wall time and peak memory.

    .venv/bin/python -m benchmarks.bench_long [--durations 60 600 3600] [--what both] [--worker] [--root DIR]

The speech is built at run time (``benchmarks/speech.py``: the real English clips of
``../shared/data/speech/en`` concatenated and looped, else the bundled demo clip) and written to a
temporary 16-bit WAV; nothing big is committed. Each duration runs ``python -m inference`` in a fresh
child process; peak memory is that child's max RSS (``os.wait4``), time is its wall clock, and the
per-stage times come from its JSON report. Prints one line per duration and the ratios to the first
(linear time means the time ratio equals the duration ratio).

``--worker``: instead, what the sidebar's Generate runs outside Blender's process: a child Python
serving the worker protocol (``addon/worker/child.py``, protocol v1) gets one ``generate`` job
(``job.json``: the audio and default :class:`GenerateOptions` at 30 fps, face + body) and writes
``result.npz``; peak memory is that child's max RSS, time its wall clock from start to exit.
``--blender``: instead, the whole Generate in the bpy module on the demo character, as the headless
CLI runs it (``pipeline.make_job`` -> ``infer`` -> ``apply``, dense keys, face + body): a fresh
child Python per duration; wall clock of each stage, the child's RSS after each stage and its max
RSS (``os.wait4``; the bpy process alone), and the keys written. ``--blender --worker``: the
sidebar's split, inference in the worker process (``pipeline.process_worker``), the bake in bpy.
Each duration is printed beside the yardstick (:mod:`benchmarks.yardstick`) run just before it.
``--root`` runs another checkout (e.g. an older commit, for before / after) in every mode.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .speech import write_speech

ROOT = Path(__file__).resolve().parents[1]


def run_one(duration_s: float, what: str, extra: list[str], root: Path = ROOT) -> dict:
    """Generate ``duration_s`` seconds of speech in a child ``python -m inference``; return the numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "inference", str(wav), "-o", str(out), "--what", what,
                                 *extra], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"python -m inference failed on {duration_s:g} s:\n{err[-3000:]}")
        report = json.loads((out / f"{wav.stem}.json").read_text())
        report.setdefault("timings_s", {})
    rss_mib = usage.ru_maxrss / 1024.0 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return {"duration_s": duration_s, "wall_s": wall, "max_rss_mib": rss_mib, "timings_s": report["timings_s"],
            "face_model": report["face_model"], "body_model": report["body_model"], "speech": desc}


#: The child: the checkout as package ``speech_animator`` (as Blender has it), then the worker loop.
#: ``addon.worker.child`` since issue 19, ``addon.jobchild`` in older checkouts.
_CHILD = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
from tools.bake import load_extension
load_extension(register=False)
try:
    child = importlib.import_module("speech_animator.addon.worker.child")
except ImportError:  # a checkout from before issue 19
    child = importlib.import_module("speech_animator.addon.jobchild")
sys.exit(child.serve())
"""


def run_worker(duration_s: float, what: str, extra: list[str], root: Path = ROOT) -> dict:
    """One Generate job of ``duration_s`` seconds of speech in a fresh sidebar worker child (see the
    module docstring; ``what`` and ``extra`` are not used: the sidebar's default options)."""
    from inference.options import GenerateOptions

    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        job_dir = Path(tmp) / "job"
        job_dir.mkdir()
        (job_dir / "job.json").write_text(json.dumps({"audio_path": str(wav),
                                                      "options": GenerateOptions(fps=30.0).to_mapping()}))
        requests = [{"op": "generate", "id": "bench", "job_dir": str(job_dir)}, {"op": "shutdown"}]
        t0 = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w+b") as err_file:
            proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(root)], cwd=root, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err_file)
            proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests).encode())
            proc.stdin.close()
            out = proc.stdout.read()
            proc.stdout.close()
            _, _, usage = os.wait4(proc.pid, 0)  # before Popen reaps it: the child's own max RSS
            wall = time.perf_counter() - t0
            err_file.seek(0)
            err = err_file.read()
        events = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        done = [e for e in events if e.get("event") in ("done", "error", "cancelled")]
        if not done or done[-1]["event"] != "done":
            raise RuntimeError(f"worker failed on {duration_s:g} s: {done[-1:]}\n{err.decode()[-3000:]}")
        import numpy as np

        with np.load(job_dir / "result.npz") as z:
            prov = json.loads(str(z["provenance"]))
            frames = int(z["arkit"].shape[0])
    return {"duration_s": duration_s, "wall_s": wall, "max_rss_mib": usage.ru_maxrss / 1024.0, "frames": frames,
            "timings_s": prov.get("timings_s", {}), "windows": prov.get("windows", 1), "speech": desc,
            "face_model": prov.get("face_model", ""), "body_model": prov.get("body_model", "")}


#: The child of ``--blender``: the checkout's extension in the bpy module, the demo character, one
#: Generate (stage times and RSS after each stage, as JSON on the last line of stdout).
_BLENDER_CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from tools.bake import load_extension, extension_module
load_extension(register=True)
import bpy
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = 30, 1.0
ch = extension_module("addon.demo_character").build_demo_character()
pipeline = extension_module("addon.pipeline")
opts = extension_module("inference.options").GenerateOptions(fps=30.0)
out = {"rss_start_mib": rss()}
t0 = time.perf_counter()
tol = float(sys.argv[4]) if sys.argv[4] != "dense" else None
out["rss_scene_mib"] = rss()
job = pipeline.make_job(sys.argv[2], 1, opts, face_objects=(ch.head.name,), armature=ch.armature.name,
                        replace_generated=True, key_tolerance=tol)
if sys.argv[3] == "worker":  # the sidebar's split: inference in the worker process, bake here
    w = pipeline.process_worker(job)
    w.start()
    perf = None
    while perf is None:
        for kind, payload, text in w.poll():
            if kind == "done":
                perf = payload
            elif kind != "progress":
                raise SystemExit(f"worker: {kind}: {text}")
        time.sleep(0.05)
else:
    perf = pipeline.infer(job)
t1 = time.perf_counter()
out.update(generate_s=t1 - t0, rss_generate_mib=rss(), frames=int(perf.num_frames))
outcome = pipeline.apply(job, perf)
t2 = time.perf_counter()
out.update(apply_s=t2 - t1, rss_apply_mib=rss(), keys=int(outcome.result.keys),
           stages_s={k: float(v) for k, v in outcome.timings_s.items()},
           windows=int(getattr(perf.provenance, "windows", 1) or 1),
           face_model=perf.provenance.face_model, body_model=perf.provenance.body_model)
print(json.dumps(out), flush=True)
"""


def run_blender(duration_s: float, what: str, extra: list[str], root: Path = ROOT, worker: bool = False,
                tol: float | None = None) -> dict:
    """One Generate + bake of ``duration_s`` seconds of speech on the demo character in a fresh bpy
    child (see the module docstring; ``what`` and ``extra`` are not used: face + body); ``worker``:
    inference in the sidebar's worker process (its own RSS not counted), else in the bpy process;
    ``tol``: key-reduction tolerance (``--reduce-keys``), ``None`` keys every frame."""
    from .speech import speech
    from .yardstick import rhubarb_phonetic_s

    yard_s = rhubarb_phonetic_s(speech(duration_s)[0].samples, duration_s, repeats=3)["seconds"]
    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        t0 = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w+b") as err_file:
            proc = subprocess.Popen([sys.executable, "-c", _BLENDER_CHILD, str(root), str(wav),
                                     "worker" if worker else "inline", "dense" if tol is None else repr(tol)], cwd=root,
                                    stdout=subprocess.PIPE, stderr=err_file)
            out = proc.stdout.read()
            proc.stdout.close()
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")
        lines = [line for line in out.decode(errors="replace").splitlines() if line.startswith("{")]
        if os.waitstatus_to_exitcode(status) != 0 or not lines:
            raise RuntimeError(f"in-process Generate failed on {duration_s:g} s:\n{err[-3000:]}")
        r = json.loads(lines[-1])
    timings = dict(r.pop("stages_s"))
    timings.update(generate=r["generate_s"], apply=r["apply_s"])
    return dict(r, duration_s=duration_s, wall_s=wall, max_rss_mib=usage.ru_maxrss / 1024.0, timings_s=timings,
                speech=desc, yardstick_s=yard_s, load=os.getloadavg())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--durations", type=float, nargs="+", default=[60.0, 600.0, 3600.0])
    ap.add_argument("--what", default="both", choices=("both", "face", "body"))
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="checkout whose `python -m inference` runs (e.g. an older commit, for before/after)")
    ap.add_argument("--worker", action="store_true", help="the sidebar's worker process instead of python -m inference")
    ap.add_argument("--blender", action="store_true",
                    help="the in-process Generate + bake in the bpy module on the demo character")
    ap.add_argument("--reduce-keys", type=float, metavar="TOL", help="--blender: reduce keys to this tolerance")
    ap.add_argument("extra", nargs="*", help="more options for python -m inference (after --)")
    args = ap.parse_args(argv)
    results = []
    for d in args.durations:
        if args.blender:
            r = run_blender(d, args.what, args.extra, args.root, worker=args.worker, tol=args.reduce_keys)
        else:
            r = (run_worker if args.worker else run_one)(d, args.what, args.extra, args.root)
        results.append(r)
        t = r["timings_s"]
        base = results[0]
        print(f"{d:7.0f} s: wall {r['wall_s']:7.2f} s  max RSS {r['max_rss_mib']:7.0f} MiB  windows {r.get('windows', '-')}  "
              f"(load_audio {t.get('load_audio', t.get('decode', 0)):.2f} s, write {t.get('write', 0):.2f} s, face {t.get('face', 0):.2f} s, body {t.get('body', 0):.2f} s; "
              f"{r['face_model']} + {r['body_model']})  time ratio {r['wall_s'] / base['wall_s']:.1f} "
              f"for duration ratio {d / base['duration_s']:.0f}", flush=True)
        if args.blender:
            print(f"         scene + extension RSS {r['rss_scene_mib']:.0f} MiB, "
                  f"generate {t['generate']:.2f} s (RSS {r['rss_generate_mib']:.0f} MiB), apply "
                  f"{t['apply']:.2f} s (targets {t.get('targets', 0):.2f} s), {r['keys']} keys; yardstick "
                  f"{r['yardstick_s']:.2f} s (Generate + bake / yardstick {(t['generate'] + t['apply']) / r['yardstick_s']:.2f}, "
                  f"bake / yardstick {t['apply'] / r['yardstick_s']:.2f}); load {r['load'][0]:.1f}", flush=True)
    print(f"speech: {results[0]['speech']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
