"""The inference contract: Performance validation, time base, audio loading."""

import numpy as np
import pytest
import soundfile as sf

from inference.audio import SAMPLE_RATE_HZ, AudioError, load_audio, prepare_audio
from inference.performance import Performance
from inference.timebase import num_frames, resample_frames, scene_rate, seconds_to_frames


def test_performance_rejects_bad_shapes_and_ranges():
    ok = np.zeros((10, 52), np.float32)
    Performance(30.0, ok)
    with pytest.raises(ValueError, match=r"arkit: expected shape \('T', 52\), found \(10, 51\)"):
        Performance(30.0, np.zeros((10, 51), np.float32))
    with pytest.raises(ValueError, match=r"arkit: expected values in \[0, 1\]"):
        Performance(30.0, ok + 2)
    with pytest.raises(ValueError, match="smplx_poses: expected shape"):
        Performance(30.0, ok, smplx_poses=np.zeros((9, 55, 3), np.float32))
    with pytest.raises(ValueError, match="float32"):
        Performance(30.0, ok.astype(np.float64))


def test_timebase_respects_fps_base():
    rate = scene_rate(30, 1.001)
    assert rate == pytest.approx(29.97002997)
    assert num_frames(2.0, 30.0) == 60
    assert num_frames(2.0, rate) == 60  # 59.94 -> 60
    assert seconds_to_frames(1.0, rate) == pytest.approx(29.97002997)
    with pytest.raises(ValueError, match="fps_base"):
        scene_rate(30, 0)


def test_resample_frames_linear():
    x = np.arange(11, dtype=np.float32)[:, None]  # 10 fps ramp over 1 s
    y = resample_frames(x, 10.0, 20.0, 21)
    assert y.shape == (21, 1)
    assert np.allclose(y[:, 0], np.arange(21) / 2.0)


@pytest.mark.parametrize("rate,channels", [(8000, 1), (44100, 2), (96000, 1), (16000, 1)])
def test_load_audio_resamples_and_downmixes(tmp_path, rate, channels):
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 220 * t)
    data = np.stack([tone] * channels, axis=1)
    path = tmp_path / "tone.flac"
    sf.write(path, data, rate)
    audio = load_audio(path)
    assert audio.sample_rate_hz == SAMPLE_RATE_HZ and audio.source_rate_hz == rate
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.duration_s == pytest.approx(1.0, abs=1e-3)
    assert np.abs(audio.samples).max() == pytest.approx(0.5, abs=0.02)


def test_bad_audio_errors(tmp_path):
    with pytest.raises(AudioError, match="empty"):
        prepare_audio(np.zeros(0, np.float32), 16000)
    with pytest.raises(AudioError, match="NaN"):
        prepare_audio(np.full(16000, np.nan, np.float32), 16000)
    with pytest.raises(AudioError, match="expected at least"):
        prepare_audio(np.zeros(1, np.float32), 16000)
    bad = tmp_path / "corrupt.wav"
    bad.write_bytes(b"RIFF\x00\x00not really audio")
    with pytest.raises(AudioError, match="cannot decode"):
        load_audio(bad)
    with pytest.raises(AudioError, match="not found"):
        load_audio(tmp_path / "missing.wav")
