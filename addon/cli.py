"""Headless batch bake: ``blender -b scene.blend -c speech_animator AUDIO... [options]``.

The same function runs through the bpy module: ``python -m tools.bake --blend scene.blend AUDIO...``.
The front end (input discovery, output names mirroring the input folders, option validation, the
``--overwrite`` / ``--skip-existing`` policy, reports, atomic writes, SIGINT/SIGTERM) is
:mod:`inference.batch`, shared with ``python -m inference``. Each audio file is generated, baked and
saved inside its own error handling; a failure is recorded in its JSON report and the batch goes on.

Exit code: 0 when every file baked (or was skipped as done), 1 when any failed, 2 on bad arguments
or refused outputs (nothing was done), 128 + signal number when stopped by a signal.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import bpy

from . import bake, blendpaths, compat, pipeline, playback, preferences
from ..inference.batch import (AUDIO_SUFFIXES, BatchFrontEnd, BatchInterrupted, BatchItem, Layout, UsageError,
                               args as batch_args, atomic)
from ..inference.face.transcript import transcript_message, transcript_status

__all__ = ["AUDIO_SUFFIXES", "COMMAND", "build_parser", "run", "register", "unregister"]

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
    batch_args.add_generate_arguments(ap, fps_default=None)
    ap.add_argument("--model", dest="face_model", default=argparse.SUPPRESS, help="alias of --face-model")
    ap.add_argument("--start-frame", type=int, help="first frame (default: the scene's frame_start)")
    ap.add_argument("--reduce-keys", type=float, metavar="TOLERANCE",
                    help="thin keys, keeping every frame within TOLERANCE value units")
    ap.add_argument("--replace-generated", action="store_true",
                    help="delete previously generated actions on the targets instead of keeping them")
    out = ap.add_mutually_exclusive_group(required=True)
    out.add_argument("--output-dir", help="write one .blend per audio file here (<name>.blend, <name> "
                                          "mirroring the input folders)")
    out.add_argument("--output-blend", help="bake every file into the open scene and save it here "
                                            "(the last file's actions are assigned, earlier ones kept)")
    ap.add_argument("--no-frame-range", dest="frame_range", action="store_false",
                    help="leave the scene's frame range as it is (default: set it to the clip's frames)")
    ap.add_argument("--no-sound-strip", dest="sound_strip", action="store_false",
                    help="add no sound strip (default: the audio file as a sound strip at the start frame, so the "
                         "saved .blend plays with sound)")
    ap.add_argument("--report-dir", help="JSON report per audio file (default: next to the output)")
    batch_args.add_rerun_arguments(ap)
    return ap


def _set_rate(scene, fps: float) -> None:
    whole = max(1, int(round(fps)))
    scene.render.fps = whole
    scene.render.fps_base = whole / fps


def _target_ids(job: pipeline.Job) -> list:
    ids = [bpy.data.objects[n].data.shape_keys for n in job.face_objects if n in bpy.data.objects]
    if job.armature and job.armature in bpy.data.objects:
        ids.append(bpy.data.objects[job.armature])
    return [i for i in ids if i is not None]


def check_targets(args, options) -> None:
    """Validate ``--face`` / ``--armature`` against the open scene before any work.

    Raises:
        UsageError: an unknown or wrong-type object (the message lists the valid ones), or no
            target for any requested part.
    """
    meshes = sorted(o.name for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
    arms = sorted(o.name for o in bpy.data.objects if o.type == 'ARMATURE')
    for name in args.face:
        obj = bpy.data.objects.get(name)
        if obj is None or obj.type != 'MESH':
            raise UsageError(f"--face {name!r}: expected a mesh object with shape keys, one of "
                             f"{', '.join(meshes) or '(none in this file)'}; found "
                             f"{'a ' + obj.type.lower() if obj else 'no such object'}")
    if args.armature:
        obj = bpy.data.objects.get(args.armature)
        if obj is None or obj.type != 'ARMATURE':
            raise UsageError(f"--armature {args.armature!r}: expected an armature object, one of "
                             f"{', '.join(arms) or '(none in this file)'}; found "
                             f"{'a ' + obj.type.lower() if obj else 'no such object'}")
    if not ((options.face and args.face) or (options.body and args.armature)):
        raise UsageError(f"nothing to animate for --what {args.what}: expected --face OBJECT (one of "
                         f"{', '.join(meshes) or 'none'}) or --armature OBJECT (one of {', '.join(arms) or 'none'})")


class BlenderFrontEnd(BatchFrontEnd):
    """The Blender batch: :class:`inference.batch.frontend.BatchFrontEnd` baking each file into the
    open scene and saving one ``.blend`` per file (or one combined file at the end)."""

    user_errors = pipeline.USER_ERRORS

    def __init__(self) -> None:
        self.frame_start = 0
        self.where: Layout | None = None
        self.shown: playback.PlaybackChange | None = None  # --output-blend: the last baked file's range and strip

    def build_parser(self) -> argparse.ArgumentParser:
        return build_parser()

    def parse(self, parser, argv):
        try:
            return parser.parse_args(list(argv))
        except SystemExit as exc:  # Blender keeps running: turn argparse's exit into the return code
            raise _Exit(int(exc.code or 0) if exc.code in (0, None) else 2) from None

    def usage_error(self, parser, exc) -> int:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def inputs(self, args) -> list[str]:
        # '//' inputs are relative to the opened .blend's folder (Blender's convention)
        return [blendpaths.resolve(p) if p.startswith("//") else p for p in args.inputs]

    def options(self, args):
        if args.blend:
            if not os.path.isfile(args.blend):
                raise UsageError(f"--blend {args.blend}: file not found")
            bpy.ops.wm.open_mainfile(filepath=os.path.abspath(args.blend))
        scene = bpy.context.scene
        if not args.emage_checkpoint:  # the add-on preference, as in the sidebar
            args.emage_checkpoint = preferences.emage_checkpoint_preference()
        return batch_args.options_from_args(args, fps=scene.render.fps / scene.render.fps_base)

    def layout(self, args) -> Layout:
        report_dir = Path(args.report_dir or args.output_dir or _output_blend(args).parent)
        return Layout(Path(args.output_dir) if args.output_dir else None, ".blend", report_dir)

    def extra_outputs(self, args) -> list[Path]:
        return [_output_blend(args)] if args.output_blend else []

    def check(self, args, options, items, layout, policy) -> None:
        check_targets(args, options)
        if args.output_blend and policy == "skip":
            raise UsageError("--skip-existing: expected --output-dir (one .blend per file); with --output-blend "
                             "every file is baked into one scene, use --overwrite or a new file name")

    def execute(self, args, options, items, layout, policy):
        scene = bpy.context.scene
        if args.fps is not None:
            _set_rate(scene, options.fps)
        self.frame_start = scene.frame_start if args.start_frame is None else args.start_frame
        self.where = layout
        return super().execute(args, options, items, layout, policy)

    def work(self, args, options, item: BatchItem, tmp: Path | None) -> dict:
        scene = bpy.context.scene
        job = change = None
        try:
            job = pipeline.make_job(str(item.source), self.frame_start, options, face_objects=args.face,
                                    armature=args.armature, key_tolerance=args.reduce_keys,
                                    replace_generated=args.replace_generated)
            perf = pipeline.infer(job)
            outcome = pipeline.apply(job, perf)
            if self.shown is not None:
                self.shown.revert(scene)
            change = self.shown = playback.show_result(scene, self.frame_start, outcome.frames, outcome.fps,
                                                       str(item.source), fit_range=args.frame_range,
                                                       add_strip=args.sound_strip)
            if tmp is not None:
                result = bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True)
                if 'FINISHED' not in result:
                    raise RuntimeError(f"{tmp}: saving the .blend returned {sorted(result)}")
            return dict(frames=outcome.frames, duration_s=outcome.duration_s, fps=outcome.fps,
                        frame_start=self.frame_start, device=outcome.device, timings_s=outcome.timings_s,
                        actions=list(outcome.result.actions), keys=outcome.result.keys,
                        warnings=list(outcome.warnings) + change.warnings, notes=_notes(outcome, job, change),
                        transcript=transcript_status(outcome.face_model, job.options.transcript),
                        frame_range=list(change.new_range) if change.new_range else None,
                        sound_strip=change.strip or None, windowed=perf.provenance.windows > 1,
                        output_blend=str(self.where.output(item) if tmp is not None else _output_blend(args)))
        finally:
            if job is not None and tmp is not None:
                bake.clear(_target_ids(job))  # back to the opened state for the next file
                if change is not None:
                    change.revert(scene)
                    self.shown = None

    def show(self, index, total, item: BatchItem, rep: dict) -> None:
        if rep["status"] == "ok":
            print(f"ok {item.source}: {rep['frames']} frames, {rep['duration_s']:.2f} s, {rep['device']}, "
                  f"actions {', '.join(rep['actions'])}")
        elif rep["status"] == "skipped":
            print(f"skipped {item.source}: {rep['output']} exists")
        else:
            print(f"FAILED {item.source}: {rep['error']}", file=sys.stderr)

    def finish(self, args, reports, items, layout, guard) -> int:
        if args.output_blend and any(r["status"] == "ok" for r in reports):
            return _save_combined(_output_blend(args), reports, items, layout, guard)
        return 0

    def summary(self, args, reports, total, signum, layout) -> None:
        failed = [r for r in reports if not r["ok"]]
        if failed:
            print(f"speech_animator: {len(failed)} input(s) failed:\n  "
                  + "\n  ".join(f"{r['input']}: {r['error']}" for r in failed), file=sys.stderr)
        super().summary(args, reports, total, signum, layout)
        if not failed and not signum:
            print(f"speech_animator: {sum(r['status'] == 'ok' for r in reports)} file(s) baked")


class _Exit(Exception):
    """argparse ended the command (``--help``, bad arguments) with this exit code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _output_blend(args) -> Path:
    return Path(os.path.abspath(args.output_blend))


