"""Target generator (oracle): phones -> visemes -> ARKit-52 curves."""

from __future__ import annotations

import numpy as np
import pytest

from inference.face.targets import phones_to_arkit
from inference.face.visemes import load_tables, nearest_viseme, normalize_phone, viseme_of_phone
from rigs.arkit import ARKIT_NAMES, SEALED_LIMITS, SPEECH_CHANNELS, arkit_index


def ch(a, name):
    return a[:, arkit_index(name)]


def curves(phones, fps=100.0, total_s=None):
    s = [p[1] for p in phones]
    e = [p[2] for p in phones]
    lab = [p[0] for p in phones]
    total_s = total_s or e[-1]
    return phones_to_arkit(s, e, lab, fps, int(round(total_s * fps)))


def frames(fps, a, b):
    return slice(int(np.ceil(a * fps)), int(np.ceil(b * fps)))


WORD = [("sil", 0.0, 0.4), ("p", 0.4, 0.48), ("aa", 0.48, 0.72), ("p", 0.72, 0.8),
        ("uw", 0.8, 1.05), ("sil", 1.05, 1.6)]


def test_tables_cover_cmu_phoneme_set():
    cmu = ("aa ae ah ao aw ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th "
           "uh uw v w y z zh").split()
    t = load_tables()
    assert set(cmu) | {"sil", "sp"} == set(t.phonemes)
    assert t.weights.shape == (len(t.names), 52) and t.weights.dtype == np.float32
    speech = {arkit_index(c) for c in SPEECH_CHANNELS}
    assert all(i in speech for i in np.flatnonzero(t.weights.any(0)))
    assert normalize_phone("AH0") == "ah" and normalize_phone("+NSN+") == "sil"
    assert viseme_of_phone("B") == "PP" and viseme_of_phone("OW1") == "OH"


def test_shape_dtype_range_and_non_speech_channels_zero():
    a = curves(WORD)
    assert a.shape == (160, 52) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    non_speech = [i for i, n in enumerate(ARKIT_NAMES) if n not in SPEECH_CHANNELS]
    assert np.all(a[:, non_speech] == 0)


@pytest.mark.parametrize("fps", [24.0, 30.0, 60.0, 100.0])
def test_p_closes_lips(fps):
    a = curves(WORD, fps)
    for start, end in [(0.4, 0.48), (0.72, 0.8)]:
        seg = a[frames(fps, start - 0.5 / fps, end + 0.5 / fps)]
        # sealed: a nearly shut jaw whose lip opening mouthClose cancels (ARKit semantics)
        closed = (ch(seg, "jawOpen") <= 0.08) & (ch(seg, "jawOpen") - ch(seg, "mouthClose") <= 0.01) \
            & (ch(seg, "mouthPressLeft") >= 0.2) & (ch(seg, "mouthPressRight") >= 0.2)
        assert closed.any(), (fps, start)


@pytest.mark.parametrize("fps", [24.0, 30.0, 100.0])
def test_mouth_close_never_exceeds_jaw_open(fps):
    """ARKit mouthClose seals the lips against the open jaw: never above jawOpen (the pre-v3
    targets had mouthClose 0.75 at jawOpen 0.05: lips ~30 mm through each other on a real head)."""
    rng = np.random.default_rng(1)
    dur = rng.uniform(0.02, 0.2, 150)
    e = np.cumsum(dur)
    labels = rng.choice(["p", "b", "m", "aa", "iy", "uw", "f", "s", "sil"], 150)
    a = phones_to_arkit(e - dur, e, labels, fps, int(e[-1] * fps))
    assert (ch(a, "mouthClose") <= ch(a, "jawOpen") + 1e-6).all()
    seal = np.where(ch(a, "jawOpen") > 0.01, ch(a, "mouthClose") / np.maximum(ch(a, "jawOpen"), 1e-6), 0)
    for name, limit in SEALED_LIMITS.items():
        assert (ch(a, name) <= 1.0 - seal * (1.0 - limit) + 1e-5).all(), name
        assert (ch(a, name)[seal > 0.999] <= limit + 1e-3).all(), name


def test_very_short_bilabial_still_closes_at_24_fps():
    ph = [("sil", 0, 0.3), ("aa", 0.3, 0.5), ("b", 0.5, 0.52), ("aa", 0.52, 0.8), ("sil", 0.8, 1.2)]
    a = curves(ph, 24.0)
    seg = a[frames(24.0, 0.5 - 0.5 / 24, 0.52 + 0.5 / 24)]
    sealed = (ch(seg, "jawOpen") <= 0.08) & (ch(seg, "jawOpen") - ch(seg, "mouthClose") <= 0.01)
    assert sealed.any()


