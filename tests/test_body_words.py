"""Word-aware gestures and the talking head (issue 18 items 1-2): lexicon, word timing, seeded
cues, word gestures at their words' times, head shakes/nods, audio-only fallback unchanged."""

import numpy as np
import pytest

from inference.audio import prepare_audio
from inference.body import head, lexicon, planner, procedural, words
from inference.options import GenerateOptions
from inference.prosody import analyze_prosody
from rigs.rotations import quat_mul, quat_to_matrix
from tests.test_body import SR, speech_like

FPS = 30.0


@pytest.fixture(scope="module")
def prosody():
    return analyze_prosody(prepare_audio(speech_like(12.0, seed=4), SR))


def _timing(spec):
    """WordTiming from [(word, stress_s), ...] (each word 0.3 s long around its stress)."""
    return words.WordTiming(tuple(words.SpokenWord(w, t - 0.12, t + 0.18, t, 0.8, lexicon.is_content_word(w))
                                  for w, t in spec))


def test_lexicon_matches_words_case_and_punctuation_insensitively():
    assert lexicon.lookup("You,").category == "addressee"
    assert lexicon.lookup("DON\u2019T").category == "negate"
    assert lexicon.lookup("me").arm_gesture == "self_point"
    assert lexicon.lookup("yes").head == "nod" and lexicon.lookup("never").head == "shake"
    assert lexicon.lookup("huge").hands == "both" and lexicon.lookup("tiny").arm_gesture == "size_small"
    assert lexicon.lookup("second").category == "enumerate"
    assert lexicon.lookup("table") is None
    assert lexicon.is_content_word("country") and not lexicon.is_content_word("the")
    assert lexicon.is_content_word("you")          # lexicon words keep their stress
    with pytest.raises(TypeError, match="word"):
        lexicon.lookup(3)
    seen = [w for ws in lexicon.WORDS.values() for w in ws]
    assert len(seen) == len(set(seen))


def test_stressed_syllable_is_the_prominent_vowel_of_a_content_word(prosody):
    loud_t = float(prosody.accents_s[np.argmax(prosody.accent_strength)])
    phones = (np.array([loud_t - 0.6, loud_t - 0.35, loud_t - 0.05]), np.array([loud_t - 0.35, loud_t - 0.05, loud_t + 0.1]),
              np.array(["ih", "n", "aa"]))
    wds = (np.array([loud_t - 0.6, loud_t - 0.6]), np.array([loud_t - 0.35, loud_t + 0.1]), np.array(["the", "water"]))
    tm = words.timing_from_alignment(phones, wds, prosody)
    water = tm.words[1]
    assert not tm.words[0].content and water.content
    assert loud_t - 0.05 <= water.stress_s <= loud_t + 0.1            # the loud vowel, not "ih"
    times, _ = tm.stressed_syllables()
    np.testing.assert_allclose(times, [water.stress_s])
    with pytest.raises(ValueError, match="equal-length"):
        words.timing_from_alignment(phones, (wds[0], wds[1][:1], wds[2]), prosody)


def test_cues_and_motion_are_repeatable_with_a_seed(prosody):
    tm = _timing([("i", 1.0), ("you", 3.0), ("this", 5.0), ("no", 7.0), ("big", 9.0), ("first", 10.5)])
    assert words.lexical_cues(tm, 5) == words.lexical_cues(tm, 5)
    n = int(12.0 * FPS)
    a = procedural.synthesize(prosody, 12.0, FPS, n, GenerateOptions(seed=5), None, tm)[0]
    b = procedural.synthesize(prosody, 12.0, FPS, n, GenerateOptions(seed=5), None, tm)[0]
    c = procedural.synthesize(prosody, 12.0, FPS, n, GenerateOptions(seed=6), None, tm)[0]
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-3


@pytest.mark.parametrize("word, gtype", [("you", "point_you"), ("me", "self_point"), ("huge", "size_big"),
                                         ("two", "count"), ("that", "point")])
def test_a_word_gesture_strikes_on_its_word(prosody, word, gtype):
    spec = [("so", 2.0), (word, 6.0), ("well", 8.5)]
    style = GenerateOptions().gesture
    for seed in range(12):
        cues = words.lexical_cues(_timing(spec), seed)
        if any(c.arm_gesture == gtype for c in cues):
            break
    else:
        pytest.fail(f"no {gtype} cue for {word!r} in 12 seeds")
    plan = planner.plan_gestures(words.with_word_accents(prosody, _timing(spec)), 12.0, style, seed, cues)
    hits = [s for s in plan.strokes if s.gtype == gtype]
    assert len(hits) == 1 and abs(hits[0].apex_s - 6.0 - words.STRESS_DELAY_S) <= 0.06, plan.strokes
    if gtype == "size_big":
        assert hits[0].hands == "both"


