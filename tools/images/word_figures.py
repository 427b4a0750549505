"""Figures of word-driven gestures for docs/body-quality.md: renders and head/wrist curves.

Usage (from the repository root; the renders need the venv's ``bpy`` module)::

    .venv/bin/python -m tools.images.word_figures [--character demo] [--out docs/images] [--no-renders]

Clip: JFK's 1961 inaugural excerpt (public domain, ``../shared/data/speech/en``) with its
transcript, so transcript mode gives word timing. The seed is the first one (from 0) whose seeded
cues keep a "my" self-point, a "you" point and the "not" shake (else the first with the last two). Top row: word-aware; bottom row: the same seed
from the audio alone, at the same instants. ``word_curves.png``: head yaw and pitch, and the
pointing hand's distance in front of the pelvis, word-aware vs audio-only, words marked.
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

from tools.images.body_figures import save_small  # noqa: E402
from tools.eval.body import SHARED, heading_frame_positions  # noqa: E402

JFK = SHARED / "speech" / "en" / "jfk_inaugural_1961.flac"
TEXT = ("And so, my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country.")


def generate_pair():
    """(audio-only track, word-aware track, WordTiming, cues, seed) on the JFK clip."""
    from inference.audio import load_audio
    from inference.body import procedural, words
    from inference.options import GenerateOptions
    from inference.prosody import analyze_prosody

    audio = load_audio(JFK)
    timing = words.word_timing(audio.samples, TEXT, analyze_prosody(audio))
    if timing is None:
        raise SystemExit("the JFK transcript was not aligned (pocketsphinx missing?)")
    want = ({"point_you", "self_point", "shake"}, {"point_you", "shake"})
    seed = next((s for w in want for s in range(50)
                 if w <= {c.arm_gesture or c.head for c in words.lexical_cues(timing, s)}), 0)
    cues = words.lexical_cues(timing, seed)
    body = procedural.ProceduralBody()
    plain = body.run(audio, GenerateOptions(seed=seed))
    worded = body.run(audio, GenerateOptions(seed=seed, transcript=TEXT))
    return plain, worded, timing, cues, seed


def _head_yaw_pitch(poses):
    from rigs.rotations import axis_angle_to_quat, quat_mul, quat_to_matrix

    q = axis_angle_to_quat(poses.reshape(-1, 55, 3).astype(np.float64))
    f = quat_to_matrix(quat_mul(q[:, 12], q[:, 15]))[:, :, 2]
    return np.arctan2(f[:, 0], f[:, 2]), np.arcsin(np.clip(-f[:, 1], -1, 1))


def instants(worded, cues):
    """[(time_s, label), ...]: the point's apex and the shake's two yaw extremes."""
    yaw, _ = _head_yaw_pitch(worded.poses)
    out = []
    shake = next(c for c in cues if c.head == "shake")
    t = np.arange(worded.poses.shape[0]) / worded.fps
    win = (t > shake.time_s - 0.2) & (t < shake.time_s + 0.8)
    i = np.flatnonzero(win)
    out.append((float(t[i[np.argmax(yaw[i])]]), f'"{shake.word}": shake'))
    out.append((float(t[i[np.argmin(yaw[i])]]), f'"{shake.word}": shake'))
    for c in cues:
        if c.arm_gesture:
            out.append((float(c.time_s), f'"{c.word}": {c.arm_gesture.replace("_", " ")}'))
    return sorted(out)


def curves(plain, worded, timing, cues, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from inference.body.words import STRESS_DELAY_S

    t = np.arange(worded.poses.shape[0]) / worded.fps
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 3.6), dpi=100, sharex=True)
    for tr, style, name in ((plain, "--", "audio only"), (worded, "-", "word-aware")):
        yaw, pitch = _head_yaw_pitch(tr.poses)
        axes[0].plot(t, np.degrees(yaw), style, color="tab:blue", lw=1, label=f"head yaw, {name}")
        axes[0].plot(t, np.degrees(pitch), style, color="tab:orange", lw=1, label=f"head pitch, {name}")
        pos = heading_frame_positions(tr.poses.reshape(-1, 55, 3))
        fwd = np.maximum(pos[:, 20, 2], pos[:, 21, 2]) - pos[:, 0, 2]
        axes[1].plot(t, 100 * fwd, style, color="k", lw=1, label=name)
    for ax in axes:
        for w in timing.words:
            ax.axvline(w.stress_s, color="0.85", lw=0.6, zorder=0)
    for w in timing.words:
        axes[1].text(w.stress_s, axes[1].get_ylim()[0], w.text, fontsize=5.5, rotation=90, va="bottom", ha="right",
                     color="tab:red" if any(c.word == w.text and abs(c.time_s - STRESS_DELAY_S - w.stress_s) < 1e-6
                                            for c in cues) else "0.4")
    axes[0].set_ylabel("degrees", fontsize=7)
    axes[1].set_ylabel("hand in front of\npelvis (cm)", fontsize=7)
    axes[1].set_xlabel("time (s); grey lines = each word's stressed vowel, red words = gestured (cue)", fontsize=7)
    for ax in axes:
        ax.tick_params(labelsize=6)
        ax.legend(fontsize=5.5, ncol=4, loc="upper left")
    fig.tight_layout(pad=0.3)
    save_small(fig, path)
    plt.close(fig)


def renders(kind, plain, worded, moments, path: Path, samples: int = 8) -> None:
    """2 x len(moments) Cycles renders (top word-aware, bottom audio-only) of one character."""
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

    arm = rf.load_rig(kind, SHARED / "characters")
    scene = bpy.context.scene
    skel = skeleton_of(arm)
    bmap, _ = resolve_bone_map(arm, None, skel)
    plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
    caps = fit_proxies(arm)
    results = []
    for tr in (worded, plain):
        res = retarget(plan, tr.poses, tr.transl, "rest")
        results.append((resolve(skel, bmap, res, caps, plan.scale, tr.fps)[0], tr.fps))
    meshes = [o for o in bpy.data.objects if o.type == "MESH"]
    pts = np.array([o.matrix_world @ Vector(c) for o in meshes for c in o.bound_box])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, height = 0.5 * (lo + hi), float(hi[2] - lo[2])
    centre = centre + np.array([0, 0, 0.18 * height])                # upper body
    fwd, left = plan.frame[:, 2], plan.frame[:, 0]
    cam = bpy.data.objects.new("FigCam", bpy.data.cameras.new("FigCam"))
    cam.data.lens = 58
    scene.collection.objects.link(cam)
    eye = Vector(centre + fwd * 0.6 * height + left * 1.05 * height + np.array([0, 0, 0.05 * height]))
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
    scene.render.resolution_x, scene.render.resolution_y = 300, 330
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for row, (res, fps) in enumerate(results):
            for c, (t, _) in enumerate(moments):
                f = min(int(round(t * fps)), res.quats.shape[0] - 1)
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
    k = len(moments)
    fig, axes = plt.subplots(2, k, figsize=(2.1 * k, 4.9), dpi=100)
    for i, img in enumerate(images):
        ax = axes[i // k, i % k]
        ax.imshow(img)
        ax.set_xticks([])
        ax.set_yticks([])
        if i < k:
            ax.set_title(f"{moments[i][1]}, {moments[i][0]:.2f} s", fontsize=7)
        if i % k == 0:
            ax.set_ylabel("word-aware (transcript)" if i < k else "same seed, audio only", fontsize=7)
    fig.suptitle(f"{kind} character, JFK 1961 clip with its transcript (seen from its left, ~60 degrees off its front)", fontsize=7.5, y=0.995)
    fig.tight_layout(pad=0.3, h_pad=0.6, rect=(0.0, 0.0, 1.0, 0.96))
    save_small(fig, path)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--character", default="demo", choices=("demo", "kaykit", "robot"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "images"))
    ap.add_argument("--no-renders", action="store_true")
    args = ap.parse_args(argv)
    if not JFK.exists():
        print(f"{JFK} not found")
        return 1
    out = Path(args.out)
    plain, worded, timing, cues, seed = generate_pair()
    print(f"seed {seed}; cues: " + ", ".join(f"{c.word}@{c.time_s:.2f} {c.arm_gesture or c.head}" for c in cues))
    curves(plain, worded, timing, cues, out / "word_curves.png")
    if not args.no_renders:
        renders(args.character, plain, worded, instants(worded, cues), out / f"word_gestures_{args.character}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
