"""Render a two-character dialogue (Cycles on the CPU) into one contact sheet.

    .venv/bin/python -m tools.images.conversation_render --out docs/images/conversation_two_characters.png

Two demo characters (:mod:`addon.demo_character`) 1.6 m apart, each turned 45 degrees towards the
other; Ann says LJ Speech LJ001-0001 and LJ001-0004, Ben LJ001-0002 and LJ001-0008 in between
(``../shared/data/speech/en``; without it the bundled ``assets/demo_speech.flac`` for Ann and the
same clip 12 s later for Ben). Generate Conversation's code (:func:`addon.conversation_bake.bake_scene`)
bakes both; frames around the turn changes are rendered from the front, each titled with who speaks
and the listener's gaze error to the speaker (degrees): a wide shot, and under it each head seen
from the front of the stage.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from tools.bake import ROOT, extension_module, load_extension

#: Resolution of the wide shot (both figures) and of each head close-up (side by side under it).
RES = (640, 360)
HEAD_RES = (320, 360)


def _lines(data: Path):
    en = data / "speech" / "en"
    if (en / "ljspeech_LJ001-0001.wav").is_file():
        from tools.eval.conversation import PLACEMENTS, scene_dict

        return scene_dict(data, PLACEMENTS["three_quarter"])
    demo = str(ROOT / "assets" / "demo_speech.flac")
    return {"characters": [{"name": "Ann", "position": [-0.8, 0, 0], "yaw_deg": 45.0, "lines": [{"audio": demo}]},
                           {"name": "Ben", "position": [0.8, 0, 0], "yaw_deg": -45.0,
                            "lines": [{"audio": demo, "start_s": 12.0}]}]}


def _camera(scene, name, lens, eye, target):
    import bpy

    cam = bpy.data.objects.new(name, bpy.data.cameras.new(name))
    cam.data.lens = lens
    scene.collection.objects.link(cam)
    cam.location = eye
    cam.rotation_euler = (target - eye).to_track_quat("-Z", "Y").to_euler()
    return cam


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "images" / "conversation_two_characters.png"))
    ap.add_argument("--data", default=os.environ.get("SPEECHANIM_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--samples", type=int, default=10)
    args = ap.parse_args(argv)
    import bpy
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    load_extension(register=True)
    demo_character = extension_module("addon.demo_character")
    conversation = extension_module("inference.conversation")
    cbake = extension_module("addon.conversation_bake")
    listening = extension_module("inference.body.listening")
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 30, 1.0
    chars = [demo_character.build_demo_character(), demo_character.build_demo_character()]
    desc = _lines(Path(args.data))
    for ch, spec in zip(chars, desc["characters"]):
        ch.armature.location.x = spec["position"][0]
        ch.armature.rotation_euler.z = math.radians(spec["yaw_deg"])
        spec["face_object"], spec["armature"] = ch.head.name, ch.armature.name
    bpy.context.view_layer.update()
    sc = cbake.with_object_placement(conversation.parse_scene(desc))
    options = extension_module("inference.options").GenerateOptions(fps=30.0)
    conv, results = cbake.bake_scene(sc, options, 1)
    # stage: the demo's lights and a front camera on both
    world = bpy.data.worlds.new("Conv_World")
    scene.world = world
    world.use_nodes = True
    world.node_tree.nodes["Background"].inputs[0].default_value = (0.42, 0.45, 0.50, 1.0)
    for name, energy, rot in (("Key", 3.2, (50, 0, 25)), ("Fill", 1.0, (70, 0, -60)), ("Rim", 1.5, (60, 0, 170))):
        light = bpy.data.objects.new(f"Conv_{name}", bpy.data.lights.new(name, "SUN"))
        light.data.energy, light.data.angle = energy, math.radians(8)
        light.rotation_euler = tuple(math.radians(a) for a in rot)
        scene.collection.objects.link(light)
    from mathutils import Vector

    wide = _camera(scene, "Conv_Wide", 35, Vector((0.0, -2.9, 1.55)), Vector((0.0, 0.0, 1.25)))
    heads = []   # one close-up per character, from the front of the stage (-Y), so head turns read as turns
    for ch in chars:
        h = ch.armature.matrix_world @ ch.armature.data.bones["head"].head_local
        heads.append(_camera(scene, f"Conv_Head_{ch.head.name}", 50, h + Vector((0.0, -0.95, 0.04)),
                             h + Vector((0.0, 0.0, 0.04))))
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = args.samples
    scene.cycles.use_denoising = True
    # frames: mid-turn and just after each change of speaker
    fps = conv.fps
    change = list(np.flatnonzero(np.diff(conv.floor) != 0) + 1)
    picks = [int(1.5 * fps)] + [min(conv.floor.size - 1, c + int(0.9 * fps)) for c in change]
    picks = sorted(set(picks))[:4]
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for f in picks:
            scene.frame_set(1 + f)
            imgs = []
            for cam, res in ((wide, RES), *((hc, HEAD_RES) for hc in heads)):
                scene.camera = cam
                scene.render.resolution_x, scene.render.resolution_y = res
                path = Path(tmp) / f"{cam.name}_{f}.png"
                scene.render.filepath = str(path)
                bpy.ops.render.render(write_still=True)
                imgs.append(mpimg.imread(str(path))[..., :3])
            imgs = [imgs[0], np.concatenate(imgs[1:], axis=1)]
            spk = int(conv.floor[f])
            lis = 1 - spk
            want = listening.direction(*conv.angles[lis, spk])
            g = listening.gaze_directions(conv.performances[lis])[f]
            err = math.degrees(math.acos(float(np.clip(g @ want, -1, 1))))
            tiles.append((f, imgs, conv.names[spk], conv.names[lis], err))
    cols = len(tiles)
    fig, axes = plt.subplots(2, cols, figsize=(5.0 * cols, 6.4), dpi=100, squeeze=False)
    for c, (f, imgs, spk, lis, err) in enumerate(tiles):
        for r in range(2):
            axes[r, c].imshow(imgs[r])
            axes[r, c].axis("off")
        axes[0, c].set_title(f"t={f / fps:.1f} s  {spk} speaks; {lis} listens,\n"
                             f"{lis}'s gaze {err:.0f}° off {spk}", fontsize=9)
    fig.suptitle("Generate Conversation: Ann (left) and Ben (right), each baked to its own actions", fontsize=10)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    print(f"wrote {out}: frames {picks}; actions " + "; ".join(", ".join(r.outcome.result.actions) for r in results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
