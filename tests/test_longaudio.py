"""Window-by-window generation of long audio (inference/longaudio.py) and the choice of it
(inference/files.generate_file)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from inference import cli
from inference.audio import AudioError
from inference import longaudio
from inference.files import generate_file
from inference.generate import generate
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_NAMES
from tests.conftest import REPO_ROOT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory):
    x, rate = sf.read(DEMO, dtype="float32")
    path = tmp_path_factory.mktemp("long") / "long.wav"
    sf.write(path, np.tile(x, 4), rate, subtype="PCM_16")  # 46.6 s
    return path


def test_windowed_matches_whole_clip_without_seams(long_wav):
    opts = GenerateOptions(fps=30)
    whole = generate(str(long_wav), opts)
    win = longaudio.generate_windowed(long_wav, opts, window_s=12.0)
    assert win.provenance.warnings == () and win.num_frames == whole.num_frames
    assert win.provenance.windows == 4 and set(win.provenance.timings_s) >= {"load_audio", "face", "body", "total"}
    jaw = ARKIT_NAMES.index("jawOpen")
    assert np.corrcoef(whole.arkit[:, jaw], win.arkit[:, jaw])[0, 1] > 0.97
    assert win.smplx_poses.shape == whole.smplx_poses.shape and np.abs(win.smplx_poses).max() > 0.01
    assert win.transl_origin == whole.transl_origin == "rest"  # the windows' origin is carried
    # no step at a seam larger than the largest step the whole-clip generator makes anywhere
    face_step = np.abs(np.diff(win.arkit, axis=0)).max(axis=1)
    body_step = np.abs(np.diff(win.smplx_poses, axis=0)).max(axis=(1, 2))
    whole_face = np.abs(np.diff(whole.arkit, axis=0)).max()
    whole_body = np.abs(np.diff(whole.smplx_poses, axis=0)).max()
    for seam in range(360, win.num_frames, 360):
        assert face_step[seam - 20:seam + 20].max() <= whole_face + 1e-6
        assert body_step[seam - 20:seam + 20].max() <= whole_body + 1e-6
    assert win.provenance.face_model == whole.provenance.face_model


def test_windowed_catches_truncation(long_wav, tmp_path):
    raw = long_wav.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(AudioError, match="truncated file: the header declares 46.57 s of audio, found 23.2"):
        longaudio.generate_windowed(cut, GenerateOptions(fps=30, body=False), window_s=12.0)


def test_cli_uses_windows_for_long_files(long_wav, tmp_path, monkeypatch):
    monkeypatch.setattr(longaudio, "LONG_AUDIO_S", 30.0)
    monkeypatch.setattr(longaudio, "WINDOW_S", 15.0)
    out = tmp_path / "out"
    assert cli.main([str(long_wav), "-o", str(out), "--what", "face"]) == 0
    rep = json.loads((out / "long.json").read_text())
    assert rep["windowed"] is True and rep["frames"] == int(np.ceil(sf.info(long_wav).duration * 30 - 1e-6))
    with np.load(out / "long.npz") as d:
        assert d["arkit"].shape == (rep["frames"], 52)


def test_generate_file_windows_long_clips_keeps_the_prompt_and_cancels_inside_a_window(long_wav, monkeypatch):
    from inference.backends import BodyConstraints

    monkeypatch.setattr(longaudio, "LONG_AUDIO_S", 30.0)
    monkeypatch.setattr(longaudio, "WINDOW_S", 15.0)
    frames = int(np.ceil(sf.info(long_wav).duration * 30 - 1e-6))
    poses = np.zeros((frames + 30, 55, 3), np.float32)  # longer than the clip, as the sidebar sends it
    mask = np.zeros((frames + 30, 55), bool)
    poses[400:520, 17] = (0.0, 0.0, 1.2)  # right shoulder, across the seam at frame 450
    mask[400:520, 17] = True
    seen = []
    perf = generate_file(long_wav, GenerateOptions(fps=30), BodyConstraints(30.0, poses, mask),
                         progress=lambda f, m: seen.append((f, m)))
    assert perf.num_frames == frames and perf.provenance.windows == 4
    np.testing.assert_allclose(perf.smplx_poses[400:520, 17], poses[400:520, 17], atol=1e-5)
    assert abs(perf.smplx_poses[300, 17, 2] - 1.2) > 0.1  # unkeyed frames are the generator's own
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("window 2 of 4: body") for _, m in seen)  # progress from inside each window

    class Stop(Exception):
        pass

    def cancel(fraction, message):
        if message.startswith("window 2 of 4: face"):
            raise Stop(message)

    with pytest.raises(Stop):
        generate_file(long_wav, GenerateOptions(fps=30), progress=cancel)


def test_generate_file_short_clip_is_generate_with_timings_and_fitted_prompt():
    from inference.backends import BodyConstraints

    opts = GenerateOptions(fps=24, seed=2)
    whole = generate(str(DEMO), opts)
    perf = generate_file(DEMO, opts)
    assert perf.provenance.windows == 1 and np.array_equal(perf.arkit, whole.arkit)
    assert np.array_equal(perf.smplx_poses, whole.smplx_poses)
    assert {"load_audio", "face", "body", "total"} <= set(perf.provenance.timings_s)
    short = BodyConstraints(24.0, np.zeros((10, 55, 3), np.float32), np.ones((10, 55), bool))
    padded = generate_file(DEMO, opts, short)  # padded with unmasked frames to the clip's length
    assert padded.num_frames == whole.num_frames and np.abs(padded.smplx_poses[:10]).max() < 1e-6
