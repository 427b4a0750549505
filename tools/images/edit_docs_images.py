"""Images of the editing workflow for docs/blender-addon.md, rendered headless in the bpy module.

    .venv/bin/python -m tools.images.edit_docs_images --out docs/images

1. ``edit_workflow_renders.png``: the demo character rendered with Cycles (CPU) at one frame in
   three states: generated; edited by hand (jawOpen 0.95, right elbow raised); regenerated from
   another recording (the edits still apply over the new generated base).
2. ``edit_workflow_layers.png``: the NLA stack of the face and the armature after that regenerate,
   drawn with matplotlib from the scene's real tracks/strips/active action (the NLA editor itself
   cannot be drawn without a window), and the jawOpen curves of the base, the edit layer and what
   Blender evaluates (``scene.frame_set`` per frame).
3. ``edit_workflow_range.png``: regenerating frames 60-90 only: jawOpen before and after, with the
   range and the blend zones shaded.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from tools.bake import ROOT, extension_module, load_extension
from tools.demo.scene import DEMO_AUDIO, build_scene

SECOND_AUDIO = ROOT.parent / "shared" / "data" / "speech" / "en" / "librispeech_1995-1837-0001.wav"
JAW = 'key_blocks["jawOpen"].value'
ELBOW = "right_elbow"


def _generate(scene, character, audio: Path, **settings):
    import bpy

    s = scene.speech_animator
    s.audio_path = str(audio)
    s.face_object, s.armature, s.what = character.head, character.armature, 'BOTH'
    for k, v in settings.items():
        setattr(s, k, v)
    assert bpy.ops.speechanim.generate() == {'FINISHED'}


def _edit(character, frame: int):
    """The artist's edits on the generated actions: jawOpen at ``frame`` to 0.95, right elbow bent more."""
    from mathutils import Quaternion

    compat = extension_module("addon.compat")
    key = character.head.data.shape_keys
    action = compat.assigned(key)[0]
    fc = next(f for f in compat.action_fcurves(action) if f.data_path == JAW)
    k = next(k for k in fc.keyframe_points if int(round(k.co[0])) == frame)
    k.co[1] = k.handle_left[1] = k.handle_right[1] = 0.95
    arm = character.armature
    body = compat.assigned(arm)[0]
    path = f'pose.bones["{ELBOW}"].rotation_quaternion'
    fcs = sorted((f for f in compat.action_fcurves(body) if f.data_path == path), key=lambda f: f.array_index)
    q = Quaternion([f.evaluate(frame) for f in fcs]) @ Quaternion((0, 0, 1), -0.9)
    for f, v in zip(fcs, q):
        for kp in f.keyframe_points:
            if abs(kp.co[0] - frame) <= 8:  # a smooth bump around the frame
                w = 0.5 * (1 + np.cos(np.pi * (kp.co[0] - frame) / 8))
                kp.co[1] = (1 - w) * kp.co[1] + w * v
                kp.handle_left_type = kp.handle_right_type = 'AUTO_CLAMPED'
        f.update()


