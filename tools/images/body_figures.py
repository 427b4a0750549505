"""Figures of docs/body-quality.md: stick-figure strips and character renders, before/after.

Usage (from the repository root; the renders need the venv's ``bpy`` module)::

    .venv/bin/python -m tools.images.body_figures --before out/old_heldout_seed0.npz [--out docs/images]

``--before`` is the previous generator's output on the same held-out audio (an ``.npz`` with
``poses``, ``transl``, ``fps``; see docs/body-quality.md for how it was made). "After" is the
current generator (seed 0) on the held-out half (32-64 s) of the BEAT2 take's audio; the real
row is the take's own motion of that half. Renders: Cycles (CPU, few samples) on RobotExpressive
and the KayKit mannequin, "before" = previous motion retargeted without the proxy push-out,
"after" = current motion with it (:mod:`addon.body_proxies`).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "blender"))

BONES = [(0, 3), (3, 6), (6, 9), (9, 12), (12, 15), (9, 13), (13, 16), (16, 18), (18, 20), (9, 14), (14, 17),
         (17, 19), (19, 21), (0, 1), (1, 4), (4, 7), (7, 10), (0, 2), (2, 5), (5, 8), (8, 11)]
TIMES_S = (2.0, 6.0, 10.0, 14.0, 18.0, 22.0, 26.0, 30.0)


def save_small(fig, path: Path) -> None:
    """Save a figure as a 96-colour palette PNG (docs images stay a few tens of kB)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    buf.seek(0)
    Image.open(buf).convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def stick_strip(rows: dict, path: Path, fps: float = 30.0) -> None:
    """One row per motion: front views (body-heading frame) at :data:`TIMES_S`, wrist trails of +-0.5 s."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tools.eval.body import heading_frame_positions

    fig, axes = plt.subplots(len(rows), len(TIMES_S), figsize=(1.0 * len(TIMES_S), 1.75 * len(rows)), dpi=100)
    for r, (name, poses) in enumerate(rows.items()):
        pos = heading_frame_positions(poses)
        for c, t in enumerate(TIMES_S):
            ax = axes[r, c]
            f = min(int(t * fps), pos.shape[0] - 1)
            for a, b in BONES:
                ax.plot(pos[f, [a, b], 0], pos[f, [a, b], 1], "-", color="0.2", lw=1.2)
            lo, hi = max(0, f - int(0.5 * fps)), min(pos.shape[0], f + int(0.5 * fps))
            for j, col in ((20, "tab:red"), (21, "tab:blue")):
                ax.plot(pos[lo:hi, j, 0], pos[lo:hi, j, 1], "-", color=col, lw=0.8, alpha=0.8)
            ax.set_xlim(-0.55, 0.55)
            ax.set_ylim(-1.0, 0.75)
            ax.set_aspect("equal")
            ax.axis("off")
            if r == len(rows) - 1:
                ax.text(0.0, -1.0, f"{32 + t:.0f} s", fontsize=7, ha="center", va="top")
    fig.tight_layout(pad=0.2, rect=(0.0, 0.0, 1.0, 0.97))
    for r, name in enumerate(rows):
        box = axes[r, 0].get_position()
        fig.text(0.005, box.y1 - 0.01, name, fontsize=7, ha="left", va="top")
    save_small(fig, path)
    plt.close(fig)


def renders(kind: str, before, after, path: Path, frames_s=(4.0, 12.0, 20.0, 28.0), samples: int = 8) -> None:
    """2 x len(frames_s) Cycles renders of one character (top: before, bottom: after)."""
    import bpy
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    from mathutils import Vector
    from tools.bake import load_extension

    load_extension(register=False)
    import rigs_fixtures as rf
    from speech_animator.addon.body_proxies import fit_proxies
    from speech_animator.addon.targets_body import deform_positions, resolve_bone_map, skeleton_of
    from speech_animator.rigs.body_collision import resolve
    from speech_animator.rigs.retarget import plan_retarget, retarget

    arm = rf.load_rig(kind, ROOT.parent / "shared" / "data" / "characters")
    scene = bpy.context.scene
    skel = skeleton_of(arm)
    bmap, _ = resolve_bone_map(arm, None, skel)
    plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
    caps = fit_proxies(arm)
    results = []
    for (poses, transl, fps), push in ((before, False), (after, True)):
        res = retarget(plan, poses, transl, "rest")  # both are our generator's output
        if push:
            res = resolve(skel, bmap, res, caps, plan.scale, fps)[0]
        results.append((res, fps))
    meshes = [o for o in bpy.data.objects if o.type == "MESH"]
    pts = np.array([o.matrix_world @ Vector(c) for o in meshes for c in o.bound_box])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, height = 0.5 * (lo + hi), float(hi[2] - lo[2])
    fwd = plan.frame[:, 2]                                          # character forward (world)
    left = plan.frame[:, 0]
    cam = bpy.data.objects.new("FigCam", bpy.data.cameras.new("FigCam"))
    cam.data.lens = 50
    scene.collection.objects.link(cam)
    eye = Vector(centre + fwd * 1.55 * height + left * 0.55 * height + np.array([0, 0, 0.1 * height]))
    cam.location = eye
    cam.rotation_euler = (Vector(centre) - eye).to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam
    world = bpy.data.worlds.new("FigWorld")
    scene.world = world
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs[0].default_value = (0.75, 0.77, 0.8, 1.0)
    sun = bpy.data.objects.new("FigSun", bpy.data.lights.new("FigSun", "SUN"))
    sun.data.energy = 3.0
    sun.rotation_euler = (math.radians(45), 0, math.radians(30))
    scene.collection.objects.link(sun)
    scene.render.engine = "CYCLES"
    scene.cycles.samples = samples
    scene.render.resolution_x, scene.render.resolution_y = 220, 280
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for row, (res, fps) in enumerate(results):
            for c, t in enumerate(frames_s):
                f = min(int(t * fps), res.quats.shape[0] - 1)
                for k, name in enumerate(res.bone_names):
                    pb = arm.pose.bones[name]
                    pb.rotation_mode = "QUATERNION"
                    pb.rotation_quaternion = [float(v) for v in res.quats[f, k]]
                if res.root_location is not None and res.root_bone:
                    arm.pose.bones[res.root_bone].location = [float(v) for v in res.root_location[f]]
                bpy.context.view_layer.update()
                out = Path(tmp) / f"{row}_{c}.png"
                scene.render.filepath = str(out)
                bpy.ops.render.render(write_still=True)
                images.append(mpimg.imread(str(out)))
    fig, axes = plt.subplots(2, len(frames_s), figsize=(1.6 * len(frames_s), 4.3), dpi=100)
    for i, img in enumerate(images):
        ax = axes[i // len(frames_s), i % len(frames_s)]
        ax.imshow(img)
        ax.axis("off")
        if i >= len(frames_s):
            ax.text(img.shape[1] / 2, img.shape[0], f"{32 + frames_s[i - len(frames_s)]:.0f} s", fontsize=7,
                    ha="center", va="top")
    fig.tight_layout(pad=0.2, rect=(0.0, 0.0, 1.0, 0.95), h_pad=1.2)
    for r, label in enumerate((f"{kind}: before (previous motion, no push-out)", "after (body v2 + collision proxies)")):
        box = axes[r, 0].get_position()
        fig.text(0.005, box.y1 + 0.005, label, fontsize=7, ha="left", va="bottom")
    save_small(fig, path)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--out", default=str(ROOT / "docs" / "images"))
    ap.add_argument("--no-renders", action="store_true")
    args = ap.parse_args(argv)
    from tools.eval.collision import BEAT2, motions

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    z = np.load(args.before)
    before = (z["poses"], z["transl"], float(z["fps"]))
    mot = motions()
    after = mot["ours, held-out audio (32 s)"]
    real = np.load(BEAT2.with_suffix(".npz"))["poses"].reshape(-1, 55, 3)[960:]
    stick_strip({"real BEAT2 motion (held-out half)": real, "before (previous generator)": before[0],
                 "after (body v2)": after[0]}, out / "body_v2_sticks.png")
    if not args.no_renders:
        for kind in ("robot", "kaykit"):
            renders(kind, before, after, out / f"body_v2_{kind}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
