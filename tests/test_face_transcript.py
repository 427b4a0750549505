"""Transcript mode: forced alignment -> phone-exact mouth, fallback to audio only on mismatch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference.face.transcript import check_alignment, combine
from rigs.arkit import ARKIT_INDEX

JAW, CLOSE = ARKIT_INDEX["jawOpen"], ARKIT_INDEX["mouthClose"]
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_check_alignment_accepts_covering_and_rejects_squeezed_or_sparse():
    voice = np.zeros(200, bool)
    voice[20:180] = True
    good = (np.arange(20, 180, 8) / 100, np.arange(28, 188, 8) / 100, ["aa"] * 20)
    assert check_alignment(good, voice, 100.0) == ""
    sparse = (np.array([0.2]), np.array([0.6]), np.array(["aa"]))
    assert "cover only" in check_alignment(sparse, voice, 100.0)
    squeezed = (np.arange(20, 180, 3) / 100, np.arange(23, 183, 3) / 100, ["t"] * 54)
    assert "squeezed" in check_alignment(squeezed, voice, 100.0)
    assert "no speech" in check_alignment((np.array([0.0]), np.array([2.0]), ["sil"]), voice, 100.0)


def test_combine_seals_where_the_targets_seal_even_if_the_backend_is_open():
    backend = np.zeros((3, 52), np.float32)
    backend[:, JAW] = 0.4                                       # the network missed the /m/
    backend[:, ARKIT_INDEX["mouthLowerDownLeft"]] = 0.3
    target = np.zeros((3, 52), np.float32)
    target[1, [JAW, CLOSE]] = 0.06, 0.06                        # aligned bilabial: sealed
    target[[0, 2], JAW] = 0.5
    out = combine(backend, target, weight=0.8)
    assert out[1, CLOSE] == pytest.approx(out[1, JAW]) and out[1, ARKIT_INDEX["mouthLowerDownLeft"]] == 0
    assert out[0, CLOSE] == 0 and out[0, JAW] == pytest.approx(0.48)
    with pytest.raises(ValueError, match="expected equal"):
        combine(backend, target[:2])


def _clip(stem):
    if not SHARED.is_dir():
        pytest.skip("../shared/data is absent")
    pytest.importorskip("pocketsphinx")
    from inference.audio import load_audio

    m = {Path(e["file"]).stem: e for e in json.loads((SHARED / "speech" / "MANIFEST.json").read_text())}
    return load_audio(SHARED / m[stem]["file"]), m[stem]["transcript"]


@pytest.mark.parametrize("backend", ["fast", "default"])
def test_generate_with_transcript_and_fallback_on_wrong_text(backend):
    from inference.generate import generate
    from inference.options import GenerateOptions

    audio, text = _clip("ljspeech_LJ001-0002")    # "in being comparatively modern."
    opts = dict(body=False, face_model=backend, procedural_face=False)
    good = generate(audio, GenerateOptions(transcript=text, **opts))
    assert good.provenance.face_model.endswith("+transcript")
    # /m/ of "comparatively" and "modern": sealed frames exist (mouthClose == jawOpen, jaw small)
    a = good.arkit
    assert ((a[:, JAW] <= 0.1) & (a[:, JAW] - a[:, CLOSE] <= 0.005) & (a[:, CLOSE] > 0.02)).sum() >= 2
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng missing (out-of-dictionary words)")
    bad = generate(audio, GenerateOptions(transcript="ask not what your country can do for you", **opts))
    assert "transcript not used" in bad.provenance.face_model and "audio only" in bad.provenance.face_model
    plain = generate(audio, GenerateOptions(**opts))
    np.testing.assert_array_equal(bad.arkit, plain.arkit)


def test_cli_transcript_flag_reaches_the_options():
    from inference.batch.args import options_from_args
    from inference.cli import build_parser

    args = build_parser().parse_args(["in.wav", "-o", "out", "--transcript", "hello there"])
    assert options_from_args(args).transcript == "hello there"
    assert options_from_args(build_parser().parse_args(["in.wav", "-o", "out"])).transcript == ""


def test_bundled_clip_with_its_own_text_is_aligned_despite_its_pauses():
    """The demo clip has 3 sentence pauses and 8 comma pauses; the voice gate holds each utterance
    0.08 s past its edges, which alone once left only 81% of the speech covered (refused)."""
    pytest.importorskip("pocketsphinx")
    from inference.audio import load_audio
    from inference.generate import generate
    from inference.options import GenerateOptions
    from tools.demo.audio import SCRIPT

    audio = load_audio(Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac")
    perf = generate(audio, GenerateOptions(transcript=" ".join(s for s, _ in SCRIPT), body=False,
                                           face_model="fast", procedural_face=False))
    assert perf.provenance.face_model == "dsp-baseline-v1+transcript", perf.provenance.face_model


def test_fallback_to_audio_only_is_a_warning_of_the_result():
    """A transcript that does not match the audio: audio-only face, and the reason in the warnings
    (the sidebar reports them, batch JSON reports list them)."""
    pytest.importorskip("pocketsphinx")
    from inference.audio import load_audio
    from inference.generate import generate
    from inference.options import GenerateOptions

    audio = load_audio(Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac")
    perf = generate(audio, GenerateOptions(transcript="ask not what your country can do for you", body=False,
                                           face_model="fast", procedural_face=False))
    notes = [w for w in perf.provenance.warnings if w.startswith("transcript not used")]
    assert len(notes) == 1 and notes[0].endswith("audio only"), perf.provenance.warnings
    assert perf.provenance.face_model == f"dsp-baseline-v1 ({notes[0]})"


def test_without_pocketsphinx_the_face_is_audio_only_and_the_warning_says_why(monkeypatch):
    """A platform without a pocketsphinx wheel: Generate still works, from the audio alone."""
    import sys

    from inference.audio import load_audio
    from inference.generate import generate
    from inference.options import GenerateOptions

    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # import pocketsphinx -> ImportError
    audio = load_audio(Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac")
    opts = dict(body=False, face_model="fast", procedural_face=False)
    perf = generate(audio, GenerateOptions(transcript="hello", **opts))
    assert any("pocketsphinx is not installed" in w and w.endswith("audio only") for w in perf.provenance.warnings)
    np.testing.assert_array_equal(perf.arkit, generate(audio, GenerateOptions(**opts)).arkit)


def test_transcript_mode_runs_only_for_backends_that_declare_it(monkeypatch):
    """generate() runs transcript mode as its own step for a backend with ``reads_transcript``; for
    one without it the curves are the audio-only ones and a warning names the backend."""
    pytest.importorskip("pocketsphinx")
    from inference.audio import load_audio
    from inference.face import dsp
    from inference.face.transcript_mode import transcript_step
    from inference.generate import generate
    from inference.options import GenerateOptions

    audio = load_audio(Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac")
    opts = dict(body=False, face_model="fast", procedural_face=False)
    text = ("Hello! I am the Speech Animator demo. Every word you hear moves my jaw, my lips, and my tongue. "
            "Big movements, small details, and a few pauses. Thank you for watching.")
    track = dsp.DspFaceBackend().run(audio, GenerateOptions(**opts))
    same, none = transcript_step(track, audio, GenerateOptions(transcript="  ", **opts))
    assert none is None and same is track
    aligned, outcome = transcript_step(track, audio, GenerateOptions(transcript=text, **opts))
    assert outcome.used and outcome.reason == "" and aligned.model == track.model + "+transcript"
    assert not np.array_equal(aligned.arkit, track.arkit)
    assert generate(audio, GenerateOptions(transcript=text, **opts)).provenance.warnings == ()
    monkeypatch.setattr(dsp.DspFaceBackend, "reads_transcript", False)
    perf = generate(audio, GenerateOptions(transcript=text, **opts))
    assert perf.provenance.warnings == (
        "transcript not used: face model dsp-baseline-v1 does not read transcripts; audio only",)
    np.testing.assert_array_equal(perf.arkit, generate(audio, GenerateOptions(**opts)).arkit)


def test_transcript_status_and_message_say_when_transcript_mode_was_used():
    from inference.face.transcript import TRANSCRIPT_SUFFIX, transcript_message, transcript_status

    used = "dsp-baseline-v1" + TRANSCRIPT_SUFFIX
    fell_back = "dsp-baseline-v1 (transcript not used: alignment failed (x); audio only)"
    assert transcript_status(used, "Hello there, friend.") == "used"
    assert transcript_status(fell_back, "Hello there") == "not used"
    assert transcript_status("dsp-baseline-v1", "") == transcript_status("dsp-baseline-v1", "  ") == "none"
    assert transcript_status("", "Hello") == "none"  # no face generated
    assert transcript_message(used, "Hello there, friend.") == (
        "Transcript mode: mouth timed to the 3 words of the transcript (forced alignment, face model "
        "dsp-baseline-v1+transcript)")
    assert transcript_message(fell_back, "Hello there") == "" and transcript_message("x", "") == ""


def test_batch_report_says_transcript_used_from_a_sidecar(tmp_path):
    """``python -m inference``: the JSON report's ``transcript`` field, from the ``<stem>.txt`` sidecar."""
    pytest.importorskip("pocketsphinx")
    from inference import cli
    from tools.demo.audio import SCRIPT

    clips = tmp_path / "clips"
    clips.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac", clips / "demo.flac")
    (clips / "demo.txt").write_text(" ".join(s for s, _ in SCRIPT), encoding="utf-8")
    assert cli.main([str(clips / "demo.flac"), "-o", str(tmp_path / "out"), "--what", "face",
                     "--face-model", "fast"]) == 0
    report = json.loads((tmp_path / "out" / "demo.json").read_text())
    assert report["transcript"] == "used" and report["face_model"].endswith("+transcript")
