"""Figure plumbing shared by the docs' body figures: small palette PNGs and Cycles renders of a
character posed by generated motion (:mod:`tools.images.body_figures`, :mod:`tools.images.word_figures`).

The renders run headless in the venv's ``bpy`` module (Cycles on the CPU: it needs no GPU or display).
"""

from __future__ import annotations

import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def save_small(fig, path: Path) -> None:
    """Save a matplotlib figure as a 96-colour palette PNG (docs images stay a few tens of kB)."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    buf.seek(0)
    Image.open(buf).convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


@dataclass(frozen=True)
class View:
    """Where the camera stands, in units of the character's height ``h`` (its meshes' bounding box).

    The camera aims at the box centre raised by ``lift * h`` and stands ``forward * h`` in front of
    it, ``left * h`` to the character's left and ``up * h`` above, with a ``lens_mm`` lens.
    """

    lens_mm: float
    forward: float
    left: float
    up: float
    lift: float = 0.0


def _frame_at(t_s: float, fps: float) -> int:
    return int(round(t_s * fps))


def render_motions(kind: str, characters: Path, motions, times_s, view: View, resolution: tuple[int, int],
                   samples: int = 8, frame_at=_frame_at) -> list[np.ndarray]:
    """Cycles renders of one test character posed by each motion at each time.

    Args:
        kind: a character of ``tests/blender/rigs_fixtures.py`` (``"robot"``, ``"kaykit"``, ``"demo"``).
        characters: the shared characters folder (``../shared/data/characters``).
        motions: ``[(poses (T, 55, 3) axis-angle radians, transl (T, 3) m, fps, push_out), ...]``: our
            generator's SMPL-X output, retargeted from rest; ``push_out`` resolves it against the
            character's collision proxies (:mod:`addon.body_proxies`).
        times_s: the instants to render (seconds), the same for every motion.
        view: the camera (:class:`View`); resolution: ``(width, height)`` pixels; samples: Cycles samples.
        frame_at: ``(t_s, fps) -> frame index`` (clamped to the motion); default ``round(t_s * fps)``.

    Returns:
        ``len(motions) * len(times_s)`` float RGBA images (``(H, W, 4)`` in [0, 1]), row-major by motion.
    """
    import bpy
    import matplotlib.image as mpimg
    from mathutils import Vector
    from tools.bake import load_extension

    load_extension(register=False)
    sys.path.insert(0, str(ROOT / "tests" / "blender"))
    import rigs_fixtures as rf
    from speech_animator.addon.body_proxies import fit_proxies
    from speech_animator.addon.targets_body import deform_positions, resolve_bone_map, skeleton_of
    from speech_animator.rigs.body_collision import resolve
    from speech_animator.rigs.retarget import plan_retarget, retarget

    arm = rf.load_rig(kind, characters)
    scene = bpy.context.scene
    skel = skeleton_of(arm)
    bmap, _ = resolve_bone_map(arm, None, skel)
    plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
    caps = fit_proxies(arm)
    results = []
    for poses, transl, fps, push in motions:
        res = retarget(plan, poses, transl, "rest")  # our generator's output
        if push:
            res = resolve(skel, bmap, res, caps, plan.scale, fps)[0]
        results.append((res, fps))
    meshes = [o for o in bpy.data.objects if o.type == "MESH"]
    pts = np.array([o.matrix_world @ Vector(c) for o in meshes for c in o.bound_box])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, height = 0.5 * (lo + hi), float(hi[2] - lo[2])
    centre = centre + np.array([0, 0, view.lift * height])
    fwd, left = plan.frame[:, 2], plan.frame[:, 0]                  # character forward / left (world)
    cam = bpy.data.objects.new("FigCam", bpy.data.cameras.new("FigCam"))
    cam.data.lens = view.lens_mm
    scene.collection.objects.link(cam)
    eye = Vector(centre + fwd * view.forward * height + left * view.left * height
                 + np.array([0, 0, view.up * height]))
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
    scene.render.resolution_x, scene.render.resolution_y = resolution
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for row, (res, fps) in enumerate(results):
            for c, t in enumerate(times_s):
                f = min(frame_at(t, fps), res.quats.shape[0] - 1)
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
    return images
