"""EMAGE face: FLAME -> ARKit by bounded least squares, and the ``emage`` face backend."""

from __future__ import annotations

import numpy as np
import pytest

from inference import backends
from inference.audio import prepare_audio
from inference.emage.face import flame_to_arkit
from inference.errors import InputError
from inference.face.flame import FlameMap, load_flame_map
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_INDEX

from test_emage_checkpoint import fixture


def _map(seed=0) -> FlameMap:
    rng = np.random.default_rng(seed)
    return FlameMap(expression=rng.normal(size=(52, 100)).astype(np.float32),
                    jaw=rng.normal(scale=0.1, size=(52, 3)).astype(np.float32),
                    expression_bias=rng.normal(size=100).astype(np.float32),
                    jaw_bias=np.zeros(3, np.float32))


def test_recovers_arkit_inside_the_box_and_clips_outside():
    fmap = _map()
    rng = np.random.default_rng(1)
    arkit = rng.uniform(0, 1, size=(40, 52)).astype(np.float32)
    jo, mc = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
    arkit[:, mc] = np.minimum(arkit[:, mc], arkit[:, jo])
    expr = arkit @ fmap.expression + fmap.expression_bias
    jaw = arkit @ fmap.jaw + fmap.jaw_bias
    back = flame_to_arkit(expr, jaw, fmap)
    np.testing.assert_allclose(back, arkit, atol=1e-3)
    # a target outside the box: result stays in [0, 1] and no worse than clipping the exact solution
    wild = (2.0 * arkit - 0.5) @ fmap.expression + fmap.expression_bias
    wild_jaw = (2.0 * arkit - 0.5) @ fmap.jaw
    out = flame_to_arkit(wild, wild_jaw, fmap)
    assert out.min() >= 0 and out.max() <= 1 and np.all(out[:, mc] <= out[:, jo])
    m = np.concatenate([fmap.expression, fmap.jaw], 1)
    b = np.concatenate([wild - fmap.expression_bias, wild_jaw], 1)
    naive = np.clip(2.0 * arkit - 0.5, 0, 1)
    assert np.linalg.norm(out @ m - b) <= np.linalg.norm(naive @ m - b) + 1e-3


def test_face_backend_needs_a_map_and_shares_the_body_run(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    from inference.emage import backend as B
    from inference.emage.runner import EmageModel

    fmap = _map()
    path = tmp_path / "arkit_flame.npy"
    np.save(path, np.concatenate([fmap.expression, fmap.jaw], axis=1))
    z = np.load(fixture("cases", "speech_6s.npz"))
    audio = prepare_audio(z["input_audio"][:48000], 16000)
    root = str(fixture("weights_small"))
    assert "emage" in backends.face_backend_names()
    with pytest.raises(InputError, match="ARKit -> FLAME matrix"):
        backends.get_face_backend("emage").run(audio, GenerateOptions(backend_options={"emage": {"checkpoint": root}}, device="cpu"))
    calls = []
    orig = EmageModel.infer
    monkeypatch.setattr(EmageModel, "infer", lambda self, *a, **k: calls.append(1) or orig(self, *a, **k))
    B._LAST.clear()
    opts = GenerateOptions(backend_options={"emage": {"checkpoint": root}}, device="cpu", flame_map_path=str(path))
    face = backends.get_face_backend("emage").run(audio, opts)
    body = backends.get_body_backend("emage").run(audio, opts)
    assert len(calls) == 1  # one EMAGE run for face and body
    assert face.arkit.shape == (90, 52) and face.fps == 30.0
    assert face.arkit.min() >= 0 and face.arkit.max() <= 1
    jo, mc = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
    assert np.all(face.arkit[:, mc] <= face.arkit[:, jo])
    # the curves reproduce EMAGE's expression through the user's map as well as the box allows
    lm = load_flame_map(path)
    recon = face.arkit @ lm.expression + lm.expression_bias
    free = np.linalg.lstsq(lm.expression.T, (body.expression - lm.expression_bias).T, rcond=None)[0].T
    assert np.linalg.norm(recon - body.expression) <= np.linalg.norm(np.clip(free, 0, 1) @ lm.expression
                                                                     + lm.expression_bias - body.expression) + 1e-2
