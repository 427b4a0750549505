"""Choose between lip-sync checkpoints on held-out real voices, never on the test split.

Usage (repository root)::

    .venv/bin/python -m training.select_face --data /work/cache/face_dataset_v5 \\
        --onnx candidate.onnx [--code-dir /tmp/cand] [--out result.json]

``--onnx`` is an exported candidate (``training/export_face.py``). It is run exactly as shipped:
a copy of this checkout's ``inference/`` and ``rigs/`` is made in ``--code-dir`` with the
candidate in place of the shipped model file and its SHA-256 pinned there
(:func:`candidate_code`), and ``inference.generate`` (face only, procedural layer off, 30 fps)
animates every selection clip. Without ``--onnx`` the shipped model is evaluated.

Selection clips: the dataset's clean ``val`` utterances of real speech that no model trained on:
LJ Speech LJ001-0011..0013 (``real_ljspeech_*``, phones from the forced alignment of the true
transcript) and the pseudo-labelled LibriSpeech speakers of
:data:`training.datagen.make_pseudo.VAL_SPEAKERS` (``pseudo_*``, phones from the pseudo-transcript,
so their closure recall is against a noisy reference). Scored with :mod:`tools.eval.face_metrics`
on Apple's ARKit reference head as ``tools/eval/face_geometry.py`` does.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
FPS = 30.0
GROUPS = {"lj_val": "real_ljspeech_", "librispeech_val": "pseudo_"}


def candidate_code(onnx: str, dest: str) -> str:
    """Copy ``inference/`` and ``rigs/`` to ``dest`` with ``onnx`` as the shipped lip-sync model.

    Returns:
        the candidate's SHA-256 (hex).

    Raises:
        FileNotFoundError: ``onnx`` missing.
        ValueError: ``inference/face/lipsync.py`` has no ``MODEL_SHA256`` line to re-pin.
    """
    if not os.path.isfile(onnx):
        raise FileNotFoundError(f"candidate model: expected an .onnx file, found nothing at {onnx}")
    shutil.rmtree(dest, ignore_errors=True)
    for pkg in ("inference", "rigs"):
        shutil.copytree(REPO / pkg, Path(dest) / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    src = (Path(dest) / "inference" / "face" / "lipsync.py").read_text()
    model = re.search(r'MODEL_PATH: str = .*"(lipsync-[^"]+\.onnx)"\)', src)
    sha = hashlib.sha256(Path(onnx).read_bytes()).hexdigest()
    new, n = re.subn(r'MODEL_SHA256: str = "[0-9a-f]{64}"', f'MODEL_SHA256: str = "{sha}"', src)
    if not model or n != 1:
        raise ValueError("inference/face/lipsync.py: expected one MODEL_PATH and one MODEL_SHA256 line")
    (Path(dest) / "inference" / "face" / "lipsync.py").write_text(new)
    shutil.copyfile(onnx, Path(dest) / "inference" / "face" / "models" / model.group(1))
    return sha


def selection_clips(data: str) -> list[tuple[str, str]]:
    """``(group, npz path)`` of the selection clips in ``<data>/val``."""
    out = []
    for f in sorted(glob.glob(os.path.join(data, "val", "*.npz"))):
        for g, prefix in GROUPS.items():
            if os.path.basename(f).startswith(prefix):
                out.append((g, f))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--onnx", default="", help="candidate model (default: the shipped one)")
    ap.add_argument("--code-dir", default="/tmp/speechanim_candidate")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)
    if args.onnx:
        print(f"candidate SHA-256 {candidate_code(args.onnx, args.code_dir)}", flush=True)
        sys.path.insert(0, args.code_dir)
    from inference.audio import prepare_audio
    from inference.generate import generate
    from inference.options import GenerateOptions
    from tools.eval.face_metrics import clip_sums, pool, summarize
    from tools.eval.reference_head import lip_gauge

    gauge = lip_gauge()
    sums: dict[str, list] = {g: [] for g in GROUPS}
    items = selection_clips(args.data)
    if not items:
        raise SystemExit(f"{args.data}/val: no selection clips ({', '.join(GROUPS.values())}*.npz)")
    for g, f in items:
        with np.load(f, allow_pickle=False) as z:
            audio = prepare_audio(z["audio"], 16000)
            phones = (z["phone_start_s"], z["phone_end_s"], z["phone_label"])
        frames = int(np.floor(audio.duration_s * FPS)) + 1
        perf = generate(audio, GenerateOptions(body=False, face_model="lipsync", fps=FPS, procedural_face=False))
        sums[g].append(clip_sums(gauge.gap_mm(perf.arkit[:frames]), gauge.rest_gap_mm, FPS, phones))
    res = {"model": perf.provenance.face_model, "clips": {g: len(v) for g, v in sums.items()},
           "groups": {g: summarize(pool(v)) for g, v in sums.items() if v},
           "all": summarize(pool([s for v in sums.values() for s in v]))}
    for g, a in [*res["groups"].items(), ("all", res["all"])]:
        print(f"{g:16s} clean {a['clean_closure']:.3f} ({a['bilabials']}) r {a['aperture_r']:.3f} "
              f"near6-nb {a['near_shut_nonbilabial']:.3f} rest {a['rest']:.3f} lag {a['lag_frames']:+.2f}")
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
