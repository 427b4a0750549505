"""Regenerate a frame range (bpy): new values inside, blended at both ends, the rest untouched;
edits stay on top; bad ranges change nothing; undo."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike


def test_regenerate_a_range_blends_in_and_leaves_the_rest(tmp_path):
    a = write_speechlike(tmp_path / "a.wav", silence_s=0.3, speech_s=2.0)
    b = write_speechlike(tmp_path / "b.wav", silence_s=0.1, speech_s=2.2)
    res, _ = run_scenario("range_regenerate", a=str(a), b=str(b))
    assert res["r"] == ["FINISHED"] and res["r2"] == ["FINISHED"]
    jaw_a, jaw_b, jaw_r = (np.array(res[k]["jaw"]) for k in ("A", "B", "R"))
    assert np.abs(jaw_a - jaw_b).max() > 0.05             # the two clips differ
    f = np.arange(1, 80)
    outside = (f < 30 - 6) | (f > 50 + 6)
    inside = (f >= 30) & (f <= 50)
    np.testing.assert_allclose(jaw_r[outside], jaw_a[outside], atol=1e-6)
    np.testing.assert_allclose(jaw_r[inside], jaw_b[inside], atol=1e-5)
    for k in ("A", "B", "R"):
        res[k]["elbow"] = np.array(res[k]["elbow"])
    np.testing.assert_allclose(res["R"]["elbow"][:, outside], res["A"]["elbow"][:, outside], atol=1e-6)
    # blends: no step larger than the larger of the two clips' own steps at the joins
    steps = np.abs(np.diff(jaw_r))
    assert steps.max() <= max(np.abs(np.diff(jaw_a)).max(), np.abs(np.diff(jaw_b)).max()) + 0.02
    assert len(res["names"]) == 2 and not res["edited"]   # changed in place, digest refreshed
    np.testing.assert_allclose(res["undo"]["jaw"], jaw_a, atol=1e-6)
    assert res["jaw10"] == pytest.approx(0.95) and res["active"] == "a - Face (Face) edits"
    # the base has the plain name (never '.001'); the edited action is kept, held by its edit layer
    assert res["base_name"] == ["a - Face (Face)", "a - Face (Face)"]
    assert ["a - Face (Face) (edited)", 1, False] in res["actions2"]
    assert all(users - fake >= 1 for _name, users, fake in res["actions2"]), res["actions2"]
    # an edited base strip: the range regenerates a copy under the plain name; the artist's base is kept as
    # '<name> (edited)', held by the datablock (an ID pointer: a real user), never with only a fake user
    assert res["r3"] == ["FINISHED"] and res["base_name3"] == ["a - Face (Face)", "a - Face (Face)"]
    assert len(res["held3"]) == 1 and res["held3"][0].startswith("a - Face (Face) (edited)")
    assert res["kept_jaw40"] == pytest.approx(0.61, abs=1e-6)
    assert all(users - fake >= 1 and not fake for _name, users, fake in res["actions3"]), res["actions3"]
    base = np.array(res["base_jaw"])
    np.testing.assert_allclose(base[inside], jaw_b[inside], atol=1e-5)
    assert "range 5000-5100" in res["err"] and res["unchanged"]
