"""ARKit mouth semantics at every layer: mouthClose never exceeds jawOpen.

Apple's ARFaceAnchor.BlendShapeLocation: mouthClose is "closure of the lips independent of jaw
position" -- it cancels the lip opening of jawOpen. On Apple's reference head (lip gap per unit:
jawOpen +40.5 mm, mouthClose -40.9 mm) a mouthClose above jawOpen drives the lips through each
other; the pre-v3 code did exactly that (PP viseme mouthClose 0.75 at jawOpen 0.05, DSP
``0.7 * closure`` with the jaw pulled to 0, fallback PP template mouthClose 0.6 with no jaw).
"""

from __future__ import annotations

import numpy as np
import pytest

from inference.audio import prepare_audio
from inference.face import dsp
from inference.face.lipsync import SEAL_FULL_CLOSE, SEAL_ON_CLOSE, seal_from_network
from inference.face.visemes import load_tables
from inference.generate import generate
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_INDEX, SEALED_LIMITS, enforce_lip_seal
from rigs.face_fallback import viseme_templates, VISEME_SETS, arkit_to_visemes

JAW, CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]


def test_enforce_caps_close_and_limits_sealed_press():
    a = np.zeros((3, 52), np.float32)
    a[0, [JAW, CLOSE]] = 0.05, 0.75                     # the pre-v3 bilabial: crossed lips
    a[0, ARKIT_INDEX["mouthPressLeft"]] = 0.55
    a[1, [JAW, CLOSE]] = 0.5, 0.2                       # partial seal: unchanged
    a[2, ARKIT_INDEX["mouthRollLower"]] = 0.6           # /f/ lip tuck, no seal: unchanged
    b = enforce_lip_seal(a)
    assert b[0, CLOSE] == pytest.approx(0.05) and b[0, ARKIT_INDEX["mouthPressLeft"]] == pytest.approx(
        SEALED_LIMITS["mouthPressLeft"])
    np.testing.assert_array_equal(b[1:], a[1:])
    with pytest.raises(ValueError, match="arkit: expected shape"):
        enforce_lip_seal(np.zeros((3, 51)))


def test_viseme_table_and_fallback_templates_are_sealed_not_crossed():
    t = load_tables()
    assert (t.weights[:, CLOSE] <= t.weights[:, JAW] + 1e-6).all()
    pp = t.weights[t.names.index("PP")]
    assert pp[CLOSE] == pytest.approx(pp[JAW]) and pp[JAW] <= 0.08
    for name, limit in SEALED_LIMITS.items():
        assert pp[ARKIT_INDEX[name]] <= limit + 1e-6, name
    names = VISEME_SETS["oculus"]
    v = viseme_templates(names)
    assert (v[CLOSE] <= v[JAW] + 1e-9).all()
    # the bilabial ARKit pose still maps to the PP viseme
    w = arkit_to_visemes(pp[None], names)[0]
    assert names[int(np.argmax(w))] == "PP"


def test_network_close_is_read_as_seal_fraction():
    a = np.zeros((3, 52), np.float32)
    a[0, [JAW, CLOSE]] = 0.08, SEAL_FULL_CLOSE          # full seal
    a[1, [JAW, CLOSE]] = 0.4, SEAL_ON_CLOSE + (SEAL_FULL_CLOSE - SEAL_ON_CLOSE) / 4   # a quarter seal
    a[2, [JAW, CLOSE]] = 0.3, SEAL_ON_CLOSE / 2         # a weak mid-syllable value: no seal
    b = seal_from_network(a)
    assert b[0, CLOSE] == pytest.approx(0.08) and b[1, CLOSE] == pytest.approx(0.1) and b[2, CLOSE] == 0


def test_dsp_bilabial_is_sealed_not_crossed():
    t = np.arange(32000) / 16000
    # a voiced vowel (harmonics of 150 Hz) with 60 ms near-silent stop closures inside it
    x = sum(0.3 / k * np.sin(2 * np.pi * 150 * k * t) for k in range(1, 12))
    for c in np.arange(0.3, 1.8, 0.25):
        x[int(c * 16000):int((c + 0.06) * 16000)] *= 0.003
    x[:3000] = 0
    x[-3000:] = 0
    y = dsp.dsp_arkit(x.astype(np.float32))
    assert (y[:, CLOSE] <= y[:, JAW] + 1e-6).all()
    sealed = (y[:, JAW] <= 0.08) & (y[:, JAW] - y[:, CLOSE] <= 0.02) & (y[:, CLOSE] > 0.03)
    assert sealed.any()


@pytest.mark.parametrize("intensity", [1.0, 2.0])
def test_generate_keeps_close_below_jaw_under_intensity(intensity):
    rng = np.random.default_rng(2)
    x = (0.2 * np.sin(2 * np.pi * 150 * np.arange(48000) / 16000) * (rng.uniform(size=48000) > 0.3))
    x[16000:17000] *= 0.002
    audio = prepare_audio(x.astype(np.float32), 16000)
    perf = generate(audio, GenerateOptions(body=False, face_model="fast", intensity=intensity,
                                           smoothing=0.5))
    assert (perf.arkit[:, CLOSE] <= perf.arkit[:, JAW] + 1e-6).all()
