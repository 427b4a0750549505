"""Assertions on what a scenario keyed (the dicts of ``scenarios/keyed.summary``) and the test
inputs the parent process writes (dev venv) for the installed-extension scenarios."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pytest
import soundfile

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = Path(os.environ.get("SPEECHANIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
SHARED_FIXTURES = Path(os.environ.get("SPEECHANIM_SHARED_FIXTURES", ROOT.parent / "shared" / "fixtures"))
CHARACTERS = SHARED_DATA / "characters"
BEAT2_NPZ = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.npz"
EMAGE_WEIGHTS = SHARED_FIXTURES / "emage_audio" / "weights_small"
DEMO_CLIP = ROOT / "assets" / "demo_speech.flac"

for _p in (ROOT, ROOT / "tests" / "blender"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


def need(path: Path) -> Path:
    """``path``, or skip the test with the reason when the shared data is absent."""
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return path


def speech(path: Path, silence_s: float = 0.3, speech_s: float = 2.0, rate_hz: int = 22050) -> Path:
    """Write a synthetic speech-like clip (``bpy_harness.write_speechlike``); return its path."""
    from bpy_harness import write_speechlike

    return write_speechlike(path, silence_s=silence_s, speech_s=speech_s, rate_hz=rate_hz)


def clip_frames(path: Path, fps: float) -> int:
    """Frames a clip covers at ``fps``: ``ceil(duration_s * fps)`` (as the batch reports count)."""
    info = soundfile.info(str(path))
    return int(math.ceil(info.frames / info.samplerate * fps - 1e-6))


def demo_transcript() -> str:
    """The words of ``assets/demo_speech.flac`` (``tools/demo/audio.SCRIPT``)."""
    from tools.demo.audio import SCRIPT

    return " ".join(s for s, _ in SCRIPT)


def warnings_of(proc) -> list[str]:
    """The operator reports the bpy module printed (``Warning: ...`` lines of stdout)."""
    return [line[len("Warning: "):] for line in proc.stdout.splitlines() if line.startswith("Warning: ")]


def assert_dense(s: dict, frames: int, start: int = 1) -> None:
    """A generated action keyed on every frame ``start .. start + frames - 1``, finite values."""
    assert s["action"], s
    assert s["finite"], f"{s['action']}: NaN or infinite key values"
    assert s["frames"] == [start, start + frames - 1], (s["action"], s["frames"], frames)
    assert s["keys_per_curve"] == [frames, frames], (s["action"], s["keys_per_curve"])


def assert_face(s: dict, frames: int, keys: list[str], *, start: int = 1, exclude=("tongueOut",)) -> None:
    """Face keys: one ``key_blocks["name"].value`` curve per ARKit key of the mesh (less
    ``exclude``), values in [0, 1], on every frame; the jaw opens and closes, at least 10 curves move."""
    from rigs.arkit import ARKIT_NAMES

    assert_dense(s, frames, start)
    want = {f'key_blocks["{k}"].value' for k in keys if k in ARKIT_NAMES and k not in exclude}
    assert set(s["paths"]) == want, sorted(set(s["paths"]) ^ want)
    assert all(v == [0] for v in s["paths"].values())
    assert 0.0 <= s["min"] and s["max"] <= 1.0, (s["min"], s["max"])
    jaw = s["ranges"]['key_blocks["jawOpen"].value']
    assert jaw[1] - jaw[0] > 0.05, jaw  # speech opens and closes the jaw
    assert len(s["moving"]) >= 10, s["moving"]


def assert_body(s: dict, frames: int, bones: list[str], *, start: int = 1, max_location_m: float = 2.0) -> None:
    """Body keys: unit quaternions on every frame, ``bones`` keyed and moving, locations only on
    one root bone and within ``max_location_m``."""
    assert_dense(s, frames, start)
    for path, idx in s["paths"].items():
        assert path.startswith('pose.bones["'), path
        assert path.endswith(".rotation_quaternion") and idx == [0, 1, 2, 3] or \
            path.endswith(".location") and idx == [0, 1, 2], (path, idx)
    assert s["quat_norm_err"] is not None and s["quat_norm_err"] < 1e-3, s["quat_norm_err"]
    moving = {p.split('"')[1] for p in s["moving"]}
    missing = [b for b in bones if b not in moving]
    assert not missing, f"not keyed or not moving: {missing}; moving: {sorted(moving)}"
    locations = [p for p in s["paths"] if p.endswith(".location")]
    assert len(locations) <= 1, locations
    for p in locations:
        lo, hi = s["ranges"][p]
        assert -max_location_m < lo <= hi < max_location_m, (p, lo, hi)
    rot = [r for p, r in s["ranges"].items() if p.endswith(".rotation_quaternion")]
    assert all(-1.0 - 1e-4 <= lo and hi <= 1.0 + 1e-4 for lo, hi in rot)


from installed_harness import run_installed  # noqa: E402,F401  (the clean-environment harness, tests/installed)
