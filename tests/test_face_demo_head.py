"""The demo head's mouth keys move the lips like Apple's ARKit reference head's.

For every jaw/mouth key, the inner-lip gap change per unit weight at the mouth midline, in units of
jawOpen's own lip opening, must match the reference head's (tools/eval/reference_head.py) within
0.02 + 15 %. So what the demo shows (crossed lips included) is what a real ARKit rig shows.
"""

from __future__ import annotations

import pytest

from tools.eval.reference_head import REFERENCE_HEAD_GLB, demo_head_gauge, lip_gauge, mouth_key_response


@pytest.mark.skipif(not REFERENCE_HEAD_GLB.is_file(), reason="../shared/data (ARKit reference head) absent")
def test_every_mouth_key_moves_the_lips_like_the_reference_head():
    ref = mouth_key_response(lip_gauge())
    demo = mouth_key_response(demo_head_gauge())
    ref_n = {k: v / ref["jawOpen"] for k, v in ref.items()}
    demo_n = {k: v / demo["jawOpen"] for k, v in demo.items()}
    off = {k: (round(demo_n[k], 3), round(ref_n[k], 3)) for k in ref_n
           if abs(demo_n[k] - ref_n[k]) > 0.02 + 0.15 * abs(ref_n[k])}
    assert not off, f"demo vs reference lip-gap response (per jawOpen opening): {off}"


def test_demo_head_lips_meet_at_rest_and_mouth_close_cancels_jaw_open():
    g = demo_head_gauge()
    r = mouth_key_response(g)
    assert 0.0 <= g.rest_gap_mm < 2.0 and r["jawOpen"] > 15.0
    assert r["mouthClose"] == pytest.approx(-r["jawOpen"], rel=0.03)
