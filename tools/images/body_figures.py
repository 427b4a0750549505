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
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.images.figures import View, render_motions, save_small  # noqa: E402

BONES = [(0, 3), (3, 6), (6, 9), (9, 12), (12, 15), (9, 13), (13, 16), (16, 18), (18, 20), (9, 14), (14, 17),
         (17, 19), (19, 21), (0, 1), (1, 4), (4, 7), (7, 10), (0, 2), (2, 5), (5, 8), (8, 11)]
TIMES_S = (2.0, 6.0, 10.0, 14.0, 18.0, 22.0, 26.0, 30.0)


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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    motions = [(*before, False), (*after, True)]  # before: no proxy push-out; after: with it
    images = render_motions(kind, ROOT.parent / "shared" / "data" / "characters", motions, frames_s,
                            View(lens_mm=50, forward=1.55, left=0.55, up=0.1), (220, 280), samples,
                            frame_at=lambda t, fps: int(t * fps))
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
