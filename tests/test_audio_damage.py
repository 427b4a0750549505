"""Damaged audio is an error (or a warning naming what was found), never a silent "ok"."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from inference import cli
from inference.audio import AudioError, load_audio
from inference.dialogue_audio import load_channels
from tests.conftest import REPO_ROOT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


def damaged_set(folder):
    """good.wav; truncated.wav (cut to a third); random.wav (valid header + random bytes);
    trailing.wav (good file + 50 kB of junk after the data chunk); truncated.mp3/.ogg; burst.wav."""
    folder.mkdir(parents=True, exist_ok=True)
    x, rate = sf.read(DEMO, dtype="float32")
    sf.write(folder / "good.wav", x, rate, subtype="PCM_16")
    raw = (folder / "good.wav").read_bytes()
    rng = np.random.default_rng(0)
    (folder / "truncated.wav").write_bytes(raw[: len(raw) // 3])
    (folder / "random.wav").write_bytes(raw[:44] + rng.bytes(len(raw) - 44))
    (folder / "trailing.wav").write_bytes(raw + rng.bytes(50_000))
    for fmt in ("MP3", "OGG"):
        p = folder / f"full.{fmt.lower()}"
        sf.write(p, x, rate, format=fmt)
        b = p.read_bytes()
        p.unlink()
        (folder / f"truncated.{fmt.lower()}").write_bytes(b[: len(b) // 3])
    burst = x.copy()
    burst[3 * rate: 5 * rate] = rng.uniform(-1, 1, 2 * rate).astype(np.float32)
    sf.write(folder / "burst.wav", burst, rate)
    return folder


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    return damaged_set(tmp_path_factory.mktemp("damaged"))


@pytest.mark.parametrize("read", [load_audio, load_channels])  # load_channels: decoded once, the same checks
@pytest.mark.parametrize("name, needle", [
    ("truncated.wav", "truncated file: the header declares 11.64 s of audio, found 3.88 s"),
    ("truncated.mp3", "truncated file: the header declares 11.64 s"),
    ("truncated.ogg", "without its end-of-stream page"),
    ("random.wav", "found random data"),
])
def test_damaged_files_are_errors(damaged, name, needle, read):
    with pytest.raises(AudioError) as exc:
        read(damaged / name)
    assert needle in str(exc.value) and name in str(exc.value)


def test_random_data_on_one_channel_is_refused_naming_the_channel(tmp_path):
    """One channel of random data (-15 dBFS): refused, though the file's mono mix passes."""
    x, rate = sf.read(DEMO, dtype="float32")
    noise = np.random.default_rng(1).uniform(-0.3, 0.3, x.shape[0]).astype(np.float32)
    sf.write(tmp_path / "two.wav", np.stack([x, noise], axis=1), rate)
    assert load_audio(tmp_path / "two.wav").warnings == ()
    with pytest.raises(AudioError, match=r"two\.wav#1: expected sound, found random data"):
        load_channels(tmp_path / "two.wav")
    burst = x.copy()
    burst[3 * rate: 5 * rate] = noise[: 2 * rate] / 0.3
    sf.write(tmp_path / "burst2.wav", np.stack([x, burst], axis=1), rate)
    clean, noisy = load_channels(tmp_path / "burst2.wav")
    assert clean.warnings == () and any("burst2.wav#1: 2.98 s .. " in w and "loud white noise" in w for w in noisy.warnings)
    np.testing.assert_array_equal(clean.samples, load_audio(DEMO).samples)


def test_trailing_junk_and_noise_burst_are_warnings(damaged):
    assert load_audio(damaged / "good.wav").warnings == ()
    trailing = load_audio(damaged / "trailing.wav")
    assert trailing.duration_s == pytest.approx(11.64, abs=0.01)
    assert any("bytes after the audio data" in w for w in trailing.warnings)
    burst = load_audio(damaged / "burst.wav")
    assert any("2.98 s .. 5.02 s is loud white noise" in w for w in burst.warnings), burst.warnings


def test_cli_reports_damaged_files(damaged, tmp_path):
    out = tmp_path / "out"
    assert cli.main([str(damaged), "-o", str(out), "--what", "face"]) == 1
    rep = {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}
    for bad in ("truncated.wav", "truncated.mp3", "truncated.ogg", "random"):
        assert rep[bad]["status"] == "error" and rep[bad]["error_code"] == "audio", rep[bad]
    assert rep["good"]["status"] == "ok" and rep["good"]["warnings"] == []
    assert rep["trailing"]["status"] == "ok" and rep["trailing"]["warnings"]
    assert rep["burst"]["status"] == "ok" and rep["burst"]["warnings"]


def test_streamed_decode_matches_one_shot_resampling(tmp_path):
    import soxr

    x, rate = sf.read(DEMO, dtype="float32")
    y = soxr.resample(x, rate, 44100)
    sf.write(tmp_path / "hi.wav", np.stack([y, 0.5 * y], 1), 44100, subtype="FLOAT")
    got = load_audio(tmp_path / "hi.wav")
    ref = soxr.resample(0.75 * y, 44100, 16000, quality="HQ")
    assert abs(got.samples.shape[0] - ref.shape[0]) <= 1
    n = min(got.samples.shape[0], ref.shape[0])
    assert np.max(np.abs(got.samples[:n] - ref[:n])) < 1e-3
