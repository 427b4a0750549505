"""End-to-end demo: bundled speech -> demo character -> baked actions -> .blend + preview images.

    .venv/bin/python -m tools.demo --out out          # (``make demo``)

Steps, all headless in the bpy module:

1. empty scene (factory settings) at 30 fps; the demo character of :mod:`addon.demo_character`
   (SMPL-X armature + mannequin body + head with the 52 ARKit shape keys);
2. Generate on ``assets/demo_speech.flac`` (face + body, default models) through the extension's own
   pipeline (:func:`addon.pipeline.make_job` -> ``infer`` -> ``apply``: the code behind the sidebar
   button and the batch CLI), plus a sound strip so playback is in sync;
3. ``OUT/demo.blend``; ``OUT/demo_contact_sheet.png`` (Cycles on the CPU, a face close-up and a
   full-body view for 8 frames); ``OUT/demo_curves.png`` (waveform, main ARKit curves read back from
   the baked F-curves, body joint angles); ``OUT/demo_report.json`` (timings, models, device).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

from tools.bake import ROOT, extension_module, load_extension

DEMO_AUDIO = ROOT / "assets" / "demo_speech.flac"
FPS = 30


def build_scene(fps: int = FPS):
    """Reset to an empty scene at ``fps`` and build the demo character, cameras and lights."""
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, 1.0
    character = extension_module("addon.demo_character").build_demo_character()
    return scene, character


def generate_and_bake(scene, character, audio_path: Path, what: str = "both"):
    """Run the extension's Generate pipeline synchronously; return ``(outcome, performance)``."""
    pipeline = extension_module("addon.pipeline")
    options_mod = extension_module("inference.options")
    fps = scene.render.fps / scene.render.fps_base
    if what != "face" and not extension_module("inference.backends").body_backend_names():
        print("demo: note: no body backend is installed yet; generating the face only")
        what = "face"
    options = options_mod.GenerateOptions(fps=fps, face=what in ("face", "both"), body=what in ("body", "both"))
    job = pipeline.make_job(str(audio_path), scene.frame_start, options,
                            face_objects=(character.head.name,), armature=character.armature.name)
    perf = pipeline.infer(job)
    outcome = pipeline.apply(job, perf)
    # the sidebar's After Generate: the clip's frame range and its sound strip (addon/playback.py)
    change = extension_module("addon.playback").show_result(scene, scene.frame_start, perf.num_frames,
                                                            float(perf.fps), str(audio_path))
    for why in change.warnings:  # the bpy 4.2 module has no Audaspace: the demo still bakes, without a sound strip
        logging.getLogger(__name__).warning("demo: %s", why)
    return outcome, perf


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    ap.add_argument("--audio", type=Path, default=DEMO_AUDIO, help="speech file (default: the bundled clip)")
    ap.add_argument("--no-render", action="store_true", help="skip the Cycles contact sheet")
    ap.add_argument("--samples", type=int, default=12, help="Cycles samples per pixel (default 12)")
    args = ap.parse_args(argv)
    t_start = time.perf_counter()
    load_extension(register=True)
    from . import render

    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    scene, character = build_scene()
    timings = {"build_character": time.perf_counter() - t}
    try:
        outcome, perf = generate_and_bake(scene, character, args.audio.resolve())
    except ValueError as exc:  # JobError, AudioError, TargetError, BakeError: all name the problem
        print(f"demo: failed: {exc}", file=sys.stderr)
        return 1
    timings.update({f"generate_{k}": v for k, v in outcome.timings_s.items()})
    import bpy

    blend = args.out.resolve() / "demo.blend"
    for sound in bpy.data.sounds:  # relative to the .blend, so the folder can be moved with the repository
        sound.filepath = "//" + os.path.relpath(bpy.path.abspath(sound.filepath), blend.parent).replace(os.sep, "/")
    t = time.perf_counter()
    bpy.context.preferences.filepaths.save_version = 0  # no demo.blend1 backups on re-runs
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    timings["save_blend"] = time.perf_counter() - t
    print(f"demo: baked {outcome.frames} frames ({outcome.duration_s:.2f} s at {outcome.fps:g} fps) "
          f"into {', '.join(outcome.result.actions)}; saved {blend}")
    for w in outcome.warnings:
        print(f"demo: note: {w}")
    curves = args.out / "demo_curves.png"
    t = time.perf_counter()
    render.plot_curves(curves, scene, character, perf, args.audio)
    timings["plot_curves"] = time.perf_counter() - t
    print(f"demo: wrote {curves}")
    if not args.no_render:
        sheet = args.out / "demo_contact_sheet.png"
        t = time.perf_counter()
        frames = render.pick_frames(perf, scene.frame_start)
        render.contact_sheet(sheet, scene, character, frames, perf, samples=args.samples)
        timings["contact_sheet"] = time.perf_counter() - t
        print(f"demo: wrote {sheet} (frames {', '.join(map(str, frames))})")
    timings["total"] = time.perf_counter() - t_start
    prov = perf.provenance
    report = {"audio": str(args.audio), "blend": str(blend), "frames": outcome.frames, "fps": outcome.fps,
              "duration_s": outcome.duration_s, "actions": list(outcome.result.actions),
              "keys": outcome.result.keys, "face_model": prov.face_model, "body_model": prov.body_model,
              "device": outcome.device, "timings_s": timings, "warnings": list(outcome.warnings)}
    (args.out / "demo_report.json").write_text(json.dumps(report, indent=2))
    print(f"demo: face model {prov.face_model or '-'}, body model {prov.body_model or '-'}, "
          f"device {outcome.device}; total {timings['total']:.1f} s")
    return 0

