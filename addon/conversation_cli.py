"""Batch conversation bake: ``blender -b scene.blend -c speech_animator --conversation scene.json --output-blend out.blend``.

The scene file (``docs/formats.md``, "Conversation scene") names each character's audio and its
``face_object`` / ``armature`` in the .blend; positions and turns are read from those objects
(``--positions file`` keeps the file's). Every character is baked like a plain Generate (one tagged
action per target), the result saved atomically with a JSON report next to it.

Exit code: 0 baked, 1 failed (nothing saved), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import bpy

from . import conversation_bake, pipeline, playback, preferences
from ..inference.batch import args as batch_args, atomic
from ..inference.errors import SpeechAnimatorError
from ..inference.conversation import load_scene

#: The flag that turns the batch command into a conversation bake.
FLAG = "--conversation"


def build_parser(command: str) -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog=f"blender -b scene.blend -c {command} {FLAG} SCENE",
                                 description="Generate a dialogue scene (two or more characters) and bake "
                                             "every character onto its objects.")
    ap.add_argument(FLAG, dest="conversation", required=True, metavar="SCENE",
                    help="scene description (.json or .toml, docs/formats.md)")
    ap.add_argument("--blend", help="open this .blend first (default: the file Blender has open)")
    batch_args.add_generate_arguments(ap, fps_default=None)
    ap.add_argument("--positions", choices=("objects", "file"), default="objects",
                    help="character positions and turns from their objects (default) or from the scene file")
    ap.add_argument("--start-frame", type=int, help="first frame (default: the scene's frame_start)")
    ap.add_argument("--reduce-keys", type=float, metavar="TOLERANCE",
                    help="thin keys, keeping every frame within TOLERANCE value units")
    ap.add_argument("--replace-generated", action="store_true",
                    help="delete previously generated actions on the targets instead of keeping them")
    ap.add_argument("--output-blend", required=True, help="save the baked scene here")
    ap.add_argument("--no-frame-range", dest="frame_range", action="store_false",
                    help="leave the scene's frame range as it is (default: the conversation's frames)")
    ap.add_argument("--report", help="JSON report (default: <output>.json)")
    return ap


def run(argv, command: str) -> int:
    """Run the conversation bake; return the process exit code."""
    try:
        args = build_parser(command).parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if args.blend:
        if not os.path.isfile(args.blend):
            print(f"error: --blend {args.blend}: file not found", file=sys.stderr)
            return 2
        bpy.ops.wm.open_mainfile(filepath=os.path.abspath(args.blend))
    scene = bpy.context.scene
    try:
        if not args.emage_checkpoint:
            args.emage_checkpoint = preferences.emage_checkpoint_preference()
        options = batch_args.options_from_args(args, fps=scene.render.fps / scene.render.fps_base)
        desc = load_scene(args.conversation)
        if args.positions == "objects":
            desc = conversation_bake.with_object_placement(desc)
    except SpeechAnimatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = scene.frame_start if args.start_frame is None else args.start_frame
    out = Path(os.path.abspath(args.output_blend))
    report_path = Path(args.report) if args.report else out.with_suffix(".json")
    try:
        conv, results = conversation_bake.bake_scene(desc, options, start, key_tolerance=args.reduce_keys,
                                                     replace_generated=args.replace_generated)
        frames = conv.performances[0].num_frames
        if args.frame_range:
            playback.show_result(scene, start, frames, conv.fps, "", fit_range=True, add_strip=False)
        with atomic.atomic_path(out) as tmp:
            result = bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True)
            if 'FINISHED' not in result:
                raise RuntimeError(f"{out}: saving the .blend returned {sorted(result)}")
    except pipeline.USER_ERRORS as exc:
        atomic.write_json(report_path, {"ok": False, "scene": args.conversation, "error": str(exc),
                                        "error_code": getattr(exc, "code", "")})
        print(f"FAILED {args.conversation}: {exc}", file=sys.stderr)
        return 1
    rep = {"ok": True, "scene": args.conversation, "output_blend": str(out), "frames": frames, "fps": conv.fps,
           "frame_start": start, "characters": [
               {"name": r.name, "actions": list(r.outcome.result.actions), "keys": r.outcome.result.keys,
                "warnings": list(r.outcome.warnings), "speaking_frames": int(conv.speaking[i].sum())}
               for i, r in enumerate(results)]}
    atomic.write_json(report_path, rep)
    for c in rep["characters"]:
        print(f"ok {c['name']}: {frames} frames, actions {', '.join(c['actions'])}")
    print(f"speech_animator: conversation of {len(results)} characters baked into {out}")
    return 0
