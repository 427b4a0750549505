"""A 10-minute input: completes, memory stays bounded, no drift, no noticeable repetition."""

import tracemalloc

import numpy as np

from inference.audio import Audio
from inference.body import planner, procedural
from inference.options import GenerateOptions, GestureStyle
from inference.prosody import analyze_prosody
from tests.test_body import SR, speech_like


def test_ten_minutes_runs_bounded_and_varied():
    # 10 minutes built from different 30 s synthetic utterances
    x = np.concatenate([speech_like(30.0, seed=100 + k) for k in range(20)])
    audio = Audio(x, SR, SR)
    assert audio.duration_s >= 599.0
    tracemalloc.start()
    try:
        # exactly what ProceduralBody.run does, split so the prosody is analysed once
        prosody = analyze_prosody(audio)
        quats, transl = procedural.synthesize(prosody, audio.duration_s, 30.0, 18000, GenerateOptions(seed=0))
        peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    assert quats.shape == (18000, 55, 4) and np.all(np.isfinite(quats))
    assert peak_mb < 600  # Python-visible peak; ~0.3 MB per second of audio
    # steps never wander off: the stance stays within stepping.MAX_TRAVEL_M (+ sway) of the start
    assert np.abs(transl[:, [0, 2]] - transl[0, [0, 2]]).max() < 0.55
    assert np.abs(transl[:, [0, 2]] - transl[0, [0, 2]]).max() > 0.05
    # gestures keep coming over the whole 10 minutes, and they do not repeat
    plan = planner.plan_gestures(prosody, audio.duration_s, GestureStyle(), seed=0)
    apex = np.array([s.apex_s for s in plan.strokes])
    assert len(apex) > 100 and apex.max() > 570.0
    minutes = np.bincount((apex // 60).astype(int), minlength=10)
    assert minutes.min() > 0.3 * minutes.mean()
    same_in_a_row = np.mean([(a.gtype, a.hands) == (b.gtype, b.hands) for a, b in zip(plan.strokes, plan.strokes[1:])])
    assert same_in_a_row < 0.5
    # no two strokes of the same type and hand land on (almost) the same key pose within 30 s
    near = 0
    for i, a in enumerate(plan.strokes):
        for b in plan.strokes[i + 1:]:
            if b.apex_s - a.apex_s > 30.0:
                break
            if (a.gtype, a.hands) == (b.gtype, b.hands) and np.linalg.norm(np.subtract(a.apex_wrist_m, b.apex_wrist_m)) < 0.01:
                near += 1
    assert near <= 0.02 * len(plan.strokes)
    types = {s.gtype for s in plan.strokes}
    assert types == {"beat", "open_palm", "frame", "point"}