def run(argv) -> int:
    """Run the batch command; return the process exit code."""
    # --- conversation (issue 18): ``--conversation SCENE`` is its own command (addon/conversation_cli.py)
    argv = list(argv)
    if any(a == "--conversation" or a.startswith("--conversation=") for a in argv):
        from . import conversation_cli

        return conversation_cli.run(argv, COMMAND)
    # --- end conversation
    try:
        return BlenderFrontEnd().main(argv)
    except _Exit as done:
        return done.code


def _notes(outcome: pipeline.Outcome, job: pipeline.Job, change: playback.PlaybackChange) -> list:
    """The report's ``notes``: transcript mode used (:func:`transcript_message`), then the frame
    range and sound strip set for playback."""
    used = transcript_message(outcome.face_model, job.options.transcript)
    return ([used] if used else []) + list(change.messages)


def _save_combined(path: Path, reports: list[dict], items: list[BatchItem], layout, guard) -> int:
    """Save the scene holding every file's bake to ``path`` atomically; on failure mark the reports.

    Returns the signal number that arrived during the save (0 if none).
    """
    try:
        with guard.hold():  # a signal waits for the save and the rename
            with atomic.atomic_path(path) as tmp:
                result = bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True)
                if 'FINISHED' not in result:
                    raise RuntimeError(f"{path}: saving the .blend returned {sorted(result)}")
        return 0
    except BatchInterrupted as stop:  # raised when the hold ended: the file is saved
        return stop.signum
    except Exception as exc:  # noqa: BLE001 -- reported in every file's report
        by_name = {i.name: i for i in items}
        for rep in reports:
            if rep["status"] == "ok":
                rep.update(status="error", ok=False, error=f"{path}: not saved ({exc})",
                           error_code=getattr(exc, "code", "") or "internal")
                atomic.write_json(layout.report(by_name[rep["name"]]), rep)
        return 0


_HANDLE = {"cli": None}


def register() -> None:
    _HANDLE["cli"] = compat.register_cli_command(COMMAND, run)


def unregister() -> None:
    compat.unregister_cli_command(_HANDLE["cli"])
    _HANDLE["cli"] = None
