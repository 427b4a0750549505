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
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tools.images.figures import View, render_motions, save_small  # noqa: E402
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    motions = [(tr.poses, tr.transl, tr.fps, True) for tr in (worded, plain)]
    images = render_motions(kind, SHARED / "characters", motions, [t for t, _ in moments],
                            View(lens_mm=58, forward=0.6, left=1.05, up=0.05, lift=0.18), (300, 330), samples)
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
