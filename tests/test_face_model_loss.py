"""The training loss terms of training/face_model.py (v1 terms + the v2 fine-tune terms)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from rigs.arkit import SPEECH_CHANNELS  # noqa: E402
from training.face_model import (  # noqa: E402
    CLOSURE_GAP_GOAL,
    JAW_PEAK_MIN,
    face_loss,
)

J = SPEECH_CHANNELS.index("jawOpen")
C = SPEECH_CHANNELS.index("mouthClose")
P = SPEECH_CHANNELS.index("mouthPressLeft")
T = 40


def _sealed_target():
    """(1, T, 31): open vowel, then a bilabial seal on frames 15..24, then open again."""
    y = torch.zeros(1, T, len(SPEECH_CHANNELS))
    y[0, :, J] = 0.5
    y[0, 15:25, C] = 0.5
    y[0, 15:25, J] = 0.1
    y[0, 15:25, P] = 0.4
    return y


def test_defaults_are_the_v1_loss():
    y = _sealed_target()
    p = (y + 0.1 * torch.rand_like(y)).clamp(0, 1)
    m = torch.ones(1, T)
    loss, parts = face_loss(p, y, m)
    again, _ = face_loss(p, y, m, closure_hinge=0.0, jaw_peak_weight=0.0, jaw_corr_weight=0.0)
    assert set(parts) == {"l1", "vel", "gap"}
    assert float(loss) == pytest.approx(parts["l1"] + 20.0 * parts["vel"] + parts["gap"], rel=1e-5)
    assert float(loss) == float(again)


def test_closure_hinge_penalises_half_closed_lips_only():
    y = _sealed_target()
    m = torch.ones(1, T)
    sealed = y.clone()                      # exact target: gap -0.4 on sealed frames
    _, parts = face_loss(sealed, y, m, closure_hinge=1.0)
    assert parts["hinge"] == 0.0
    half = y.clone()
    half[0, 15:25, C] = 0.05                # hedged: gap 0.05 > goal
    half.requires_grad_(True)
    loss, parts = face_loss(half, y, m, closure_hinge=1.0)
    assert parts["hinge"] == pytest.approx(0.05 - CLOSURE_GAP_GOAL, abs=1e-5)
    loss.backward()
    assert (half.grad[0, 15:25, C] < 0).all()   # descent raises mouthClose on the sealed frames


def test_jaw_peak_penalises_under_prediction_not_over_prediction():
    y = _sealed_target()
    m = torch.ones(1, T)
    assert (y[0, :, J] > JAW_PEAK_MIN).sum() == 30
    low = y.clone()
    low[0, :, J] = y[0, :, J] * 0.6
    high = y.clone()
    high[0, :, J] = (y[0, :, J] + 0.2).clamp(0, 1)
    _, p_low = face_loss(low, y, m, jaw_peak_weight=1.0)
    _, p_high = face_loss(high, y, m, jaw_peak_weight=1.0)
    assert p_low["peak"] == pytest.approx(0.2, abs=1e-5)
    assert p_high["peak"] == 0.0


def test_jaw_correlation_term():
    y = _sealed_target()
    m = torch.ones(1, T)
    scaled = y.clone()
    scaled[0, :, J] = 0.2 + 0.5 * y[0, :, J]          # r = 1 whatever the scale
    _, parts = face_loss(scaled, y, m, jaw_corr_weight=1.0)
    assert parts["corr"] == pytest.approx(0.0, abs=1e-4)
    flipped = y.clone()
    flipped[0, :, J] = 0.6 - y[0, :, J]               # r = -1
    _, parts = face_loss(flipped, y, m, jaw_corr_weight=1.0)
    assert parts["corr"] == pytest.approx(2.0, abs=1e-4)
    flat = torch.zeros_like(y)                         # no jaw movement in the target: term ignored
    _, parts = face_loss(torch.rand_like(y), flat, m, jaw_corr_weight=1.0)
    assert parts["corr"] == 0.0


def test_seal_output_recipe_targets_and_gap():
    """v3 recipe: mouthClose trained as the seal fraction; the gap is jawOpen * (1 - seal)."""
    import numpy as np

    from training.face_model import lip_gap, seal_targets

    j, c = SPEECH_CHANNELS.index("jawOpen"), C
    t = np.zeros((3, len(SPEECH_CHANNELS)), np.float32)
    t[0, [j, c]] = 0.06, 0.06          # sealed bilabial
    t[1, [j, c]] = 0.4, 0.1            # quarter seal
    t[2, [j, c]] = 0.0, 0.0            # rest
    s = seal_targets(t)
    assert s[0, c] == pytest.approx(1.0) and s[1, c] == pytest.approx(0.25) and s[2, c] == 0.0
    g = lip_gap(torch.from_numpy(s), seal_output=True)
    assert g[0] == pytest.approx(0.0) and g[1] == pytest.approx(0.3)


def test_onnx_checkpoint_rebuilds_the_shipped_network(tmp_path):
    from training.onnx_to_torch import main

    assert main(["--out", str(tmp_path / "v2.pt")]) == 0
    assert (tmp_path / "v2.pt").is_file()


def test_jaw_correlation_gradient_is_finite_on_a_crop_with_a_flat_target():
    """A crop whose target jaw never moves (a long pause) is skipped by the correlation term; its
    gradient must stay finite too (sqrt'(0) once turned a whole training run into NaN)."""
    torch.manual_seed(0)
    pred = torch.rand(2, 50, len(SPEECH_CHANNELS), requires_grad=True)
    target = torch.rand(2, 50, len(SPEECH_CHANNELS))
    target[1] = 0.0
    loss, _ = face_loss(pred, target, torch.ones(2, 50), closure_hinge=2.0, jaw_peak_weight=1.0,
                        jaw_corr_weight=0.3, seal_output=True)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(pred.grad).all()
