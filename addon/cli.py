"""Headless batch bake: ``blender -b scene.blend -c speech_animator AUDIO... [options]``.

The same function runs through the bpy module: ``python -m tools.bake --blend scene.blend AUDIO...``.
Each audio file is generated and baked on its own; a failure is recorded in its JSON report and
the batch goes on. Exit code: 0 when every file baked, 1 when any failed, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import bpy

from . import bake, compat, pipeline
from ..inference.options import BODY_PARTS, GenerateOptions

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
COMMAND = "speech_animator"


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog=f"blender -b scene.blend -c {COMMAND}",
        description="Generate speech animation for one or many audio files and bake it onto the "
                    "named face mesh(es) and/or armature.")
    ap.add_argument("inputs", nargs="+", help="audio files (wav/flac/ogg/mp3) or folders (searched recursively)")
    ap.add_argument("--blend", help="open this .blend first (default: the file Blender has open)")
    ap.add_argument("--face", action="append", default=[], metavar="OBJECT",
                    help="face mesh object with shape keys (repeatable: head, teeth, tongue, ...)")
    ap.add_argument("--armature", default="", metavar="OBJECT", help="body armature object")
    ap.add_argument("--what", choices=("face", "body", "both"), default="both")
    ap.add_argument("--face-model", default="default", help="face backend: default, lipsync, fast")
    ap.add_argument("--body-model", default="default", help="body backend: default, procedural")
    ap.add_argument("--model", dest="face_model", help="alias of --face-model")
    ap.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    ap.add_argument("--fps", type=float, help="set the scene rate first (e.g. 24, 25, 29.97, 30)")
    ap.add_argument("--start-frame", type=int, help="first frame (default: the scene's frame_start)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--intensity", type=float, default=1.0)
    ap.add_argument("--transcript", default="", help="the words spoken (forced-alignment mouth timing)")
    ap.add_argument("--smoothing", type=float, default=0.0)
    ap.add_argument("--no-procedural-face", action="store_true", help="no blinks, gaze and brow motion")
    ap.add_argument("--parts", default=",".join(BODY_PARTS), help=f"body parts, comma-separated ({', '.join(BODY_PARTS)})")
    ap.add_argument("--reduce-keys", type=float, metavar="TOLERANCE",
                    help="thin keys, keeping every frame within TOLERANCE value units")
    ap.add_argument("--replace-generated", action="store_true",
                    help="delete previously generated actions on the targets instead of keeping them")
    out = ap.add_mutually_exclusive_group(required=True)
    out.add_argument("--output-dir", help="write one .blend per audio file here (<audio stem>.blend)")
    out.add_argument("--output-blend", help="bake every file into the open scene and save it here "
                                            "(the last file's actions are assigned, earlier ones kept)")
    ap.add_argument("--report-dir", help="JSON report per audio file (default: next to the output)")
    return ap


def find_audio(inputs) -> tuple[list[str], list[str]]:
    """Expand files and folders into audio paths; return ``(files, problems)``."""
    files, problems = [], []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            found = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES)
            if not found:
                problems.append(f"{item}: folder contains no {'/'.join(AUDIO_SUFFIXES)} files")
            files += found
        elif p.is_file():
            files.append(str(p))
        else:
            problems.append(f"{item}: no such file or folder")
    return files, problems


def _set_rate(scene, fps: float) -> None:
    whole = max(1, int(round(fps)))
    scene.render.fps = whole
    scene.render.fps_base = whole / fps


def _target_ids(job: pipeline.Job) -> list:
    ids = [bpy.data.objects[n].data.shape_keys for n in job.face_objects]
    if job.armature:
        ids.append(bpy.data.objects[job.armature])
    return [i for i in ids if i is not None]


def _write_report(report_dir: str, audio: str, report: dict) -> None:
    if not report_dir:
        return
    os.makedirs(report_dir, exist_ok=True)
    path = os.path.join(report_dir, Path(audio).stem + ".json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)


def run(argv) -> int:
    """Run the batch command; return the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if args.blend:
        if not os.path.isfile(args.blend):
            print(f"error: --blend {args.blend}: file not found", file=sys.stderr)
            return 2
        bpy.ops.wm.open_mainfile(filepath=os.path.abspath(args.blend))
    scene = bpy.context.scene
    if args.fps:
        _set_rate(scene, args.fps)
    files, problems = find_audio(args.inputs)
    for msg in problems:
        print(f"error: {msg}", file=sys.stderr)
    report_dir = args.report_dir or args.output_dir or os.path.dirname(os.path.abspath(args.output_blend))
    try:
        options = GenerateOptions(
            fps=scene.render.fps / scene.render.fps_base, face=args.what in ("face", "both"),
            body=args.what in ("body", "both"), face_model=args.face_model, body_model=args.body_model,
            device=args.device, intensity=args.intensity, smoothing=args.smoothing, seed=args.seed,
            procedural_face=not args.no_procedural_face, transcript=args.transcript,
            body_parts=tuple(p for p in args.parts.split(",") if p))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = scene.frame_start if args.start_frame is None else args.start_frame
    failed = list(problems)
    for audio in files:
        report = {"audio": os.path.abspath(audio), "status": "error", "error": "", "warnings": []}
        try:
            job = pipeline.make_job(audio, start, options, face_objects=args.face, armature=args.armature,
                                    key_tolerance=args.reduce_keys, replace_generated=args.replace_generated)
            perf = pipeline.infer(job)
            outcome = pipeline.apply(job, perf)
        except pipeline.USER_ERRORS as exc:
            report["error"] = str(exc)
            failed.append(f"{audio}: {exc}")
            print(f"FAILED {audio}: {exc}", file=sys.stderr)
            _write_report(report_dir, audio, report)
            continue
        report.update(status="ok", frames=outcome.frames, duration_s=outcome.duration_s, fps=outcome.fps,
                      frame_start=start, device=outcome.device, timings_s=outcome.timings_s,
                      actions=list(outcome.result.actions), keys=outcome.result.keys,
                      warnings=list(outcome.warnings))
        if args.output_dir:
            os.makedirs(args.output_dir, exist_ok=True)
            out = os.path.abspath(os.path.join(args.output_dir, Path(audio).stem + ".blend"))
            bpy.ops.wm.save_as_mainfile(filepath=out, copy=True)
            report["output_blend"] = out
            bake.clear(_target_ids(job))  # back to the opened state for the next file
        else:
            report["output_blend"] = os.path.abspath(args.output_blend)
        _write_report(report_dir, audio, report)
        print(f"ok {audio}: {outcome.frames} frames, {outcome.duration_s:.2f} s, {outcome.device}, "
              f"actions {', '.join(outcome.result.actions)}")
    if args.output_blend:
        os.makedirs(os.path.dirname(os.path.abspath(args.output_blend)), exist_ok=True)
        bpy.ops.wm.save_as_mainfile(filepath=os.path.abspath(args.output_blend), copy=True)
    if failed:
        print(f"speech_animator: {len(failed)} input(s) failed:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    print(f"speech_animator: {len(files)} file(s) baked")
    return 0


_HANDLE = {"cli": None}


def register() -> None:
    _HANDLE["cli"] = compat.register_cli_command(COMMAND, run)


def unregister() -> None:
    compat.unregister_cli_command(_HANDLE["cli"])
    _HANDLE["cli"] = None