def _yaw_pitch(q):
    """Yaw and pitch (rad) of the head's forward axis from the neck and head local rotations."""
    f = quat_to_matrix(quat_mul(q[:, 12], q[:, 15]))[:, :, 2]
    return np.arctan2(f[:, 0], f[:, 2]), np.arcsin(np.clip(-f[:, 1], -1, 1))


def _reversals(x):
    d = np.sign(np.diff(x))
    d = d[d != 0]
    return int(np.sum(d[1:] != d[:-1]))


def test_head_shakes_on_no_and_nods_on_yes(prosody):
    n = int(12.0 * FPS)
    t = np.arange(n) / FPS
    for seed in range(12):
        tm = _timing([("no", 3.0), ("yes", 8.0)])
        cues = words.lexical_cues(tm, seed)
        if {c.head for c in cues} == {"nod", "shake"}:
            break
    q = procedural.synthesize(prosody, 12.0, FPS, n, GenerateOptions(seed=seed), None, tm)[0]
    q0 = procedural.synthesize(prosody, 12.0, FPS, n, GenerateOptions(seed=seed), None, None)[0]
    yaw, pitch = _yaw_pitch(q)
    yaw0, _ = _yaw_pitch(q0)
    shake = (t > 2.9) & (t < 3.7)
    assert _reversals(yaw[shake]) >= 3 and np.ptp(yaw[shake]) > 0.1, (np.ptp(yaw[shake]), _reversals(yaw[shake]))
    assert _reversals(yaw0[shake]) <= 1                        # no shake without the word
    nod = (t > 7.9) & (t < 8.9)
    assert _reversals(pitch[nod]) >= 2


def test_gaze_breaks_start_with_the_face_blinks():
    rng = np.random.default_rng(0)
    phrases = tuple((2.0 + 3.0 * k, 4.5 + 3.0 * k) for k in range(20))
    blinks = np.array([2.25 + 3.0 * k for k in range(20)])
    br = head.gaze_breaks(phrases, blinks, rng)
    assert 8 <= len(br) <= 20
    assert all(np.min(np.abs(blinks - b[0])) < 1e-9 for b in br)
    curve = np.zeros(100)
    curve[[10, 11, 12, 40, 41]] = 1.0
    np.testing.assert_allclose(head.blink_onsets_s(curve, 10.0), [1.0, 4.0])


def test_without_words_the_arm_plan_is_the_audio_only_one(prosody):
    style = GenerateOptions().gesture
    a = planner.plan_gestures(words.with_word_accents(prosody, None), 12.0, style, 2, words.lexical_cues(None, 2))
    b = planner.plan_gestures(prosody, 12.0, style, 2)
    assert a.keys == b.keys and a.strokes == b.strokes


def test_transcript_reaches_the_body_and_a_wrong_one_falls_back(shared):
    pytest.importorskip("pocketsphinx")
    from inference.audio import load_audio

    clip = load_audio(shared("speech", "en", "jfk_inaugural_1961.flac"))
    text = "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    body = procedural.ProceduralBody()
    plain = body.run(clip, GenerateOptions(seed=1))
    wrong = body.run(clip, GenerateOptions(seed=1, transcript="the quick brown fox jumps over the lazy dog"))
    right = body.run(clip, GenerateOptions(seed=1, transcript=text))
    assert plain.model == wrong.model == procedural.MODEL_NAME and right.model == procedural.MODEL_NAME + "+words"
    np.testing.assert_array_equal(plain.poses, wrong.poses)
    assert np.abs(plain.poses - right.poses).max() > 0.05


def test_head_takes_back_most_of_the_torso_turn():
    """Gaze holds on the listener: a torso yaw of 0.2 rad leaves 30% of it on the head."""
    t = np.arange(90) / FPS
    kw = dict(phrases=(), nods=[], accents=(np.zeros(0), np.zeros(0)))
    neck0, head0 = head.head_motion(t, rng=np.random.default_rng(1), **kw)
    neck1, head1 = head.head_motion(t, rng=np.random.default_rng(1), torso_yaw=np.full(90, 0.2), **kw)
    f = lambda n, h: quat_to_matrix(quat_mul(n, h))[:, :, 2]  # noqa: E731
    yaw0 = np.arctan2(f(neck0, head0)[:, 0], f(neck0, head0)[:, 2])
    yaw1 = np.arctan2(f(neck1, head1)[:, 0], f(neck1, head1)[:, 2])
    np.testing.assert_allclose(yaw1 - yaw0, -head.HOLD_GAIN * 0.2, atol=0.01)
