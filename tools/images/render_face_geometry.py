"""Renders of Apple's ARKit reference head on a bilabial and an open vowel of real speech.

Two steps (the second needs the bpy module; both run with the project's venv python):

1. ``pick``: for one shared clip, the ARKit weights each method gives at the middle frame of a
   bilabial (/m b p/, the longest one) and of the longest open vowel (/aa ae ah ao aw ay/), plus the
   inner-lip gap in mm there; written as JSON. ``--code`` selects another checkout's inference/
   (before/after)::

       .venv/bin/python -m tools.images.render_face_geometry pick --clip jfk_inaugural_1961 \\
           --methods lipsync,fast --out /tmp/after.json [--code /tmp/face_before --tag before]

2. ``render``: imports the reference head .glb in bpy, sets its shape keys to each pose and renders
   the mouth with Workbench (no GPU) into one small PNG grid (rows = method/version, columns =
   bilabial, vowel)::

       .venv/bin/python -m tools.images.render_face_geometry render /tmp/before.json /tmp/after.json \\
           --out docs/images/face-reference-head.png
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

VOWELS = ("aa", "ae", "ah", "ao", "aw", "ay")
BILABIALS = ("m", "b", "p")


def pick(clip_stem: str, methods: list[str], fps: float = 30.0, tag: str = "") -> dict:
    """``{"<tag> <method>": {"bilabial": [...52], "vowel": [...52], "gap_mm": {...}}, "phones": ...}``."""
    from inference.audio import load_audio
    from tools.eval.face_geometry import cached, clips, run_method
    from tools.eval.reference_head import lip_gauge

    clip = next(c for c in clips("all") if c["stem"] == clip_stem)
    audio = load_audio(clip["path"])
    frames = int(np.floor(audio.samples.shape[0] / 16000 * fps)) + 1
    (s, e, lab), _ = cached("align", clip["stem"], None)
    lab = [str(x).lower() for x in lab]

    def longest(kind):
        i = max((k for k in range(len(lab)) if lab[k] in kind), key=lambda k: e[k] - s[k])
        return int(round((s[i] + e[i]) / 2 * fps)), f"/{lab[i]}/ at {s[i]:.2f}-{e[i]:.2f} s"

    (fb, nb), (fv, nv) = longest(BILABIALS), longest(VOWELS)
    gauge = lip_gauge()
    out = {"phones": {"bilabial": nb, "vowel": nv}, "clip": clip_stem, "poses": {}}
    for m in methods:
        a, _ = run_method(m, audio, clip, fps, frames)
        if a is None:
            continue
        gap = gauge.gap_mm(a[[fb, fv]])
        out["poses"][f"{tag} {m}".strip()] = {"bilabial": a[fb].tolist(), "vowel": a[fv].tolist(),
                                              "gap_mm": {"bilabial": float(gap[0]), "vowel": float(gap[1])}}
    return out


def render(poses: dict, out_png: Path, size: int = 200, title: str = "", ortho_scale: float = 0.075,
           target=(0.0, -0.05, -0.045), offset=(0.12, -0.25, -0.02)) -> None:
    """Render every pose (rows) x {bilabial, vowel} (columns) with bpy Workbench into one PNG.

    ``ortho_scale`` (m), ``target`` and ``offset`` (Blender axes, m) frame the camera; the defaults
    show the mouth (tools/images/render_emotion.py frames the whole face)."""
    import bpy
    from PIL import Image, ImageDraw

    from rigs.arkit import ARKIT_NAMES
    from tools.eval.reference_head import REFERENCE_HEAD_GLB

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.import_scene.gltf(filepath=str(REFERENCE_HEAD_GLB))
    head = next(o for o in bpy.context.scene.objects if o.type == "MESH")
    keys = head.data.shape_keys.key_blocks
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "SINGLE"
    scene.display.shading.single_color = (0.8, 0.62, 0.55)
    scene.render.resolution_x = scene.render.resolution_y = size
    scene.render.film_transparent = False
    cam_data = bpy.data.cameras.new("cam")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = ortho_scale
    cam = bpy.data.objects.new("cam", cam_data)
    scene.collection.objects.link(cam)
    scene.camera = cam
    # glTF +Y up / +Z forward becomes Blender +Z up / -Y forward: look at the mouth from the front,
    # slightly from the side and below so the lips' overlap is visible.
    import mathutils

    target = mathutils.Vector(target)
    cam.location = target + mathutils.Vector(offset)
    cam.rotation_euler = (target - cam.location).to_track_quat("-Z", "Y").to_euler()
    tiles, labels = [], []
    tmp = Path(tempfile.mkdtemp())
    for r, (name, pose) in enumerate(poses.items()):
        row = []
        for col in ("bilabial", "vowel"):
            w = pose[col]
            for kb in keys[1:]:
                kb.value = float(w[ARKIT_NAMES.index(kb.name)]) if kb.name in ARKIT_NAMES else 0.0
                kb.slider_min = 0.0
            path = tmp / f"{r}_{col}.png"
            scene.render.filepath = str(path)
            bpy.ops.render.render(write_still=True)
            row.append(Image.open(path).convert("RGB"))
        tiles.append(row)
        labels.append(f"{name}: lip gap {pose['gap_mm']['bilabial']:+.1f} mm | {pose['gap_mm']['vowel']:+.1f} mm")
    band = 18
    top = band if title else 0
    grid = Image.new("RGB", (2 * size, top + len(tiles) * (size + band)), "white")
    draw = ImageDraw.Draw(grid)
    if title:
        draw.text((4, 3), title, fill="black")
    for r, row in enumerate(tiles):
        y = top + r * (size + band)
        draw.text((4, y + 3), labels[r], fill="black")
        for c, im in enumerate(row):
            grid.paste(im, (c * size, y + band))
    out_png.parent.mkdir(parents=True, exist_ok=True)
    grid.quantize(colors=48).save(out_png, optimize=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick")
    p.add_argument("--clip", default="jfk_inaugural_1961")
    p.add_argument("--methods", default="lipsync,fast")
    p.add_argument("--code", default="")
    p.add_argument("--tag", default="")
    p.add_argument("--out", required=True)
    r = sub.add_parser("render")
    r.add_argument("inputs", nargs="+")
    r.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "pick":
        if args.code:
            sys.path.insert(0, str(Path(args.code).resolve()))
        res = pick(args.clip, args.methods.split(","), tag=args.tag)
        Path(args.out).write_text(json.dumps(res))
        print(json.dumps({k: v["gap_mm"] for k, v in res["poses"].items()}), res["phones"])
        return 0
    poses, title = {}, ""
    for path in args.inputs:
        d = json.loads(Path(path).read_text())
        poses.update(d["poses"])
        title = f"{d['clip']}: left {d['phones']['bilabial']}, right {d['phones']['vowel']}"
    render(poses, Path(args.out), title=title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