def _render_states(scene, character, frame, states, out: Path, samples: int):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tools.demo import render as demo_render

    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.use_denoising = False
    scene.render.film_transparent = False
    face_cam, body_cam = demo_render.setup_stage(scene, character)
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (title, prepare) in enumerate(states):
            prepare()
            scene.frame_set(frame)
            face = demo_render._render(scene, face_cam, (260, 260), Path(tmp) / f"f{i}.png", samples)
            body = demo_render._render(scene, body_cam, (260, 300), Path(tmp) / f"b{i}.png", samples)
            tiles.append((title, face, body))
    fig, axes = plt.subplots(2, len(tiles), figsize=(3.1 * len(tiles), 6.6), dpi=100,
                             gridspec_kw={"height_ratios": (1.0, 1.15)})
    for c, (title, face, body) in enumerate(tiles):
        axes[0, c].imshow(face)
        axes[0, c].set_title(title, fontsize=8)
        axes[1, c].imshow(body)
        for r in (0, 1):
            axes[r, c].axis("off")
    fig.suptitle(f"Frame {frame} (Cycles, bpy module, headless)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)


def _stack(id_data):
    """Rows (bottom to top) of what plays on ``id_data``: (label, first, last, kind, muted)."""
    compat = extension_module("addon.compat")
    anim = id_data.animation_data
    rows = []
    for track in anim.nla_tracks:
        for strip in track.strips:
            rows.append((f"{track.name}\n{strip.action.name}", strip.frame_start, strip.frame_end,
                         "prompt" if "prompts" in track.name else ("base" if "base" in track.name else "nla"),
                         track.mute))
    action, slot = compat.assigned(id_data)
    if action is not None:
        live = [f for f in compat.action_fcurves(action, slot) if not f.mute]
        lo, hi = action.frame_range
        rows.append((f"active action (edit layer, {anim.action_blend_type.lower()})\n{action.name}: "
                     f"{len(live)} curve(s) play", lo, hi, "edit", False))
    return rows


def _plot_layers(scene, character, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    compat, layers = extension_module("addon.compat"), extension_module("addon.layers")
    key = character.head.data.shape_keys
    colours = {"base": "#4c72b0", "edit": "#dd8452", "prompt": "#8c8c8c", "nla": "#55a868"}
    fig, axes = plt.subplots(3, 1, figsize=(9, 8.2), dpi=100, gridspec_kw={"height_ratios": (1, 1, 1.4)})
    for ax, (title, id_data) in zip(axes[:2], (("Face shape keys", key), ("Armature", character.armature))):
        rows = _stack(id_data)
        for y, (label, lo, hi, kind, muted) in enumerate(rows):
            ax.barh(y, hi - lo, left=lo, height=0.6, color=colours[kind], alpha=0.35 if muted else 0.9)
            ax.text(lo + 2, y, label + ("  (muted)" if muted else ""), va="center", fontsize=7, color="black")
        ax.set_yticks([])
        ax.set_title(f"{title}: evaluated bottom to top", fontsize=9)
        ax.set_xlim(scene.frame_start - 2, scene.frame_end + 2)
    frames = np.arange(scene.frame_start, scene.frame_end + 1)
    base = layers.base_action(key)
    edit = compat.assigned(key)[0]
    fb = next(f for f in compat.action_fcurves(base) if f.data_path == JAW)
    fe = next(f for f in compat.action_fcurves(edit) if f.data_path == JAW)
    evaluated = []
    for f in frames:
        scene.frame_set(int(f))
        evaluated.append(key.path_resolve(JAW))
    ax = axes[2]
    ax.plot(frames, [fb.evaluate(f) for f in frames], color=colours["base"], lw=1.4, label=f"base: {base.name}")
    ax.plot(frames, [fe.evaluate(f) for f in frames], color=colours["edit"], lw=1.0,
            label=f"edit layer ({key.animation_data.action_blend_type.lower()}): {edit.name}")
    ax.plot(frames, evaluated, color="black", lw=0.8, ls="--", label="what plays (Blender's evaluation)")
    ax.set_xlabel("frame")
    ax.set_ylabel("jawOpen")
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title("jawOpen: the edit layer holds only the frames you changed; elsewhere the new base plays",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)


def _plot_range(scene, character, audio: Path, first: int, last: int, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    compat, layers = extension_module("addon.compat"), extension_module("addon.layers")
    rangebake = extension_module("addon.rangebake")
    key = character.head.data.shape_keys
    frames = np.arange(scene.frame_start, scene.frame_end + 1)

    def jaw():
        action, slot = layers.generated_action(key)
        fc = next(f for f in compat.action_fcurves(action, slot) if f.data_path == JAW)
        return np.array([fc.evaluate(f) for f in frames])

    before = jaw()
    _generate(scene, character, audio, regenerate='RANGE', range_start=first, range_end=last)
    after = jaw()
    scene.speech_animator.regenerate = 'ALL'
    b = rangebake.RANGE_BLEND_FRAMES
    fig, ax = plt.subplots(figsize=(9, 2.8), dpi=100)
    ax.axvspan(first - b, first, color="#dd8452", alpha=0.15, label=f"blend ({b} frames)")
    ax.axvspan(last, last + b, color="#dd8452", alpha=0.15)
    ax.axvspan(first, last, color="#4c72b0", alpha=0.12, label=f"regenerated range {first}-{last}")
    ax.plot(frames, before, color="#888888", lw=1.2, label="base before")
    ax.plot(frames, after, color="black", lw=0.9, label=f"base after (range from {audio.name})")
    ax.set_xlabel("frame")
    ax.set_ylabel("jawOpen")
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return float(np.abs(after - before)[(frames < first - b) | (frames > last + b)].max())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.images.edit_docs_images", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    ap.add_argument("--samples", type=int, default=12)
    ap.add_argument("--frame", type=int, default=0, help="frame to render (default: the widest jaw)")
    args = ap.parse_args(argv)
    second = SECOND_AUDIO if SECOND_AUDIO.exists() else DEMO_AUDIO
    load_extension(register=True)
    import bpy

    scene, character = build_scene()
    bpy.ops.ed.undo_push(message="start")
    _generate(scene, character, DEMO_AUDIO, face_model="default", replace_generated=True)
    compat = extension_module("addon.compat")
    action = compat.assigned(character.head.data.shape_keys)[0]
    fc = next(f for f in compat.action_fcurves(action) if f.data_path == JAW)
    n = len(fc.keyframe_points)
    scene.frame_end = scene.frame_start + n - 1
    co = np.empty(2 * n, np.float32)
    fc.keyframe_points.foreach_get("co", co)
    close = next(f for f in compat.action_fcurves(action) if f.data_path == 'key_blocks["mouthClose"].value')
    cl = np.empty(2 * len(close.keyframe_points), np.float32)
    close.keyframe_points.foreach_get("co", cl)
    jaw, sealed = co[1::2], np.interp(co[0::2], cl[0::2], cl[1::2])
    # a half-open jaw with the lips apart, so the edit (jawOpen 0.95) shows
    frame = args.frame or int(co[0::2][np.argmin(np.abs(jaw - 0.2) + 2 * sealed)])
    args.out.mkdir(parents=True, exist_ok=True)
    states = [("1. generated", lambda: None),
              ("2. edited: jawOpen 0.95, elbow raised", lambda: _edit(character, frame)),
              (f"3. regenerated from {second.stem[:30]}\n(edits kept as a layer on top)",
               lambda: _generate(scene, character, second))]
    _render_states(scene, character, frame, states, args.out / "edit_workflow_renders.png", args.samples)
    _plot_layers(scene, character, args.out / "edit_workflow_layers.png")
    untouched = _plot_range(scene, character, DEMO_AUDIO, 60, 90, args.out / "edit_workflow_range.png")
    print(f"edit_docs_images: frame {frame}; wrote 3 images to {args.out}; largest change outside the range "
          f"and its blends: {untouched:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
