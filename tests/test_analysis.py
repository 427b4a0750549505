"""One analysis per clip (inference/analysis.py): what it holds, that every reader gets the same values
from it as from its own measurement, and that ``generate()`` measures each quantity exactly once."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import soundfile as sf

from inference import analysis as A
from inference import longaudio, prosody
from inference.audio import SAMPLE_RATE_HZ as SR, Audio, AudioError, load_audio, prepare_audio
from inference.backends import get_face_backend
from inference.face import dsp
from inference.generate import generate
from inference.options import GenerateOptions
from tests.conftest import REPO_ROOT
from tools.eval.output_fingerprint import DEMO_TEXT

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


@pytest.fixture(scope="module")
def demo():
    return load_audio(DEMO)


def test_fields_shapes_dtypes_and_read_only(demo):
    a = A.analyze_audio(demo)
    n = -(-demo.samples.shape[0] // 160)
    assert a.fps == 100.0 and a.num_frames == n and a.num_samples == demo.samples.shape[0]
    p = a.prosody
    for arr, dtype in ((p.energy_db, np.float32), (p.f0_hz, np.float32), (p.voiced, bool), (p.speech, bool),
                       (p.onset_strength, np.float32), (a.mouth_gate, np.float32), (a.spectrum.energy_db, np.float32),
                       (a.spectrum.speech, bool), (a.spectrum.region, bool), (a.spectrum.loud, np.float32)):
        assert arr.shape == (n,) and arr.dtype == dtype
        assert not arr.flags.writeable
    assert p.accents_s.dtype == np.float64 and p.accent_strength.shape == p.accents_s.shape
    assert 0.0 <= a.mouth_gate.min() and a.mouth_gate.max() <= 1.0 and a.mouth_gate.max() == 1.0
    assert p.speech.any() and a.spectrum.speech.any() and len(p.phrases) >= 2
    assert a.prosody is p and a.spectrum is a.spectrum  # measured once, then kept
    with pytest.raises(Exception):
        a.audio = None  # frozen


def test_fields_are_the_measurements_they_name(demo):
    a = A.analyze_audio(demo)
    p = prosody.analyze_prosody(demo)
    for name in ("energy_db", "f0_hz", "voiced", "speech", "onset_strength", "accents_s", "accent_strength"):
        np.testing.assert_array_equal(getattr(a.prosody, name), getattr(p, name))
    assert a.prosody.phrases == p.phrases
    s = A.speech_frames(demo.samples)
    for name in ("energy_db", "speech", "region", "loud", "voiced", "f2_ratio", "fric"):
        np.testing.assert_array_equal(getattr(a.spectrum, name), getattr(s, name))
    np.testing.assert_array_equal(a.mouth_gate, A.mouth_gate(demo.samples))
    np.testing.assert_array_equal(a.mouth_gate, A.mouth_gate(demo.samples, s))
    # the face gate of the spectral cues is speech_gate on their own energy
    speech, region = A.speech_gate(s.energy_db.astype(np.float64))
    np.testing.assert_array_equal(speech, s.speech)
    np.testing.assert_array_equal(region, s.region)


@pytest.mark.parametrize("kept", [True, False])
def test_one_stft_gives_the_numbers_of_its_own_measurement(demo, monkeypatch, kept):
    # the kept spectrum (clips up to POWER_KEEP_FRAMES) and the per-call one (longer clips) are both
    # power_range / log_mel_range bit for bit, on the chunk ranges the lip-sync network reads
    from inference import features as F

    if not kept:
        monkeypatch.setattr(A, "POWER_KEEP_FRAMES", 10)
    a = A.analyze_audio(demo)
    n = a.num_frames
    for r0, r1 in ((0, 1), (0, n), (7, 300), (n - 40, n), (250, 677)):
        np.testing.assert_array_equal(a.power(r0, r1), F.power_range(F.check_samples(demo.samples), r0, r1))
        np.testing.assert_array_equal(a.log_mel(r0, r1), F.log_mel_range(demo.samples, r0, r1))
    assert (a._kept_power is not None) == kept
    if kept:
        assert not a.power(0, n).flags.writeable  # a view of the one shared spectrum
    for bad in ((0, 0), (-1, 3), (5, n + 1)):
        with pytest.raises(ValueError, match="frame range"):
            a.power(*bad)


def test_one_face_speech_decision(demo):
    """The network's lip gate is the DSP backend's face gate (``spectrum.region``), widened by the
    margin and ramped: 1 on every gate frame, 0 farther than margin + ramp from any."""
    a = A.analyze_audio(demo)
    region = a.spectrum.region
    assert region.any() and not region.all()
    assert np.all(a.mouth_gate[region] == 1.0)
    reach = int(round(A.GATE_MARGIN_S * 100)) + int(round(A.GATE_RAMP_S * 100))
    near = np.convolve(region.astype(float), np.ones(2 * reach + 1), mode="same") > 0
    assert np.all(a.mouth_gate[~near] == 0.0) and (~near).any()
    fast = get_face_backend("fast").run(demo, GenerateOptions(), analysis=a).arkit
    smooth = np.convolve(region.astype(float), np.ones(2 * 15 + 1), mode="same") > 0  # its 4-frame Gaussians
    assert not fast[~smooth].any() and fast[region].any()  # the DSP mouth moves inside the same gate only


@pytest.mark.parametrize("what", ["face", "body"])
def test_a_run_measures_only_what_it_reads(demo, monkeypatch, what):
    """Face only without the procedural layer reads no prosody; body only (no transcript) no mouth cues."""
    counts = _counters(monkeypatch)
    opts = (GenerateOptions(body=False, procedural_face=False) if what == "face" else GenerateOptions(face=False))
    generate(demo, opts)
    assert counts["analysis"].calls == 1
    if what == "face":
        assert counts["prosody"].calls == 0 and counts["pitch"].calls == 0 and counts["spectral_cues"].calls == 1
    else:
        assert counts["prosody"].calls == 1 and counts["spectral_cues"].calls == 0 and counts["lip_gate"].calls == 0


def test_bad_audio_is_refused_with_a_clear_error():
    with pytest.raises(AudioError, match="empty"):
        A.analyze_audio(Audio(np.zeros(0, np.float32), SR, SR))
    with pytest.raises(AudioError, match="NaN or infinite"):
        A.analyze_audio(Audio(np.full(SR, np.nan, np.float32), SR, SR))
    with pytest.raises(AudioError, match="expected 16000 Hz"):
        A.analyze_audio(Audio(np.zeros(SR, np.float32), 8000, 8000))


def test_silence_has_no_speech_and_a_closed_gate():
    a = A.analyze_audio(prepare_audio(np.zeros(2 * SR, np.float32), SR))
    assert not a.prosody.speech.any() and not a.spectrum.region.any() and not a.mouth_gate.any()
    assert a.prosody.phrases == () and a.prosody.accents_s.size == 0


@pytest.mark.parametrize("face_model", ["fast", "lipsync"])
def test_backends_given_the_analysis_match_their_own_measurement(demo, face_model):
    backend = get_face_backend(face_model)
    opts = GenerateOptions(face_model=face_model)
    mine = backend.run(demo, opts)
    given = backend.run(demo, opts, analysis=A.analyze_audio(demo))
    np.testing.assert_array_equal(mine.arkit, given.arkit)


class _Count:
    """Wraps a module attribute and counts its calls."""

    def __init__(self, monkeypatch, module, name):
        self.calls = 0
        fn = getattr(module, name)

        def wrapped(*args, **kwargs):
            self.calls += 1
            return fn(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapped)


def _counters(monkeypatch) -> dict[str, _Count]:
    """Every measurement of a clip, at the function that does it (a second caller would be counted)."""
    from inference.face import lipsync, transcript

    return {
        "prosody": _Count(monkeypatch, A, "analyze_prosody"),
        "energy_25ms": _Count(monkeypatch, prosody, "frame_energy_db"),
        "pitch": _Count(monkeypatch, prosody, "_pitch_hz"),
        "vad": _Count(monkeypatch, prosody, "_voice_activity"),
        "onsets": _Count(monkeypatch, prosody, "onset_strength"),
        "spectral_cues": _Count(monkeypatch, A, "speech_frames"),    # the face gate, with the cues
        "spectral_blocks": _Count(monkeypatch, A, "power_range"),    # the one kept STFT per analysis
        "dsp_analyze": _Count(monkeypatch, dsp, "analyze"),
        "lip_gate": _Count(monkeypatch, A, "mouth_gate"),
        "lipsync_speech_weight": _Count(monkeypatch, lipsync, "speech_weight"),
        "lipsync_own_stft": _Count(monkeypatch, lipsync, "log_mel_range"),  # the network reads analysis.log_mel
        "transcript_gate": _Count(monkeypatch, transcript, "mouth_gate"),
        "analysis": _Count(monkeypatch, importlib.import_module("inference.generate"), "analyze_audio"),
    }


@pytest.mark.parametrize("face_model", ["fast", "lipsync"])
@pytest.mark.parametrize("transcript", ["", DEMO_TEXT])
def test_generate_measures_each_quantity_once_for_face_and_body(demo, monkeypatch, face_model, transcript):
    # prosody feeds the procedural face, emotion=auto (face gain and body style) and the body
    counts = _counters(monkeypatch)
    perf = generate(demo, GenerateOptions(face_model=face_model, emotion="auto", transcript=transcript))
    assert perf.smplx_poses is not None and perf.arkit.any()
    assert not transcript or perf.provenance.face_model.endswith("+transcript")
    once = {k: c.calls for k, c in counts.items() if k not in ("dsp_analyze", "lipsync_speech_weight",
                                                                "lipsync_own_stft", "transcript_gate", "lip_gate")}
    assert once == dict.fromkeys(once, 1), once
    # the lip gate: read by the network and by transcript mode (face and body words), else never measured
    assert counts["lip_gate"].calls == (1 if face_model == "lipsync" or transcript else 0)
    again = {k: counts[k].calls for k in ("dsp_analyze", "lipsync_speech_weight", "lipsync_own_stft",
                                          "transcript_gate")}
    assert again == dict.fromkeys(again, 0), again  # the backends and transcript mode read the analysis


def test_windowed_generation_analyses_each_window_once(monkeypatch, tmp_path):
    x, rate = sf.read(DEMO, dtype="float32")
    path = tmp_path / "long.wav"
    sf.write(path, np.tile(x, 3), rate, subtype="PCM_16")  # 35 s
    counts = _counters(monkeypatch)
    perf = longaudio.generate_windowed(path, GenerateOptions(fps=30, emotion="auto"), window_s=12.0)
    windows = perf.provenance.windows
    assert windows == 3
    for k in ("analysis", "prosody", "pitch", "vad", "onsets", "spectral_cues", "lip_gate"):
        assert counts[k].calls == windows, (k, counts[k].calls)


def test_a_conversation_analyses_each_track_once(monkeypatch, tmp_path):
    # the scene reads each track's prosody (who speaks, phrase ends) and hands that analysis to generate()
    from inference.conversation import generate_conversation, parse_scene
    from tests.test_conversation import OPTS, two_files

    scene = parse_scene(two_files(tmp_path), str(tmp_path))
    counts = _counters(monkeypatch)
    conv = generate_conversation(scene, OPTS)
    assert len(conv.performances) == 2
    assert counts["prosody"].calls == 2 and counts["vad"].calls == 2, (counts["prosody"].calls, counts["vad"].calls)
    assert counts["analysis"].calls == 0  # generate() analysed nothing again


def test_generate_refuses_an_analysis_of_another_clip(demo):
    other = A.analyze_audio(Audio(demo.samples[: SR].copy(), SR, SR))
    with pytest.raises(ValueError, match="analysis= must be analyze_audio"):
        generate(demo, GenerateOptions(), analysis=other)
