"""Lip-sync runtime (onnxruntime): ONNX == torch, seamless chunking, bounded memory, SHA-256 refusal.

These tests export a small randomly initialised network with the project's own export code, so
they exercise the runtime without the shipped weights; tests of the shipped model's behaviour
are in tests/test_face_model.py.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from inference.audio import AudioError, prepare_audio
from inference.face.lipsync import MODEL_NAME, LipSyncBackend
from inference.features import log_mel
from inference.options import GenerateOptions
from inference.runtime import ModelFileError, create_session, sha256_of
from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES, SPEECH_CHANNELS

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from training.export_face import export
    from training.face_model import FaceModelDims, LipSyncNet

    torch.manual_seed(0)
    model = LipSyncNet(FaceModelDims(channels=24, conv_layers=2, gru_hidden=12)).eval()
    model.mel_mean.fill_(-5.0)
    model.mel_std.fill_(4.0)
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    export(model, str(path))
    return model, str(path), sha256_of(path)


def _speech(n_s: float, seed: int = 0, rate: int = 16000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(n_s * rate)
    t = np.arange(n) / rate
    env = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) * (np.sin(2 * np.pi * 0.2 * t) > -0.3)
    return (env * (0.3 * np.sin(2 * np.pi * 150 * t) + rng.normal(0, 0.05, n))).astype(np.float32)


def test_onnx_and_torch_agree(tiny_model):
    from training.export_face import max_difference

    model, path, _ = tiny_model
    assert max_difference(model, path, lengths=(1, 33, 1000)) < 1e-4
    # And on real features end to end.
    x = log_mel(_speech(3.0))[None]
    sess, _ = create_session(path, sha256_of(path), "cpu")
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    assert np.abs(sess.run(None, {"log_mel": x})[0] - ref).max() < 1e-4


def test_chunking_has_no_seams(tiny_model):
    _, path, sha = tiny_model
    x = _speech(25.0, seed=1)
    sess, _ = create_session(path, sha, "cpu")
    whole = sess.run(None, {"log_mel": log_mel(x)[None]})[0][0]
    chunked = LipSyncBackend(path, sha, chunk_frames=400, context_frames=300, fade_frames=30).predict(sess, x)
    assert chunked.shape == whole.shape == (2500, len(SPEECH_CHANNELS))
    # Differences from one whole-clip run stay far below what a shape key can show (1/1000).
    assert np.abs(chunked - whole).max() < 1e-3
    # No step at the chunk boundaries beyond the curve's ordinary frame-to-frame change.
    d = np.abs(np.diff(chunked, axis=0)).max(axis=1)
    assert d[399:2500:400].max() <= d.max() + 1e-6


@pytest.mark.parametrize("frames", [1, 3, 19, 400, 401, 419, 420, 421, 799, 800, 801])
def test_any_length_matches_whole_run(tiny_model, frames):
    """Clips shorter than a fade, exactly one chunk, a chunk plus a few frames, ... all work."""
    _, path, sha = tiny_model
    x = _speech(frames * 160 / 16000 + 1e-9, seed=5)[: frames * 160]
    sess, _ = create_session(path, sha, "cpu")
    whole = sess.run(None, {"log_mel": log_mel(x)[None]})[0][0]
    got = LipSyncBackend(path, sha, chunk_frames=400, context_frames=300, fade_frames=40).predict(sess, x)
    assert got.shape == whole.shape == (frames, len(SPEECH_CHANNELS))
    assert np.abs(got - whole).max() < 2e-3


def test_run_fills_speech_channels_only_and_reports_provider(tiny_model):
    _, path, sha = tiny_model
    audio = prepare_audio(_speech(2.0), 16000)
    track = LipSyncBackend(path, sha).run(audio, GenerateOptions(device="cpu"))
    assert track.fps == 100.0 and track.arkit.shape == (200, 52) and track.arkit.dtype == np.float32
    assert track.device == "CPUExecutionProvider" and track.model == MODEL_NAME
    other = [i for i, n in enumerate(ARKIT_NAMES) if n not in SPEECH_CHANNELS]
    assert np.all(track.arkit[:, other] == 0) and track.arkit[:, ARKIT_INDEX["jawOpen"]].std() > 0


def test_corrupt_or_missing_model_is_refused(tiny_model, tmp_path):
    _, path, sha = tiny_model
    bad = tmp_path / "bad.onnx"
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    audio = prepare_audio(_speech(1.0), 16000)
    with pytest.raises(ModelFileError, match="SHA-256 mismatch"):
        LipSyncBackend(str(bad), sha).run(audio, GenerateOptions(device="cpu"))
    with pytest.raises(ModelFileError, match="not found.*Fast \\(no model\\)"):
        LipSyncBackend(str(tmp_path / "nothing.onnx"), sha).run(audio, GenerateOptions(device="cpu"))


def test_ten_minutes_in_bounded_memory(tiny_model):
    _, path, sha = tiny_model
    backend = LipSyncBackend(path, sha)
    sess, _ = create_session(path, sha, "cpu")
    one = np.tile(_speech(10.0, seed=2), 6)                   # 1 min
    ten = np.tile(one, 10)                                    # 10 min, 38 MB of samples
    peaks = {}
    for name, x in (("1min", one), ("10min", ten)):
        tracemalloc.start()
        y = backend.predict(sess, x)
        peaks[name] = tracemalloc.get_traced_memory()[1] - y.nbytes
        tracemalloc.stop()
        assert y.shape == (-(-x.shape[0] // 160), len(SPEECH_CHANNELS))
    # Working memory beyond the output itself does not grow with the audio length.
    assert peaks["10min"] < 1.5 * peaks["1min"] + 2e6, peaks
    assert peaks["10min"] < 45e6, peaks  # one chunk's FFT work space (complex128), ~35 MB


@pytest.mark.parametrize("case", ["empty", "nan", "one_sample"])
def test_invalid_audio_raises_clear_error(case):
    x = {"empty": np.zeros(0, np.float32), "nan": np.full(16000, np.nan, np.float32),
         "one_sample": np.zeros(1, np.float32)}[case]
    with pytest.raises(AudioError, match="audio"):
        prepare_audio(x, 16000)


@pytest.mark.parametrize("rate,channels", [(8000, 1), (16000, 2), (96000, 1), (44100, 2)])
def test_other_rates_and_stereo_give_correct_frame_counts(tiny_model, rate, channels):
    _, path, sha = tiny_model
    x = _speech(2.5, seed=3, rate=rate)
    if channels == 2:
        x = np.stack([x, 0.5 * x], axis=1)
    audio = prepare_audio(x, rate)
    track = LipSyncBackend(path, sha).run(audio, GenerateOptions(device="cpu"))
    assert track.arkit.shape == (250, 52) and np.all(np.isfinite(track.arkit))
    # the same speech at 16 kHz mono: the jaw follows the same syllables (8 kHz loses > 4 kHz: 0.96)
    ref = LipSyncBackend(path, sha).run(prepare_audio(_speech(2.5, seed=3), 16000), GenerateOptions(device="cpu"))
    jaw = ARKIT_INDEX["jawOpen"]
    assert np.corrcoef(track.arkit[:, jaw], ref.arkit[:, jaw])[0, 1] > 0.9


def test_all_zeros_input_rests_exactly(tiny_model):
    _, path, sha = tiny_model
    track = LipSyncBackend(path, sha).run(prepare_audio(np.zeros(8000, np.float32), 16000),
                                          GenerateOptions(device="cpu"))
    assert track.arkit.shape == (50, 52) and np.all(track.arkit == 0.0)  # the silence gate: neutral face


def test_speech_gate_weight():
    from inference.face.lipsync import speech_weight

    x = np.zeros(5 * 16000, np.float32)
    x[2 * 16000:3 * 16000] = _speech(1.0, seed=6)[:16000] + 0.2 * np.sin(np.arange(16000) / 3.0)
    x += np.random.default_rng(0).normal(0, 1e-4, x.shape[0]).astype(np.float32)
    w = speech_weight(x)
    assert w.shape == (500,) and w.dtype == np.float32
    assert np.all(w[:150] == 0) and np.all(w[360:] == 0)     # silence: rest
    assert np.all(w[205:295] == 1)                           # speech: untouched
    assert 0 < w[194] <= 1                                    # lips may prepare ~80 ms early
    assert np.all(speech_weight(np.zeros(16000, np.float32)) == 0)
