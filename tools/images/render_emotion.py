"""Renders of Apple's ARKit reference head for each emotion on a bilabial and an open vowel.

The bundled clip (``assets/demo_speech.flac``) is force-aligned to its script
(:data:`tools.demo.audio.SCRIPT`); the frame in the middle of its longest bilabial (/m b p/)
and of its longest open vowel are taken from the default face backend's curves (procedural layer
off) under each emotion at strength 1, and rendered with :func:`tools.images.render_face_geometry.render`
framed on the whole face (needs the bpy module and ../shared/data)::

    .venv/bin/python -m tools.images.render_emotion --out docs/images/emotion-reference-head.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def pick(strength: float = 1.0, fps: float = 30.0) -> dict:
    """``{emotion: {"bilabial": [52], "vowel": [52], "gap_mm": {...}}}`` on the bundled clip."""
    from inference.audio import load_audio
    from inference.face.align import force_align
    from inference.face.emotion import CATEGORIES
    from inference.generate import generate
    from inference.options import GenerateOptions
    from tools.eval.reference_head import REFERENCE_HEAD_GLB, lip_gauge, load_morph_head
    from tools.demo.audio import SCRIPT
    from tools.images.render_face_geometry import BILABIALS, VOWELS

    audio = load_audio(REPO / "assets" / "demo_speech.flac")
    s, e, lab = force_align(audio.samples, " ".join(text for text, _ in SCRIPT))
    lab = [str(x).lower() for x in lab]

    def longest(kind):
        i = max((k for k in range(len(lab)) if lab[k] in kind), key=lambda k: e[k] - s[k])
        return int(round((s[i] + e[i]) / 2 * fps))

    fb, fv = longest(BILABIALS), longest(VOWELS)
    gauge = lip_gauge(load_morph_head(REFERENCE_HEAD_GLB))
    poses = {}
    for name in ("none",) + tuple(c for c in CATEGORIES if c != "neutral"):
        spec = None if name == "none" else f"{name}:{strength:g}"
        a = generate(audio, GenerateOptions(body=False, fps=fps, procedural_face=False, emotion=spec)).arkit
        gap = gauge.gap_mm(a[[fb, fv]])
        poses[name] = {"bilabial": a[fb].tolist(), "vowel": a[fv].tolist(),
                       "gap_mm": {"bilabial": float(gap[0]), "vowel": float(gap[1])}}
    return poses


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "docs" / "images" / "emotion-reference-head.png"))
    ap.add_argument("--strength", type=float, default=1.0)
    ap.add_argument("--size", type=int, default=220)
    args = ap.parse_args(argv)
    from tools.images.render_face_geometry import render

    import tempfile

    from PIL import Image

    poses = pick(args.strength)
    names = list(poses)
    half = (len(names) + 1) // 2
    tmp = Path(tempfile.mkdtemp())
    parts = []
    for i, chunk in enumerate((names[:half], names[half:])):   # two columns of rows: a compact sheet
        path = tmp / f"part{i}.png"
        render({n: poses[n] for n in chunk}, path, size=args.size,
               title=f"emotion at strength {args.strength:g}: bilabial | open vowel" if i == 0 else " ",
               ortho_scale=0.19, target=(0.0, -0.035, 0.005), offset=(0.06, -0.3, 0.02))
        parts.append(Image.open(path).convert("RGB"))
    sheet = Image.new("RGB", (sum(p.width for p in parts) + 8, max(p.height for p in parts)), "white")
    sheet.paste(parts[0], (0, 0))
    sheet.paste(parts[1], (parts[0].width + 8, 0))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    sheet.quantize(colors=64).save(args.out, optimize=True)
    for name, p in poses.items():
        print(f"{name}: lip gap bilabial {p['gap_mm']['bilabial']:+.2f} mm, vowel {p['gap_mm']['vowel']:+.2f} mm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
