"""Target rules of issue 17: the mouth opens on every vowel nucleus, is shut only on bilabials and
at rest, and ``mouthClose <= jawOpen`` always; the same rules on the network's output (part_lips)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.face.lipsync import PART_JAW_FLOOR, part_lips
from inference.face.targets import VOWELS, phones_to_arkit
from rigs.arkit import arkit_index

FPS = 100.0
JAW, CLOSE = arkit_index("jawOpen"), arkit_index("mouthClose")
#: Lip opening in jawOpen units (ARKit: mouthClose cancels the jaw's lip opening).
OPEN_NUCLEUS = 0.08  # ~3.2 mm on the reference head: a 55 ms vowel between bilabials is mostly their ramps
SHUT = 0.02

# "the big dog sat still by my window", CMU phones with fast connected-speech durations (55-90 ms)
PHONES = ("dh ah b ih g d ao g s ae t s t ih l b ay m ay w ih n d ow").split()


def sequence(phones, dur_s):
    t = 0.3 + np.cumsum([0.0] + list(dur_s))
    return ["sil", *phones, "sil"], np.r_[0.0, t[:-1], t[-1]], np.r_[0.3, t[1:], t[-1] + 0.4]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_vowel_nucleus_opens_and_only_bilabials_shut(seed):
    rng = np.random.default_rng(seed)
    dur = rng.uniform(0.055, 0.09, len(PHONES))
    labels, start, end = sequence(PHONES, dur)
    n = int(np.ceil(end[-1] * FPS)) + 1
    a = phones_to_arkit(start, end, labels, FPS, n)
    opening = a[:, JAW] - a[:, CLOSE]
    assert np.all(a[:, CLOSE] <= a[:, JAW] + 1e-6)
    for s, e, lab in zip(start, end, labels):
        i0, i1 = int(np.ceil(s * FPS)), int(np.ceil(e * FPS))
        if lab in VOWELS:
            assert opening[i0:i1].max() >= OPEN_NUCLEUS, (lab, s, opening[i0:i1].max())
        elif lab in ("p", "b", "m"):
            assert opening[i0:i1].min() <= SHUT, (lab, s)
        elif lab != "sil":
            # a non-bilabial consonant keeps the lips apart at its centre (its edges may be the
            # ramp into or out of a neighbouring bilabial's closure)
            c = int(round(0.5 * (s + e) * FPS))
            assert opening[c] > SHUT, (lab, s, opening[c])


def test_short_vowel_between_bilabials_still_opens():
    labels, start, end = sequence(["m", "ah", "m", "ih", "p"], [0.07, 0.06, 0.07, 0.06, 0.08])
    a = phones_to_arkit(start, end, labels, FPS, int(np.ceil(end[-1] * FPS)) + 1)
    opening = a[:, JAW] - a[:, CLOSE]
    for s, e, lab in zip(start, end, labels):
        seg = opening[int(np.ceil(s * FPS)):int(np.ceil(e * FPS))]
        if lab in VOWELS:
            assert seg.max() >= OPEN_NUCLEUS
        elif lab != "sil":
            assert seg.min() <= SHUT


def test_part_lips_floors_unsealed_speech_and_keeps_seals_and_rest():
    t = 60
    a = np.zeros((t, 52), np.float32)
    a[:, JAW] = 0.02                      # network nearly shut everywhere
    a[20:25, CLOSE] = 0.02                # a sealed bilabial
    speech = np.zeros(t, np.float32)
    speech[10:50] = 1.0
    out = part_lips(a, speech)
    assert np.all(out[:, CLOSE] <= out[:, JAW] + 1e-6)
    assert np.allclose(out[30:50, JAW], PART_JAW_FLOOR)            # unsealed speech: lips apart
    assert np.allclose(out[20:25, JAW] - out[20:25, CLOSE], 0.0, atol=1e-6)  # seal kept
    assert np.all(out[:10, JAW] < 0.05) and np.all(out[50:, JAW] < 0.05)    # rest untouched
    with pytest.raises(ValueError, match="speech"):
        part_lips(a, speech[:10])
