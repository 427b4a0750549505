"""Preview images of the demo: a Cycles (CPU) contact sheet and a curve plot (matplotlib).

Cycles is used because it renders headless in the bpy module without a GPU or display
(EEVEE and Workbench need an OpenGL/Vulkan context). Low resolution and 12 samples keep one
frame pair around a second or two on two cores.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from tools.bake import extension_module

FACE_RES = (240, 240)
BODY_RES = (300, 340)
SHEET_FRAMES = 8
#: Face curves drawn in the curve plot (ARKit names).
PLOT_FACE = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "eyeBlinkLeft")
#: Body joints whose rotation angle is drawn (SMPL-X names).
PLOT_JOINTS = ("head", "spine3", "right_shoulder", "left_elbow", "right_wrist")


def _look_at(obj, eye, target) -> None:
    from mathutils import Vector

    obj.location = Vector(eye)
    obj.rotation_euler = (Vector(target) - Vector(eye)).to_track_quat("-Z", "Y").to_euler()


def setup_stage(scene, character):
    """World light, a key and a fill sun, and two cameras (face close-up, full body); returns them."""
    import bpy

    bpy.context.view_layer.update()
    world = bpy.data.worlds.new("SpeechAnimDemo_World")
    scene.world = world
    world.use_nodes = True
    bg = world.node_tree.nodes["Background"]
    bg.inputs[0].default_value = (0.42, 0.45, 0.50, 1.0)
    bg.inputs[1].default_value = 0.7
    for name, energy, rot in (("Key", 3.2, (50, 0, 25)), ("Fill", 1.0, (70, 0, -60)), ("Rim", 1.5, (60, 0, 170))):
        light = bpy.data.objects.new(f"SpeechAnimDemo_{name}", bpy.data.lights.new(name, "SUN"))
        light.data.energy = energy
        light.data.angle = math.radians(8)
        light.rotation_euler = tuple(math.radians(a) for a in rot)
        scene.collection.objects.link(light)
    arm = character.armature.matrix_world
    head = arm @ _vec(character.head_origin)
    face_cam = _camera(scene, "SpeechAnimDemo_FaceCam", lens=85)
    _look_at(face_cam, (head.x + 0.24, head.y - 0.66, head.z + 0.03), (head.x, head.y - 0.05, head.z - 0.01))
    _follow_bone(face_cam, character.armature, "head")  # the close-up stays on the face as the head moves
    body_cam = _camera(scene, "SpeechAnimDemo_BodyCam", lens=52)
    _look_at(body_cam, (1.1, -2.75, 1.2), (0.0, 0.0, 0.9))
    scene.camera = body_cam
    return face_cam, body_cam


def _follow_bone(obj, armature, bone_name: str) -> None:
    """Parent ``obj`` to a bone keeping its current world placement (bone parents sit at the tail)."""
    from mathutils import Matrix

    bone = armature.data.bones[bone_name]
    world = Matrix.LocRotScale(obj.location, obj.rotation_euler, obj.scale)
    obj.parent = armature
    obj.parent_type = "BONE"
    obj.parent_bone = bone_name
    at_tail = armature.matrix_world @ bone.matrix_local @ Matrix.Translation((0.0, bone.length, 0.0))
    obj.matrix_parent_inverse = at_tail.inverted()
    obj.matrix_basis = world


def _vec(p):
    from mathutils import Vector

    return Vector(p)


def _camera(scene, name, lens):
    import bpy

    cam = bpy.data.objects.new(name, bpy.data.cameras.new(name))
    cam.data.lens = lens
    cam.data.clip_start = 0.01
    scene.collection.objects.link(cam)
    return cam


def _render(scene, camera, res, path: Path, samples: int) -> np.ndarray:
    import bpy
    import matplotlib.image as mpimg

    scene.camera = camera
    scene.render.resolution_x, scene.render.resolution_y = res
    scene.render.resolution_percentage = 100
    scene.render.filepath = str(path)
    scene.cycles.samples = samples
    bpy.ops.render.render(write_still=True)
    return mpimg.imread(str(path))


def pick_frames(perf, frame_start: int, count: int = SHEET_FRAMES) -> list[int]:
    """Frames to show: one in the leading silence, then the most open / most rounded mouth
    (alternating) in equal windows over the speech."""
    names = perf.arkit_names
    jaw = perf.arkit[:, names.index("jawOpen")]
    rnd = perf.arkit[:, names.index("mouthFunnel")] + perf.arkit[:, names.index("mouthPucker")]
    active = np.flatnonzero(jaw > 0.05)
    first, last = (int(active[0]), int(active[-1])) if active.size else (0, perf.num_frames - 1)
    frames = [min(int(round(0.25 * perf.fps)), first)]
    edges = np.linspace(first, last + 1, count)
    for i in range(count - 1):
        lo, hi = int(edges[i]), max(int(edges[i + 1]), int(edges[i]) + 1)
        score = (jaw if i % 2 == 0 else rnd + 0.3 * jaw)[lo:hi]
        frames.append(lo + int(np.argmax(score)))
    return [frame_start + f for f in frames]


def contact_sheet(path: Path, scene, character, frames, perf, samples: int = 12) -> None:
    """Render face + body for each frame with Cycles (CPU) and tile them into one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 4
    scene.render.use_persistent_data = True
    scene.render.film_transparent = False
    face_cam, body_cam = setup_stage(scene, character)
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in frames:
            scene.frame_set(f)
            face = _render(scene, face_cam, FACE_RES, Path(tmp) / f"face_{f}.png", samples)
            body = _render(scene, body_cam, BODY_RES, Path(tmp) / f"body_{f}.png", samples)
            tiles.append((f, face, body))
    cols = (len(tiles) + 1) // 2
    fig = plt.figure(figsize=(3.0 * cols, 2 * (3.0 + 3.4) + 0.6), dpi=100)
    grid = fig.add_gridspec(4, cols, height_ratios=(3.0, 3.4, 3.0, 3.4), hspace=0.16, wspace=0.03, top=0.95)
    names = perf.arkit_names
    for i, (f, face, body) in enumerate(tiles):
        r, c = 2 * (i // cols), i % cols
        t = f - scene.frame_start
        ax = fig.add_subplot(grid[r, c])
        ax.imshow(face)
        top = np.argsort(perf.arkit[t])[::-1][:2]
        label = ", ".join(f"{names[k]} {perf.arkit[t, k]:.2f}" for k in top if perf.arkit[t, k] > 0.05)
        ax.set_title(f"frame {f}  t={t / perf.fps:.2f} s\n{label or 'rest'}", fontsize=7)
        ax.axis("off")
        ax = fig.add_subplot(grid[r + 1, c])
        ax.imshow(body)
        ax.axis("off")
    fig.suptitle(f"Speech Animator demo: {Path(perf.provenance.audio_path).name}  "
                 f"(face {perf.provenance.face_model}, body {perf.provenance.body_model or '-'})", fontsize=9)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def baked_face_curves(character, names, frames: np.ndarray) -> dict:
    """Evaluate the baked shape-key F-curves of ``names`` at ``frames``; name -> (T,) array."""
    compat = extension_module("addon.compat")
    key = character.head.data.shape_keys
    action, slot = compat.assigned(key)
    out = {}
    if action is None:
        return out
    by_path = {fc.data_path: fc for fc in compat.action_fcurves(action, slot)}
    for n in names:
        fc = by_path.get(f'key_blocks["{n}"].value')
        if fc is not None:
            out[n] = np.array([fc.evaluate(float(f)) for f in frames], np.float32)
    return out


def plot_curves(path: Path, scene, character, perf, audio_path: Path) -> None:
    """Waveform, baked face curves (:data:`PLOT_FACE`) and body joint angles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    audio = extension_module("inference.audio").load_audio(audio_path)
    t_audio = np.arange(audio.samples.size) / audio.sample_rate_hz
    frames = scene.frame_start + np.arange(perf.num_frames)
    t = np.arange(perf.num_frames) / perf.fps
    curves = baked_face_curves(character, PLOT_FACE, frames)
    has_body = perf.smplx_poses is not None
    fig, axes = plt.subplots(3 if has_body else 2, 1, figsize=(11, 7.5 if has_body else 5), sharex=True,
                             gridspec_kw={"height_ratios": (1, 2, 2)[: 3 if has_body else 2]})
    axes[0].plot(t_audio, audio.samples, lw=0.4, color="0.3")
    axes[0].set_ylabel("audio")
    axes[0].set_title(f"{Path(audio_path).name}: baked face curves (read back from the F-curves) "
                      f"and body joint angles, {perf.fps:g} fps", fontsize=10)
    for n in PLOT_FACE:
        y = curves.get(n, perf.arkit[:, perf.arkit_names.index(n)])
        axes[1].plot(t, y, lw=1.2, label=n + ("" if n in curves else " (generated)"))
    axes[1].set_ylim(-0.02, 1.02)
    axes[1].set_ylabel("ARKit weight")
    axes[1].legend(loc="upper right", fontsize=8, ncol=5)
    if has_body:
        smplx = extension_module("rigs.smplx")
        for n in PLOT_JOINTS:
            aa = perf.smplx_poses[:, smplx.JOINT_INDEX[n]]
            axes[2].plot(t, np.degrees(np.linalg.norm(aa, axis=1)), lw=1.2, label=n)
        axes[2].set_ylabel("joint angle (deg)")
        axes[2].legend(loc="upper right", fontsize=8, ncol=5)
    axes[-1].set_xlabel("time (s)")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
