"""Behaviour of the shipped lip-sync model (inference/face/models/lipsync-v5.onnx).

The release guard (file present, SHA-256 as pinned) never skips; the behaviour tests make their
clips with espeak-ng at test time and skip when it is not installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

from inference import backends
from inference.audio import load_audio, prepare_audio
from inference.face import lipsync
from inference.options import GenerateOptions
from inference.runtime import sha256_of
from rigs.arkit import ARKIT_INDEX

JAW, CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
PRESS = ARKIT_INDEX["mouthPressLeft"]


def test_shipped_model_is_present_and_pinned():
    assert os.path.isfile(lipsync.MODEL_PATH), "the lip-sync model must ship with the extension"
    assert sha256_of(lipsync.MODEL_PATH) == lipsync.MODEL_SHA256
    assert os.path.getsize(lipsync.MODEL_PATH) < 10e6
    assert "lipsync" in backends.face_backend_names()
    assert backends.get_face_backend("default").name == "lipsync"


def _run(audio):
    return backends.get_face_backend("lipsync").run(audio, GenerateOptions(device="cpu")).arkit


def _espeak(tmp_path, text, voice="en-us"):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    wav = tmp_path / "clip.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
    return load_audio(wav)


def _speech_span(audio):
    from inference.face.dsp import analyze

    idx = np.flatnonzero(analyze(audio.samples).speech)
    return idx[0], idx[-1]


VOICES = ("en-us", "en-gb+f3", "en-us+m3")
BILABIAL_WORDS = ("apa", "aba", "ama", "appa", "ebby", "ummah")
OTHER_WORDS = ("ata", "aka", "asa", "ala")


def _closes_inside(tmp_path, voice, text):
    from tools.eval.face_metrics import lips_closed

    audio = _espeak(tmp_path, text, voice)
    a, b = _speech_span(audio)
    return bool(lips_closed(_run(audio))[a + 4:b - 4].any())


def test_bilabials_close_the_lips_and_other_consonants_do_not(tmp_path):
    """A clear medial /p b m/ seals the lips (eval definition, tools/eval/face_metrics.py);
    /t k s l/ between the same vowels do not (a model that always closed would fail)."""
    hits = [_closes_inside(tmp_path, v, w) for v in VOICES for w in BILABIAL_WORDS]
    false = [_closes_inside(tmp_path, v, w) for v in VOICES for w in OTHER_WORDS]
    assert np.mean(hits) >= 0.8, f"bilabial closures {sum(hits)}/{len(hits)}"
    assert np.mean(false) <= 0.2, f"false closures {sum(false)}/{len(false)}"


def test_aa_opens_jaw_without_closure(tmp_path):
    audio = _espeak(tmp_path, "ah", "en-us")
    y = _run(audio)
    a, b = _speech_span(audio)
    mid = y[a + (b - a) // 4: b - (b - a) // 4]
    assert mid[:, JAW].max() > 0.3 and mid[:, PRESS].max() < 0.15


@pytest.mark.parametrize("kind", ["zeros", "quiet_noise"])
def test_silence_rests(kind):
    n = 4 * 16000
    x = np.zeros(n, np.float32) if kind == "zeros" else \
        np.random.default_rng(0).normal(0, 3e-4, n).astype(np.float32)
    y = _run(prepare_audio(x, 16000))
    assert np.abs(y).max() < 0.08, np.abs(y).max(axis=0)
