"""The bundled demo clip: format, leading silence, size, and that its script regenerates it exactly."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from conftest import ROOT

CLIP = ROOT / "assets" / "demo_speech.flac"


def test_bundled_clip_format():
    info = sf.info(str(CLIP))
    assert info.samplerate == 16000 and info.channels == 1 and info.format == "FLAC"
    assert 8.0 <= info.duration <= 12.5
    assert CLIP.stat().st_size < 500_000
    x, rate = sf.read(str(CLIP), dtype="float32")
    lead = x[: int(0.5 * rate)]
    assert np.abs(lead).max() == 0.0  # digital silence before the first word
    assert np.abs(x[int(0.5 * rate): int(1.5 * rate)]).max() > 0.1  # then speech
    # pauses between sentences: at least two 0.3 s windows of silence inside the clip
    win = int(0.3 * rate)
    quiet = [np.abs(x[i: i + win]).max() < 1e-3 for i in range(int(0.8 * rate), x.size - int(0.8 * rate), win // 3)]
    assert sum(quiet) >= 2


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("mbrola") is None,
                    reason="espeak-ng / mbrola not installed")
def test_script_regenerates_the_clip(tmp_path):
    out = tmp_path / "demo.flac"
    proc = subprocess.run([sys.executable, "-m", "tools.demo.audio", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0 and "mb-us2" in proc.stderr:
        pytest.skip(f"MBROLA us2 voice not installed: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    a, _ = sf.read(str(out), dtype="int16")
    b, _ = sf.read(str(CLIP), dtype="int16")
    assert a.shape == b.shape and np.array_equal(a, b)
