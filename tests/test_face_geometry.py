"""Geometric lip-sync check on Apple's ARKit reference head (tools/eval/reference_head.py, tools/eval/face_metrics.py).

CI gate: on the bundled clip and the shared real speech, no frame has the lips crossing by more
than 2 mm on the reference head (skips when ../shared/data is absent). The metric functions are
tested on hand-made gap curves without shared data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rigs.arkit import ARKIT_INDEX
from tools.eval.reference_head import REFERENCE_HEAD_GLB
from tools.eval.face_metrics import CROSS_MM, clip_sums, pool, summarize

REPO = Path(__file__).resolve().parents[1]
needs_head = pytest.mark.skipif(not REFERENCE_HEAD_GLB.is_file(), reason="../shared/data (ARKit reference head) absent")


def test_metrics_on_hand_made_gaps():
    fps = 100.0
    gap = np.full(100, 8.0)
    gap[:10] = gap[90:] = 0.15                                   # rest in the pauses
    gap[30:36] = 0.0                                              # /m/ 0.30-0.36 closed cleanly
    gap[60:66] = -5.0                                             # /p/ 0.60-0.66 closed by crossing
    phones = ([0.0, 0.1, 0.3, 0.36, 0.6, 0.66, 0.9], [0.1, 0.3, 0.36, 0.6, 0.66, 0.9, 1.0],
              ["sil", "aa", "m", "aa", "p", "aa", "sil"])
    s = summarize(pool([clip_sums(gap, 0.15, fps, phones)]))
    assert s["closure"] == 1.0 and s["clean_closure"] == 0.5
    assert s["cross_share"] == pytest.approx(6 / 80) and s["min_gap_mm"] == -5.0
    assert s["open_median_mm"] == 8.0 and s["aperture_r"] > 0.5


@needs_head
def test_inner_lip_pair_found_and_responses_match_apple_semantics():
    from tools.eval.reference_head import lip_gauge, mouth_key_response

    g = lip_gauge()
    r = mouth_key_response(g)
    assert abs(g.rest_gap_mm) < 1.0                     # lips together at rest
    assert 30.0 < r["jawOpen"] < 60.0                   # jawOpen = 1 opens the lips by ~4 cm
    assert r["mouthClose"] == pytest.approx(-r["jawOpen"], rel=0.05)   # mouthClose cancels it
    a = np.zeros((1, 52))
    a[0, ARKIT_INDEX["jawOpen"]], a[0, ARKIT_INDEX["mouthClose"]] = 0.05, 0.75   # pre-v3 "PP"
    assert g.gap_mm(a)[0] < -20.0                       # what the old bilabial did: crossed lips


def _real_clips():
    from tools.eval.face_geometry import clips

    return [Path(c["path"]) for c in clips("test")]


@needs_head
@pytest.mark.parametrize("backend", ["default", "fast"])
def test_lips_never_cross_more_than_2mm_on_real_speech(backend):
    from inference.audio import load_audio
    from inference.generate import generate
    from inference.options import GenerateOptions
    from tools.eval.reference_head import lip_gauge

    g = lip_gauge()
    paths = [REPO / "assets" / "demo_speech.flac"] + _real_clips()
    worst = {}
    for path in paths:
        audio = load_audio(path)
        for intensity in (1.0, 2.0):
            perf = generate(audio, GenerateOptions(body=False, face_model=backend, fps=30.0,
                                                   intensity=intensity))
            worst[(path.name, intensity)] = float(g.gap_mm(perf.arkit).min())
    bad = {k: v for k, v in worst.items() if v < -CROSS_MM}
    assert not bad, f"lips cross by more than {CROSS_MM} mm: {bad}"
