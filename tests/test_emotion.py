"""Emotion layer: FACS prototypes on ARKit, keyed blends, speech keeps the mouth, auto arousal, options.

The geometric checks run on Apple's ARKit reference head (skip when ../shared/data is absent).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tools.eval.reference_head as face_geometry
from inference.errors import InputError
from inference.face import emotion as emo
from inference.options import GenerateOptions, GestureStyle
from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "assets" / "demo_speech.flac"
EMOTIONS = [c for c in emo.CATEGORIES if c != "neutral"]
#: A visible amount of an ARKit weight.
VISIBLE = 0.15


def needs_head():
    if not Path(face_geometry.REFERENCE_HEAD_GLB).is_file():
        pytest.skip("../shared/data (ARKit reference head) absent")
    return face_geometry.lip_gauge(face_geometry.load_morph_head(face_geometry.REFERENCE_HEAD_GLB))


def test_categories_cover_audio2face_and_use_arkit_names():
    a2f = {"amazement", "anger", "cheekiness", "disgust", "fear", "grief", "joy", "out of breath", "pain", "sadness"}
    assert a2f <= set(emo.CATEGORIES)
    for name, (aus, weights) in emo.PROTOTYPES.items():
        assert set(weights) <= set(ARKIT_NAMES), name
        assert name == "neutral" or (aus.startswith(("AU", "R")) and weights)
        assert "mouthClose" not in weights and "tongueOut" not in weights
    # the EMFACS prototypes named in the docstring land on their ARKit channels
    for name, keys in {"joy": ["cheekSquintLeft", "mouthSmileLeft"], "sadness": ["browInnerUp", "browDownLeft", "mouthFrownLeft"],
                       "anger": ["browDownLeft", "eyeWideLeft", "eyeSquintLeft", "mouthPressLeft"],
                       "disgust": ["noseSneerLeft", "mouthFrownLeft", "mouthLowerDownLeft"],
                       "fear": ["browInnerUp", "browOuterUpLeft", "browDownLeft", "eyeWideLeft", "eyeSquintLeft",
                                "mouthStretchLeft", "jawOpen"],
                       "amazement": ["browInnerUp", "browOuterUpLeft", "eyeWideLeft", "jawOpen"]}.items():
        assert all(emo.PROTOTYPES[name][1].get(k, 0) >= 0.1 for k in keys), name


def test_spec_parsing_and_errors():
    assert emo.EmotionSpec.parse("joy:0.8").keys == (emo.EmotionKey(0.0, "joy", 0.8),)
    assert emo.EmotionSpec.parse("Out-of-breath").keys[0].category == "out of breath"
    assert emo.EmotionSpec.parse("surprise:1").keys[0].category == "amazement"
    auto = emo.EmotionSpec.parse("auto+anger:0.5")
    assert auto.auto and auto.keys[0].strength == 0.5
    keys = emo.EmotionSpec.parse([{"time_s": 2, "emotion": "sadness"}, [0, "joy", 1.0]])
    assert [k.category for k in keys.keys] == ["joy", "sadness"]          # sorted by time
    assert emo.EmotionSpec.parse(keys.to_mapping()) == keys
    assert not emo.EmotionSpec.parse("").active and not emo.EmotionSpec.parse("neutral:1").active
    for bad, words in (("happy", "cheekiness"), ("joy:lots", "CATEGORY"), ("joy:3", "[0, 2]"),
                       ([[0, "joy"], [0, "joy", 0.5]], "two 'joy' keys"), ({"auto": "yes"}, "true or false"), (5, "expected")):
        with pytest.raises(InputError, match=words):
            emo.EmotionSpec.parse(bad)
    opts = GenerateOptions.from_mapping({"emotion": "fear:0.5"})
    assert GenerateOptions.from_mapping(opts.to_mapping()) == opts
    with pytest.raises(InputError, match="GenerateOptions.emotion.*joy"):
        GenerateOptions(emotion="glee")


def test_keys_blend_linearly_and_hold():
    spec = emo.EmotionSpec.parse([[1.0, "joy", 1.0], [3.0, "sadness", 0.5]])
    w = emo.category_weights(spec, 10.0, 50)
    j, s = emo.CATEGORIES.index("joy"), emo.CATEGORIES.index("sadness")
    assert w[0, j] == 1.0 and w[10, j] == 1.0 and w[0, s] == 0.0     # held before the first key
    assert w[20, j] == pytest.approx(0.5) and w[20, s] == pytest.approx(0.25)   # half way
    assert w[49, j] == 0.0 and w[49, s] == pytest.approx(0.5)        # held after the last key
    mixed = emo.category_weights(emo.EmotionSpec.parse([[0, "joy", 0.5], [0, "amazement", 0.5], [1, "neutral", 0]]),
                                 10.0, 11)
    a = emo.CATEGORIES.index("amazement")
    assert mixed[0, j] == mixed[0, a] == 0.5 and mixed[5, j] == pytest.approx(0.25) and not mixed[10].any()


def test_shifted_spec_keeps_every_frames_weights():
    spec = emo.EmotionSpec.parse([[1.0, "joy", 1.0], [3.0, "sadness", 0.5], [4.0, "neutral", 0.0]], )
    whole = emo.category_weights(spec, 10.0, 60)
    for start in (0, 17, 20, 35, 45):
        part = emo.category_weights(spec.shifted(start / 10.0), 10.0, 60 - start)
        assert np.allclose(part, whole[start:], atol=1e-6), start


def _speech_like(frames=60):
    """An open vowel (jawOpen 0.4), a sealed bilabial (jawOpen = mouthClose = 0.15) and rest."""
    a = np.zeros((frames, 52), np.float32)
    a[:20, ARKIT_INDEX["jawOpen"]] = 0.4
    a[:20, ARKIT_INDEX["mouthLowerDownLeft"]] = a[:20, ARKIT_INDEX["mouthLowerDownRight"]] = 0.2
    a[20:40, ARKIT_INDEX["jawOpen"]] = a[20:40, ARKIT_INDEX["mouthClose"]] = 0.15
    a[20:40, ARKIT_INDEX["mouthPressLeft"]] = a[20:40, ARKIT_INDEX["mouthPressRight"]] = 0.2
    return a


@pytest.mark.parametrize("name", EMOTIONS)
def test_each_category_moves_its_prototype_channels_visibly(name):
    base = _speech_like()
    spec = emo.EmotionSpec.parse(f"{name}:1")
    out = emo.apply_emotion(base, emo.category_weights(spec, 30.0, 60))
    moved = (out - base).max(axis=0)
    for key, w in emo.PROTOTYPES[name][1].items():
        assert moved[ARKIT_INDEX[key]] >= min(VISIBLE, 0.5 * w), (name, key, moved[ARKIT_INDEX[key]])
    # speech keeps the mouth: the sealed bilabial stays sealed, mouthClose never above jawOpen
    gap, gap0 = emo.predicted_gap_mm(out), emo.predicted_gap_mm(base)
    assert gap[20:40].max() <= gap0[20:40].max() + 1e-6
    assert (gap[:20] >= gap0[:20] - emo.MAX_NARROW_MM - 1e-6).all()    # the open vowel stays open
    assert gap.min() >= emo.MIN_GAP_MM - 1e-6
    assert (out[:, ARKIT_INDEX["mouthClose"]] <= out[:, ARKIT_INDEX["jawOpen"]] + 1e-7).all()
    assert np.array_equal(out[:, ARKIT_INDEX["mouthClose"]], base[:, ARKIT_INDEX["mouthClose"]])


def test_lips_the_speech_face_shut_stay_shut_also_in_pauses():
    base = np.zeros((10, 52), np.float32)                          # lips together at rest
    base[5:, ARKIT_INDEX["jawOpen"]] = 0.3                         # an open vowel
    w = emo.category_weights(emo.EmotionSpec.parse("amazement:1"), 30.0, 10)
    out = emo.apply_emotion(base, w)
    assert (out[:5, ARKIT_INDEX["jawOpen"]] == 0).all()            # rest / closure: still shut
    assert (out[5:, ARKIT_INDEX["jawOpen"]] >= 0.5).all()          # the vowel: the amazed jaw drop


def test_gap_table_matches_the_reference_head():
    gauge = needs_head()
    for name, mm in emo.LIP_GAP_MM_PER_UNIT.items():
        assert gauge.response_mm[ARKIT_INDEX[name]] == pytest.approx(mm, abs=0.02), name
    missing = [n for i, n in enumerate(ARKIT_NAMES) if abs(gauge.response_mm[i]) >= 0.1 and n not in emo.LIP_GAP_MM_PER_UNIT]
    assert not missing
    assert gauge.rest_gap_mm == pytest.approx(emo.REST_GAP_MM, abs=0.01)


def test_closures_hold_under_every_emotion_on_the_bundled_clip():
    """Generated face of the bundled clip: for each emotion at strength 1 (and 2), no lips crossing
    > 2 mm on the reference head, every bilabial (forced alignment of the clip's script) that the
    speech face closes stays closed (<= 1 mm), and mouthClose <= jawOpen everywhere."""
    from inference.audio import load_audio
    from inference.generate import generate
    from tools.eval.face_metrics import CLOSED_MM, CROSS_MM

    pytest.importorskip("pocketsphinx")
    from inference.face.align import force_align
    from tools.demo.audio import SCRIPT

    gauge = needs_head()
    audio = load_audio(DEMO)
    start, end, labels = force_align(audio.samples, " ".join(text for text, _ in SCRIPT))
    mids = [int(round((s + e) / 2 * 30.0)) for s, e, lab in zip(start, end, labels) if lab in ("m", "b", "p")]
    base = generate(audio, GenerateOptions(body=False, fps=30.0)).arkit
    gap0 = gauge.gap_mm(base)
    shut = np.array([m for m in mids if gap0[m] <= CLOSED_MM])       # the bilabials the speech face closes
    assert len(shut) >= 0.6 * len(mids) >= 6
    for name in EMOTIONS + ["auto", "auto+joy:1"]:
        for strength in ((1.0, 2.0) if "auto" not in name else (None,)):
            spec = name if strength is None else f"{name}:{strength}"
            a = generate(audio, GenerateOptions(body=False, fps=30.0, emotion=spec)).arkit
            gap = gauge.gap_mm(a)
            assert gap.min() >= -CROSS_MM, (spec, gap.min())
            assert (gap[shut] <= CLOSED_MM + 1e-6).all(), (spec, gap[shut].max())
            assert (a[:, ARKIT_INDEX["mouthClose"]] <= a[:, ARKIT_INDEX["jawOpen"]] + 1e-7).all(), spec


def test_auto_arousal_follows_loudness_pitch_and_rate():
    from inference.audio import Audio, load_audio
    from inference.face.arousal import arousal_track

    audio = load_audio(DEMO)
    x = audio.samples.astype(np.float32)
    half = x.shape[0] // 2
    louder = x.copy()
    louder[half:] *= 4.0                                            # +12 dB in the second half
    louder /= np.abs(louder).max()
    a = arousal_track(Audio(samples=louder, sample_rate_hz=16000, source_rate_hz=16000), 30.0, 300)
    b = arousal_track(audio, 30.0, 300)
    mid = int(half / 16000 * 30)
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert (a[mid + 30:] - b[mid + 30:]).mean() > 0.05              # louder speech reads more aroused
    assert (a[: mid - 30] - b[: mid - 30]).mean() < -0.05           # ... the quiet half less


def test_body_style_follows_arousal():
    from inference.face.arousal import emotion_body_style

    calm = emotion_body_style(GenerateOptions(emotion="sadness:1"))
    lively = emotion_body_style(GenerateOptions(emotion="joy:1"))
    assert calm.gesture.energy < 1.0 < lively.gesture.energy
    assert calm.gesture.posture == "closed" and lively.gesture.posture == "open"
    assert emotion_body_style(GenerateOptions()) == GenerateOptions()
    kept = emotion_body_style(GenerateOptions(emotion="joy:1", gesture=GestureStyle(posture="closed")))
    assert kept.gesture.posture == "closed"


def test_cli_flag_and_sidecar_reach_the_generator(tmp_path):
    """``--emotion joy:1`` and a ``<stem>.emotion.json`` sidecar change the written curves as the
    layer says (smiles up); the flag wins over the sidecar; a bad flag or sidecar is refused by name."""
    import json

    import soundfile as sf

    from inference import cli

    x, rate = sf.read(DEMO, dtype="float32")
    for stem in ("plain", "side"):
        sf.write(tmp_path / f"{stem}.wav", x[: 3 * rate], rate)
    (tmp_path / "side.emotion.json").write_text(json.dumps({"keys": [[0.0, "sadness", 1.0]]}))

    def run(out, *extra):
        assert cli.main([str(tmp_path / "plain.wav"), str(tmp_path / "side.wav"), "-o", str(tmp_path / out),
                         "--what", "face", "--fps", "30", *extra]) == 0
        return {s: np.load(tmp_path / out / f"{s}.npz")["arkit"] for s in ("plain", "side")}

    none, joy = run("none", "--no-procedural-face"), run("joy", "--no-procedural-face", "--emotion", "joy:1")
    smile, frown = ARKIT_INDEX["mouthSmileLeft"], ARKIT_INDEX["mouthFrownLeft"]
    assert (joy["plain"][:, smile] - none["plain"][:, smile]).min() >= 0.5      # the flag reached the face
    assert np.median(none["side"][:, frown] - none["plain"][:, frown]) >= 0.5  # the sidecar did
    assert np.allclose(joy["side"], joy["plain"])                               # the flag wins
    with pytest.raises(SystemExit) as bad:
        cli.main([str(tmp_path / "plain.wav"), "-o", str(tmp_path / "x"), "--emotion", "glee"])
    assert bad.value.code == 2
    (tmp_path / "side.emotion.json").write_text("{not json")
    from inference.batch.args import options_for_file

    with pytest.raises(InputError, match="side.emotion.json"):
        options_for_file(GenerateOptions(), tmp_path / "side.wav")


def test_nearly_closed_open_lips_are_not_shut_by_the_corners():
    base = np.zeros((4, 52), np.float32)
    base[:, ARKIT_INDEX["jawOpen"]] = [0.03, 0.033, 0.04, 0.06]          # gaps ~1.2 .. 2.6 mm
    w = emo.category_weights(emo.EmotionSpec.parse("sadness:2"), 30.0, 4)
    gap = emo.predicted_gap_mm(emo.apply_emotion(base, w))
    assert (gap > emo.CLOSED_GAP_MM).all(), gap
