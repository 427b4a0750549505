"""Generate from the scene's sound strips (bpy 5.0): one strip, or every strip on a channel mixed at
their frame offsets into one continuous result; undo; clear errors without strips."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike


def test_generate_from_the_strips_of_a_channel_as_one_result(tmp_path):
    a = write_speechlike(tmp_path / "a.wav", silence_s=0.2, speech_s=1.5)
    b = write_speechlike(tmp_path / "b.wav", silence_s=0.3, speech_s=1.5)
    res, _ = run_scenario("timeline_audio", a=str(a), b=str(b))
    assert res["poll_without_strips"] is False
    if "skip" in res:
        pytest.skip(res["skip"])
    assert res["r"] == ["FINISHED"] and res["name"] == "channel 2 - Face (Face)"
    (a0, a1), (b0, b1) = res["ranges"]
    frames, jaw = np.array(res["frames"]), np.array(res["jaw"])
    assert frames[0] == a0 == 10 and b0 == 109
    assert frames[-1] == pytest.approx(b1 - 1, abs=1)     # one continuous result to the last strip's end
    assert np.all(np.diff(frames) == 1)
    gap = (frames > a1 + 5) & (frames < b0 - 3)
    first = (frames > a0 + 8) & (frames < a1 - 3)
    second = (frames > b0 + 3) & (frames < b1 - 3)
    assert jaw[gap].max() < 0.05                           # silence between the strips
    assert jaw[first].std() > 0.02 and jaw[second].std() > 0.02
    assert res["after_undo"]
    assert res["r_strip"] == ["FINISHED"] and res["strip_name"] == "second - Face (Face)"
    assert res["strip_first"] == 109 and res["poll_bad_name"] is False