def test_aa_opens_jaw_and_p_does_not():
    a = curves(WORD)
    assert ch(a, "jawOpen")[frames(100, 0.55, 0.65)].max() > 0.35
    assert ch(a, "jawOpen")[frames(100, 0.42, 0.46)].max() < 0.1
    assert ch(a, "mouthClose")[frames(100, 0.55, 0.65)].max() < 0.3


def test_uw_rounds_and_aa_does_not():
    a = curves(WORD)
    uw = frames(100, 0.88, 1.0)
    assert ch(a, "mouthPucker")[uw].max() > 0.5 and ch(a, "mouthFunnel")[uw].max() > 0.3
    aa = frames(100, 0.55, 0.65)
    assert ch(a, "mouthPucker")[aa].max() < ch(a, "mouthPucker")[uw].max() / 2


def test_w_rounds_f_tucks_th_shows_tongue():
    ph = [("sil", 0, 0.3), ("w", 0.3, 0.42), ("ah", 0.42, 0.6), ("f", 0.6, 0.72), ("ah", 0.72, 0.9),
          ("th", 0.9, 1.02), ("ah", 1.02, 1.2), ("sil", 1.2, 1.6)]
    a = curves(ph)
    assert ch(a, "mouthPucker")[frames(100, 0.33, 0.4)].max() > 0.5
    f = frames(100, 0.63, 0.7)
    assert ch(a, "mouthRollLower")[f].max() > 0.4 and ch(a, "mouthUpperUpLeft")[f].max() > 0.2
    th = frames(100, 0.93, 1.0)
    assert 0.1 < ch(a, "tongueOut")[th].max() < 0.5
    assert ch(a, "tongueOut")[frames(100, 0.45, 0.55)].max() < 0.1


def test_silence_rests():
    a = curves(WORD)
    rest = np.r_[0:25, 125:160]  # > 0.15 s away from speech
    assert np.abs(a[rest]).max() < 0.05
    empty = phones_to_arkit([], [], [], 30.0, 10)
    assert empty.shape == (10, 52) and not empty.any()


def test_anticipation_and_carry_over():
    a = curves(WORD)
    # the rounding of /uw/ starts during the preceding /p/ (anticipation) ...
    assert ch(a, "mouthPucker")[frames(100, 0.74, 0.78)].max() > 0.1
    # ... and the jaw opening of /aa/ carries over into the following /p/'s onset
    assert ch(a, "jawOpen")[72] > ch(a, "jawOpen")[76]


@pytest.mark.parametrize("fps", [30.0, 100.0])
def test_smooth_bounded_second_difference(fps):
    rng = np.random.default_rng(0)
    dur = rng.uniform(0.04, 0.25, 200)
    e = np.cumsum(dur)
    s = e - dur
    labels = rng.choice(list(load_tables().phonemes), 200)
    a = phones_to_arkit(s, e, labels, fps, int(e[-1] * fps))
    d2 = np.abs(np.diff(a, n=2, axis=0))
    # per-frame acceleration bound in units per second^2: 0.6 full-scale swings per (50 ms)^2
    assert d2.max() * fps ** 2 < 0.6 / 0.05 ** 2 * 4
    assert d2.mean() * fps ** 2 < 60.0


def test_gaps_are_silence_and_order_does_not_matter():
    a = phones_to_arkit([1.0, 0.2], [1.2, 0.4], ["aa", "aa"], 100.0, 150)
    assert ch(a, "jawOpen")[65:75].max() < 0.02
    b = phones_to_arkit([0.2, 1.0], [0.4, 1.2], ["aa", "aa"], 100.0, 150)
    np.testing.assert_array_equal(a, b)


def test_nearest_viseme_recovers_prototypes():
    t = load_tables()
    assert list(nearest_viseme(t.weights)) == list(range(len(t.names)))


@pytest.mark.parametrize("bad, msg", [
    (dict(phone_label=["p", "xx"]), "ARPAbet"),
    (dict(phone_end_s=[0.1, 0.05]), "before start"),
    (dict(phone_end_s=[0.1]), "equal lengths"),
    (dict(phone_start_s=[0.0, np.nan]), "finite"),
    (dict(fps=0.0), "fps"),
    (dict(num_frames=0), "num_frames"),
])
def test_bad_input_errors(bad, msg):
    kw = dict(phone_start_s=[0.0, 0.1], phone_end_s=[0.1, 0.2], phone_label=["p", "aa"],
              fps=30.0, num_frames=10)
    kw.update(bad)
    with pytest.raises(ValueError, match=msg):
        phones_to_arkit(**kw)
