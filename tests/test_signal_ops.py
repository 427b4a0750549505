"""Shared frame-signal helpers (inference/signal_ops.py): masks, the energy gate, smoothers."""

from __future__ import annotations

import numpy as np
import pytest

from inference import signal_ops as S


def _mask(text):
    return np.array([c == "#" for c in text])


def test_runs_fill_gaps_drop_short():
    m = _mask("..##.#...###..#")
    assert S.runs(m) == [(2, 4), (5, 6), (9, 12), (14, 15)]
    assert S.runs(_mask("....")) == [] and S.runs(_mask("##")) == [(0, 2)]
    np.testing.assert_array_equal(S.fill_gaps(m, 1), _mask("..####...###..#"))
    np.testing.assert_array_equal(S.fill_gaps(m, 2), _mask("..####...######"))
    np.testing.assert_array_equal(S.fill_gaps(m, 3), _mask("..#############"))
    np.testing.assert_array_equal(S.drop_short(m, 2), _mask("..##.....###..."))
    np.testing.assert_array_equal(S.drop_short(m, 3), _mask(".........###..."))
    assert m.tolist() == _mask("..##.#...###..#").tolist()  # inputs are not modified


def test_energy_gate_hysteresis_thresholds_and_rest():
    cfg = S.GateConfig(floor_percentile=0, peak_percentile=100, on_fraction=0.5, off_fraction=0.25,
                       on_floor_db=-90, off_floor_db=-90, min_peak_db=-90, min_range_db=10, min_run_frames=1)
    e = np.array([-60, -60, -35, -45, -50, -36, -60, -60, -20, -60], float)
    speech, off_db, peak_db = S.energy_gate(e, cfg)
    assert (off_db, peak_db) == (-50.0, -20.0)
    # on at > -40 (-35), held while > -50 (-45), -50 ends it; -36 re-enters; -20 on
    assert speech.tolist() == [False, False, True, True, False, True, False, False, True, False]
    plain = S.energy_gate(e, S.GateConfig(**{**cfg.__dict__, "off_fraction": 0.5}))[0]
    assert plain.tolist() == (e > -40).tolist()
    assert not S.energy_gate(np.full(10, -30.0), cfg)[0].any()  # no dynamic range: no speech
    quiet = S.GateConfig(**{**cfg.__dict__, "min_peak_db": -10})
    assert not S.energy_gate(e, quiet)[0].any()  # peak below min_peak_db
    short = S.GateConfig(**{**cfg.__dict__, "min_run_frames": 2})
    assert S.energy_gate(e, short)[0].tolist() == [False, False, True, True] + [False] * 6


def test_frame_energy_db_full_scale_sine_and_silence():
    t = np.arange(16000) / 16000
    e = S.frame_energy_db(np.sin(2 * np.pi * 200 * t), 100, hop=160, win=400)
    assert e.shape == (100,) and e.dtype == np.float32
    np.testing.assert_allclose(e[5:-5], 10 * np.log10(0.5), atol=0.05)  # -3 dBFS
    assert np.all(S.frame_energy_db(np.zeros(1600), 10, 160, 400) == -100.0)


def test_smoothers_keep_constants_and_are_zero_phase():
    x = np.zeros(41)
    x[20] = 1.0
    for y in (S.gaussian_smooth(x, 2.0), S.hann_smooth(x, 7)):
        assert int(np.argmax(y)) == 20 and y[20] < 1.0
        np.testing.assert_allclose(y[:20], y[21:][::-1], atol=1e-6)  # symmetric: no lag
    y = S.one_pole_zero_phase(x, 0.03, 100.0)
    assert int(np.argmax(y)) == 20 and y[20] < 0.5
    assert abs(float((np.arange(41) * y).sum() / y.sum()) - 20.0) < 0.01  # forward-backward: no lag
    const = np.full((30, 2), 0.4)
    np.testing.assert_allclose(S.gaussian_smooth(const, 3.0), const, atol=1e-6)
    np.testing.assert_allclose(S.one_pole_zero_phase(const, 0.1, 30.0), const, atol=1e-6)
    assert S.gaussian_smooth(x, 0.0) is x
    np.testing.assert_allclose(S.gaussian_smooth(x, 2.0).sum(), 1.0, atol=1e-6)  # unit-sum kernel
    np.testing.assert_allclose(S.hann_smooth(x, 7).sum(), 1.0)
    ones = np.ones(20)
    np.testing.assert_allclose(S.hann_smooth(ones, 6, edge=True), 1.0)  # edge padding keeps the ends
    assert S.hann_smooth(ones, 6)[0] < 0.9  # zero padding pulls them down


def test_callers_share_the_gate():
    """dsp's and prosody's gates are signal_ops.energy_gate with their own constants."""
    from inference import prosody
    from inference.face import dsp

    rng = np.random.default_rng(0)
    e = np.concatenate([rng.normal(-70, 1, 100), rng.normal(-25, 3, 80), rng.normal(-70, 1, 100)])
    speech, region = dsp.speech_gate(e)
    np.testing.assert_array_equal(speech, S.energy_gate(e, dsp.GATE)[0])
    assert speech[110:170].all() and not speech[:100].any() and not speech[185:].any()
    assert prosody.ENERGY_GATE.on_fraction == prosody.ENERGY_GATE.off_fraction  # a plain threshold
    with pytest.raises(AttributeError):
        dsp.GATE.on_fraction = 0.1  # frozen
