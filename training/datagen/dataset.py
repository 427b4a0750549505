"""Face dataset files: one ``.npz`` per utterance + ``manifest.json`` (format: docs/face-data.md).

Per utterance (``<root>/<split>/<uid>.npz``):
``audio`` (N,) float32 16 kHz; ``targets`` (T, 52) float32 in [0, 1] at 100 fps, ARKit order,
``T = ceil(N / 160)``, made by :func:`inference.face.targets.phones_to_arkit` from the phones;
``phone_start_s``/``phone_end_s`` (P,) float64; ``phone_label`` (P,) str (ARPAbet, ``sil``);
``speaker``, ``source``, ``text``, ``augment`` (str).

Every writer appends one JSON line per utterance to its own ``index-<writer>.jsonl`` (no write
races between processes); :func:`build_manifest` merges them into ``manifest.json`` atomically.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from inference.face.targets import phones_to_arkit

DEFAULT_ROOT = Path(os.environ.get("SPEECHANIM_FACE_DATASET", "/work/cache/face_dataset"))
SR = 16000
TARGET_FPS = 100.0
HOP = 160
SPLITS = ("train", "val", "test")


def write_utterance(root: Path, writer: str, split: str, uid: str, audio: np.ndarray,
                    phone_start_s, phone_end_s, phone_label, speaker: str, source: str,
                    text: str = "", augment: str = "", held_out: bool = False) -> dict:
    """Compute targets, write ``<root>/<split>/<uid>.npz`` atomically, append to the writer's index.

    Raises:
        ValueError: unknown split, empty/non-finite audio, or phones the target generator rejects.
    """
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, found {split!r}")
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if audio.size < HOP or not np.all(np.isfinite(audio)):
        raise ValueError(f"{uid}: audio must be finite and at least {HOP} samples, found {audio.size}")
    n_frames = math.ceil(audio.size / HOP)
    start = np.asarray(phone_start_s, dtype=np.float64)
    end = np.asarray(phone_end_s, dtype=np.float64)
    labels = np.asarray([str(x) for x in phone_label])
    targets = phones_to_arkit(start, end, labels, TARGET_FPS, n_frames)
    out = Path(root) / split
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{uid}.tmp.npz"
    np.savez(tmp, audio=audio, targets=targets, phone_start_s=start, phone_end_s=end,
             phone_label=labels, speaker=np.str_(speaker), source=np.str_(source),
             text=np.str_(text), augment=np.str_(augment))
    os.replace(tmp, out / f"{uid}.npz")
    entry = {"file": f"{split}/{uid}.npz", "split": split, "speaker": speaker, "source": source,
             "duration_s": round(audio.size / SR, 3), "num_phones": int(len(labels)),
             "augment": augment, "held_out": bool(held_out), "text": text}
    with open(Path(root) / f"index-{writer}.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    return entry


def read_index(root: Path) -> list[dict]:
    """All entries of all writers' indexes whose file exists (last entry per file wins)."""
    entries: dict[str, dict] = {}
    for p in sorted(Path(root).glob("index-*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                e = json.loads(line)
                entries[e["file"]] = e
    return [e for e in entries.values() if (Path(root) / e["file"]).exists()]


def build_manifest(root: Path = DEFAULT_ROOT) -> dict:
    """Merge the indexes into ``<root>/manifest.json`` (atomic replace) and return it."""
    entries = read_index(root)
    summary = {}
    for key in ("split", "source", "speaker"):
        agg: dict[str, dict] = {}
        for e in entries:
            a = agg.setdefault(e[key], {"utterances": 0, "hours": 0.0})
            a["utterances"] += 1
            a["hours"] += e["duration_s"] / 3600
        summary[f"by_{key}"] = {k: {"utterances": v["utterances"], "hours": round(v["hours"], 4)}
                                for k, v in sorted(agg.items())}
    manifest = {
        "format": "speech-animator face dataset v1 (see docs/face-data.md)",
        "sample_rate_hz": SR, "target_fps": TARGET_FPS,
        "utterances": len(entries),
        "hours": round(sum(e["duration_s"] for e in entries) / 3600, 4),
        "held_out": sorted(e["file"] for e in entries if e.get("held_out")),
        "held_out_speakers": sorted({e["speaker"] for e in entries if e.get("held_out")}),
        **summary,
        "files": sorted(entries, key=lambda e: e["file"]),
    }
    tmp = Path(root) / ".manifest.tmp.json"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, Path(root) / "manifest.json")
    return manifest


def load_utterance(path) -> dict:
    """Read one dataset ``.npz`` into a dict of arrays/strings (str fields as Python ``str``)."""
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    for k in ("speaker", "source", "text", "augment"):
        if k in d:
            d[k] = str(d[k])
    return d
