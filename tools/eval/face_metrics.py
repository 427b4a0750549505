"""Lip-sync metrics, defined once for every face evaluator (``training/eval_face.py``,
``training/datagen/check_alignment.py``, :mod:`tools.eval.face_geometry`, :mod:`tools.eval.emotion`,
:mod:`tools.eval.face_beat2`).

Frames are at one rate ``fps`` (frame ``i`` at ``i / fps`` s); phones are ``(start_s, end_s, labels)``
(seconds, ARPAbet or ``sil``). Shared by all three families below:

- **bilabial window**: the frames ``i`` with ``(start - 0.5/fps) * fps <= i <= (end + 0.5/fps) * fps``
  of a /p b m/ phone (half a frame either side for frame quantisation), :func:`bilabial_windows`.
- **rest frames**: frames at least :data:`REST_MARGIN_S` from every non-silence phone, :func:`rest_frames`.
- **lag**: lag (frames, positive = mouth late) of the maximum cross-correlation of two mean-removed
  openness signals within +-:data:`MAX_LAG_S`, parabolic sub-frame peak (:func:`xcorr`,
  :func:`peak_lag`). Target within +-1 frame at 30 fps.
- **r**: Pearson correlation (:func:`pearson`; NaN for fewer than 3 frames or a flat signal).

**Lip gap on a real head** (``gap_mm`` from :meth:`tools.eval.reference_head.LipGauge.gap_mm`;
:func:`clip_sums`, :func:`pool`, :func:`summarize`):

- **clean bilabial closure**: share of /p b m/ phones whose window has a closed frame (gap <=
  :data:`CLOSED_MM`) and no frame crossing by more than :data:`CROSS_MM`. Target >= 0.90.
- **crossing share**: share of speech frames (inside non-silence phones; all frames when no phones
  are given) with gap < -:data:`CROSS_MM`. Target <= 1 %. ``deep crossing``: gap < -:data:`DEEP_CROSS_MM`.
- **aperture r**: r over all frames of ``max(gap, 0)`` with the phone-derived openness
  (:func:`phone_openness`). Target >= 0.75. ``best-lag r``: the same at the best lag; **lag** of the two.
- **opening amplitude**: median and 90th percentile of the gap (mm) on non-bilabial speech frames.
- **rest in pauses**: share of rest frames with ``|gap - rest_gap| <=`` :data:`REST_MM`. Target >= 0.97.
- **shut / near shut on non-bilabial speech**: share of those frames with gap <= CLOSED_MM /
  <= :data:`NEAR_SHUT_MM` (6 mm, about 15 % of the reference head's jawOpen = 1 gap: a mouth that reads
  as shut or mumbled). Target <= 15 % (issue 17; Rhubarb Lip Sync's shapes 5-8 % on read English).

Phone-derived openness is independent of the project's viseme table: a class per phone from
articulatory phonetics (P. Ladefoged and K. Johnson, *A Course in Phonetics*, 7th ed., ch. 4, 9:
open > mid > close vowels; bilabials shut; other consonants narrow), step-wise in time, smoothed
with a Gaussian of :data:`OPENNESS_SIGMA_S` (the jaw's low-pass character).

**ARKit weights against the oracle** (the target generator on a true alignment; ``(T, 52)`` arrays
in [0, 1]; :func:`clip_stats`, :func:`pool_stats`, :func:`summarize_stats`):

- **lips closed**: ``jawOpen - mouthClose <=`` :data:`CLOSED_APERTURE_MAX` and ``mean(mouthUpperUp*)
  + mean(mouthLowerDown*) <=`` :data:`CLOSED_PARTING_MAX` (:func:`lips_closed`).
- **bilabial closure rate**: share of /p b m/ phones whose window has a closed frame. Target >= 0.9.
- **mouth-open r**: r of predicted and oracle ``jawOpen`` over all frames. Target >= 0.8. **lag** of
  ``max(jawOpen - mouthClose, 0)`` (:func:`mouth_opening`).
- **viseme accuracy**: share of speech frames whose nearest viseme prototype
  (:func:`inference.face.visemes.nearest_viseme`) is the oracle's.
- **silence rest share**: share of rest frames whose speech channels (:data:`rigs.arkit.SPEECH_CHANNELS`)
  are all <= :data:`REST_MAX`. Target >= 0.95.
- **jitter ratio**: mean absolute second difference of the speech channels, prediction / oracle.
- **speech MAE**: mean absolute error over the speech channels and all frames.

**Against a captured face** (the capture's jaw angle, our lip gap; :func:`jaw_r`, :func:`closure_scores`):
**jaw r** of our ``jawOpen`` with the capture's jaw on speech frames, at lag 0 and the best lag within
+-:data:`MAX_LAG_FRAMES`; **closure recall**: capture closures (speech-frame runs with the jaw within
its :data:`CLOSED_QUANTILE`) with one of ours (gap <= CLOSED_MM) within +-:data:`MATCH_FRAMES`, false
closures per speech minute, and chance recall after random circular shifts of ours (>= 1 s).

Thresholds are project choices, documented in docs/face-quality.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from rigs import arkit

BILABIALS = ("p", "b", "m")
REST_MARGIN_S: float = 0.15
MAX_LAG_S: float = 0.3
CLOSED_MM: float = 1.0
NEAR_SHUT_MM: float = 6.0
CROSS_MM: float = 2.0
DEEP_CROSS_MM: float = 4.0
REST_MM: float = 1.0
OPENNESS_SIGMA_S: float = 0.04
CLOSED_APERTURE_MAX: float = 0.05
CLOSED_PARTING_MAX: float = 0.15
REST_MAX: float = 0.15
CLOSED_QUANTILE: float = 0.15
MATCH_FRAMES: int = 2
MAX_LAG_FRAMES: int = 3

#: Openness class per ARPAbet phone (stress stripped); unknown phones count as narrow consonants.
OPENNESS: dict[str, float] = {
    **{p: 1.0 for p in ("aa", "ae", "ah", "ao", "aw", "ay")},
    **{p: 0.7 for p in ("eh", "er", "ey", "ow", "oy")},
    **{p: 0.45 for p in ("ih", "iy", "uh", "uw")},
    **{p: 0.0 for p in BILABIALS},
    **{p: 0.15 for p in ("f", "v", "w")},
    "sil": 0.0,
}
CONSONANT_OPENNESS: float = 0.3
_I = arkit.arkit_index
_SPEECH = [_I(n) for n in arkit.SPEECH_CHANNELS]


# -- shared definitions --------------------------------------------------------------------------

def bilabial_windows(fps: float, num_frames: int, start_s, end_s, labels) -> list[tuple[int, int]]:
    """``[(first, end_exclusive), ...]`` frame windows of the /p b m/ phones (module docstring), empty
    windows left out; ``labels`` already normalised (lower case, no stress digit)."""
    out = []
    for a, b, lab in zip(start_s, end_s, labels):
        if lab not in BILABIALS:
            continue
        i0 = max(0, int(np.ceil((a - 0.5 / fps) * fps)))
        i1 = min(num_frames, int(np.floor((b + 0.5 / fps) * fps)) + 1)
        if i1 > i0:
            out.append((i0, i1))
    return out


def rest_frames(fps: float, num_frames: int, start_s, end_s, labels) -> np.ndarray:
    """``(T,)`` bool: frames at least :data:`REST_MARGIN_S` from every non-``sil`` phone."""
    tt = np.arange(num_frames) / fps
    near = np.zeros(num_frames, bool)
    for a, b, lab in zip(start_s, end_s, labels):
        if lab != "sil":
            near |= (tt >= a - REST_MARGIN_S) & (tt < b + REST_MARGIN_S)
    return ~near


def xcorr(p: np.ndarray, o: np.ndarray, max_lag: int) -> np.ndarray:
    """``(2 max_lag + 1,)`` float64: sums of mean-removed ``p`` (shifted) times ``o`` at lags -L..L."""
    p, o = p - p.mean(), o - o.mean()
    n = len(p)
    out = np.zeros(2 * max_lag + 1)
    for k, lag in enumerate(range(-max_lag, max_lag + 1)):
        if abs(lag) < n:
            out[k] = np.dot(p[lag:], o[:n - lag]) if lag >= 0 else np.dot(p[:n + lag], o[-lag:])
    return out


def peak_lag(xc: np.ndarray) -> float:
    """Lag in frames of the peak of a :func:`xcorr` result, sub-frame by a parabola through the peak."""
    k = int(np.argmax(xc))
    frac = 0.0
    if 0 < k < len(xc) - 1:
        den = xc[k - 1] - 2 * xc[k] + xc[k + 1]
        frac = 0.5 * (xc[k - 1] - xc[k + 1]) / den if den != 0 else 0.0
    return float(k - (len(xc) - 1) // 2 + frac)


def pearson(a, b) -> float:
    """Pearson r of two equal-length 1-D arrays; NaN for fewer than 3 samples or a flat one."""
    a, b = np.asarray(a), np.asarray(b)
    if len(a) > 2 and a.std() > 1e-9 and b.std() > 1e-9:
        return float(np.corrcoef(a, b)[0, 1])
    return float("nan")


# -- lip gap on a real head (mm) -----------------------------------------------------------------

def _label(x: str) -> str:
    x = str(x).lower().rstrip("012")
    return "sil" if x in ("sil", "sp", "") or x.startswith("+") or x.startswith("<") else x


def frame_phones(fps: float, num_frames: int, start_s, end_s, labels) -> np.ndarray:
    """``(T,)`` object array: the phone label at each frame time (``"sil"`` outside phones)."""
    out = np.full(num_frames, "sil", dtype=object)
    t = np.arange(num_frames) / fps
    for s, e, lab in zip(start_s, end_s, labels):
        out[(t >= s) & (t < e)] = _label(lab)
    return out


def phone_openness(fps: float, num_frames: int, start_s, end_s, labels) -> np.ndarray:
    """``(T,)`` float64 phone-derived mouth openness in [0, 1] (module docstring)."""
    ph = frame_phones(fps, num_frames, start_s, end_s, labels)
    x = np.array([OPENNESS.get(p, CONSONANT_OPENNESS) for p in ph], np.float64)
    sigma = OPENNESS_SIGMA_S * fps
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return np.convolve(np.pad(x, r, mode="edge"), k / k.sum(), mode="valid")


def clip_sums(gap_mm: np.ndarray, rest_gap_mm: float, fps: float, phones=None) -> dict:
    """Summable statistics of one clip (pool with :func:`pool`, read with :func:`summarize`).

    Args:
        gap_mm: ``(T,)`` lip gap in mm.
        rest_gap_mm: the head's gap at rest.
        fps: frame rate of ``gap_mm``.
        phones: ``(start_s, end_s, labels)`` or ``None`` (then only the phone-free metrics:
            crossing share on all frames and the opening amplitude).
    """
    g = np.asarray(gap_mm, np.float64)
    t = len(g)
    s: dict = {"frames": t}
    if phones is None:
        s.update(speech=t, cross=int((g < -CROSS_MM).sum()), deep=int((g < -DEEP_CROSS_MM).sum()),
                 open_gaps=list(g), min_gap=float(g.min()))
        return s
    start, end, labels = (np.asarray(x) for x in phones)
    labels = np.array([_label(x) for x in labels])
    ph = frame_phones(fps, t, start, end, labels)
    speech = ph != "sil"
    bil = np.isin(ph, BILABIALS)
    s.update(speech=int(speech.sum()), cross=int((g < -CROSS_MM)[speech].sum()),
             deep=int((g < -DEEP_CROSS_MM)[speech].sum()), min_gap=float(g.min()))
    closed = g <= CLOSED_MM
    windows = bilabial_windows(fps, t, start, end, labels)
    hits = [bool(closed[i0:i1].any()) for i0, i1 in windows]
    clean = sum(h and bool((g[i0:i1] >= -CROSS_MM).all()) for h, (i0, i1) in zip(hits, windows))
    s.update(bil_total=len(windows), bil_closed=sum(hits), bil_clean=clean)
    nb = speech & ~bil
    s.update(open_gaps=list(g[nb]), shut_nb=int(closed[nb].sum()), nb=int(nb.sum()),
             near_nb=int((g <= NEAR_SHUT_MM)[nb].sum()))
    rest = rest_frames(fps, t, start, end, labels)
    s.update(rest_total=int(rest.sum()), rest_hits=int((np.abs(g - rest_gap_mm) <= REST_MM)[rest].sum()))
    o = phone_openness(fps, t, start, end, labels)
    a = np.clip(g, 0.0, None)
    s.update(ap=list(a), op=list(o))
    lag = int(round(MAX_LAG_S * fps))
    s["xcorr"] = xcorr(a, o, lag) if t > 2 * lag else np.zeros(2 * lag + 1)
    s["fps"] = fps
    return s


def pool(items: list[dict]) -> dict:
    """Sum :func:`clip_sums` statistics (lists concatenated, cross-correlations added)."""
    out: dict = {}
    for s in items:
        for k, v in s.items():
            if k == "min_gap":
                out[k] = min(out.get(k, np.inf), v)
            elif k == "fps":
                out[k] = v
            elif isinstance(v, list):
                out.setdefault(k, []).extend(v)
            elif isinstance(v, np.ndarray):
                out[k] = out[k] + v if k in out else v.copy()
            else:
                out[k] = out.get(k, 0) + v
    return out


def summarize(s: dict) -> dict:
    """Lip-gap metric values (``nan`` where not measurable) from :func:`pool` ed sums."""
    def ratio(a, b):
        return s.get(a, 0) / s[b] if s.get(b) else float("nan")

    gaps = np.asarray(s.get("open_gaps", []))
    out = {
        "clean_closure": ratio("bil_clean", "bil_total"), "closure": ratio("bil_closed", "bil_total"),
        "bilabials": s.get("bil_total", 0), "cross_share": ratio("cross", "speech"),
        "deep_share": ratio("deep", "speech"), "min_gap_mm": s.get("min_gap", float("nan")),
        "open_median_mm": float(np.median(gaps)) if len(gaps) else float("nan"),
        "open_p90_mm": float(np.percentile(gaps, 90)) if len(gaps) else float("nan"),
        "rest": ratio("rest_hits", "rest_total"), "shut_nonbilabial": ratio("shut_nb", "nb"),
        "near_shut_nonbilabial": ratio("near_nb", "nb"),
        "aperture_r": float("nan"), "best_lag_r": float("nan"), "lag_frames": float("nan"),
    }
    if s.get("ap"):
        a, o = np.asarray(s["ap"]), np.asarray(s["op"])
        out["aperture_r"] = pearson(a, o)
        lag = peak_lag(s["xcorr"])
        out["lag_frames"] = lag
        li = int(round(lag))
        aa, oo = (a[li:], o[:len(o) - li]) if li >= 0 else (a[:li], o[-li:])
        out["best_lag_r"] = pearson(aa, oo)
    return out


# -- ARKit weights against the oracle ------------------------------------------------------------

def _check(a, name):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != arkit.NUM_ARKIT:
        raise ValueError(f"{name}: expected shape (T, 52), found {a.shape}")
    return a


def lips_closed(a: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: lips closed per frame of an ARKit ``(T, 52)`` array (module docstring)."""
    a = _check(a, "arkit")
    aperture = a[:, _I("jawOpen")] - a[:, _I("mouthClose")]
    parting = (a[:, _I("mouthUpperUpLeft")] + a[:, _I("mouthUpperUpRight")]
               + a[:, _I("mouthLowerDownLeft")] + a[:, _I("mouthLowerDownRight")]) / 2
    return (aperture <= CLOSED_APERTURE_MAX) & (parting <= CLOSED_PARTING_MAX)


def mouth_opening(a: np.ndarray) -> np.ndarray:
    """``(T,)`` float64: ``max(jawOpen - mouthClose, 0)`` of an ARKit ``(T, 52)`` array."""
    a = _check(a, "arkit")
    return np.clip(a[:, _I("jawOpen")] - a[:, _I("mouthClose")], 0.0, None)


@dataclass
class ClipStats:
    """Poolable sums for one clip (or a pool of clips): counts and sums add, lists concatenate."""

    closure_hits: int = 0
    closure_total: int = 0
    jaw_pred: list = field(default_factory=list)
    jaw_oracle: list = field(default_factory=list)
    viseme_hits: int = 0
    viseme_total: int = 0
    xcorr: np.ndarray | None = None
    rest_hits: int = 0
    rest_total: int = 0
    jitter_pred: float = 0.0
    jitter_oracle: float = 0.0
    abs_err: float = 0.0
    frames: int = 0


def clip_stats(pred, oracle, fps: float, phone_start_s, phone_end_s, phone_label) -> ClipStats:
    """Statistics of one clip.

    Args:
        pred, oracle: ``(T, 52)`` ARKit arrays at ``fps`` (``pred`` is cut/padded to ``T`` of oracle).
        fps: frame rate of both.
        phone_start_s, phone_end_s, phone_label: the true alignment (seconds, ARPAbet/``sil``).

    Raises:
        ValueError: wrong shapes, fps <= 0, or unknown phone labels.
    """
    # imported here: the lip-gap metrics run on another checkout's inference/ (``--code``)
    from inference.face.visemes import nearest_viseme, normalize_phone

    oracle = _check(oracle, "oracle")
    pred = _check(pred, "pred")
    if not fps > 0:
        raise ValueError(f"fps: expected > 0, found {fps!r}")
    t = oracle.shape[0]
    if pred.shape[0] < t:
        pred = np.concatenate([pred, np.repeat(pred[-1:], t - pred.shape[0], axis=0)])
    pred = pred[:t]
    labels = [normalize_phone(x) for x in phone_label]
    start = np.asarray(phone_start_s, dtype=np.float64)
    end = np.asarray(phone_end_s, dtype=np.float64)
    times = np.arange(t) / fps
    s = ClipStats(frames=t)
    closed = lips_closed(pred)
    windows = bilabial_windows(fps, t, start, end, labels)
    s.closure_total = len(windows)
    s.closure_hits = sum(int(closed[i0:i1].any()) for i0, i1 in windows)
    speech = np.zeros(t, bool)
    for a, b, lab in zip(start, end, labels):
        if lab != "sil":
            speech |= (times >= a) & (times < b)
    s.jaw_pred = [pred[:, _I("jawOpen")]]
    s.jaw_oracle = [oracle[:, _I("jawOpen")]]
    if speech.any():
        s.viseme_hits = int((nearest_viseme(pred[speech]) == nearest_viseme(oracle[speech])).sum())
        s.viseme_total = int(speech.sum())
    s.xcorr = xcorr(mouth_opening(pred), mouth_opening(oracle), int(round(MAX_LAG_S * fps)))
    rest = rest_frames(fps, t, start, end, labels)
    s.rest_total = int(rest.sum())
    s.rest_hits = int((pred[rest][:, _SPEECH].max(axis=1) <= REST_MAX).sum()) if rest.any() else 0
    s.abs_err = float(np.abs(pred[:, _SPEECH] - oracle[:, _SPEECH]).mean(axis=1).sum())
    if t >= 3:
        s.jitter_pred = float(np.abs(np.diff(pred[:, _SPEECH], 2, axis=0)).mean(axis=1).sum())
        s.jitter_oracle = float(np.abs(np.diff(oracle[:, _SPEECH], 2, axis=0)).mean(axis=1).sum())
    return s


def pool_stats(stats: list[ClipStats]) -> ClipStats:
    """Sum a list of :class:`ClipStats` (cross-correlations at one frame rate add element-wise)."""
    out = ClipStats()
    for s in stats:
        for f in fields(ClipStats):
            v = getattr(s, f.name)
            if f.name == "xcorr":
                if v is not None:
                    out.xcorr = v.copy() if out.xcorr is None else out.xcorr + v
            else:
                setattr(out, f.name, getattr(out, f.name) + v)
    return out


def summarize_stats(stats: ClipStats | list[ClipStats]) -> dict:
    """Weight-space metric values (NaN where a metric has no data).

    Returns:
        dict with ``closure_rate``, ``bilabials`` (count), ``mouth_open_r``, ``viseme_acc``,
        ``lag_frames``, ``rest_share``, ``rest_frames``, ``jitter_ratio``, ``speech_mae``, ``frames``.
    """
    s = pool_stats(stats) if isinstance(stats, list) else stats
    nan = float("nan")
    jp = np.concatenate(s.jaw_pred) if s.jaw_pred else np.zeros(0)
    jo = np.concatenate(s.jaw_oracle) if s.jaw_oracle else np.zeros(0)
    lag = peak_lag(s.xcorr) if s.xcorr is not None and np.any(s.xcorr != 0) else nan
    return {
        "closure_rate": s.closure_hits / s.closure_total if s.closure_total else nan,
        "bilabials": s.closure_total,
        "mouth_open_r": pearson(jp, jo),
        "viseme_acc": s.viseme_hits / s.viseme_total if s.viseme_total else nan,
        "lag_frames": lag,
        "rest_share": s.rest_hits / s.rest_total if s.rest_total else nan,
        "rest_frames": s.rest_total,
        "jitter_ratio": s.jitter_pred / s.jitter_oracle if s.jitter_oracle > 0 else nan,
        "speech_mae": s.abs_err / s.frames if s.frames else nan,
        "frames": s.frames,
    }


# -- against a captured face ---------------------------------------------------------------------

def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, end_exclusive), ...]`` of the True runs of a ``(T,)`` bool array."""
    m = np.r_[False, np.asarray(mask, bool), False].astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def match(events: list, other: list, tol: int) -> int:
    """How many of ``events`` have a run of ``other`` within ``tol`` frames."""
    hit = 0
    for a, b in events:
        hit += any(c - tol < b and a < d + tol for c, d in other)
    return hit


def closure_scores(capture_jaw: np.ndarray, our_gap_mm: np.ndarray, speech: np.ndarray, seed: int = 0,
                   fps: float = 30.0) -> dict:
    """Closure recall, false closures per speech minute and chance recall (module docstring).

    Args:
        capture_jaw: ``(T,)`` the capture's jaw opening (any monotonic unit, e.g. radians).
        our_gap_mm: ``(T,)`` our inner-lip gap in mm; speech: ``(T,)`` bool speech frames.
        seed: of the random shifts for the chance recall; fps: frame rate of all three.
    """
    q = float(np.quantile(capture_jaw[speech], CLOSED_QUANTILE))
    cap = runs(speech & (capture_jaw <= q))
    ours = runs(speech & (our_gap_mm <= CLOSED_MM))
    minutes = speech.sum() / fps / 60.0
    rng = np.random.default_rng(seed)
    t = len(speech)
    chance = []
    for _ in range(50):
        k = int(rng.integers(int(fps), max(int(fps) + 1, t - int(fps))))
        shifted = runs(speech & np.roll(our_gap_mm <= CLOSED_MM, k))
        chance.append(match(cap, shifted, MATCH_FRAMES) / max(len(cap), 1))
    return {"capture_closures": len(cap), "our_closures": len(ours),
            "recall": match(cap, ours, MATCH_FRAMES) / max(len(cap), 1),
            "false_per_min": (len(ours) - match(ours, cap, MATCH_FRAMES)) / max(minutes, 1e-9),
            "chance_recall": float(np.mean(chance)), "speech_minutes": float(minutes)}


def jaw_r(ours: np.ndarray, capture: np.ndarray, speech: np.ndarray) -> tuple[float, int, float]:
    """``(r at lag 0, best lag in frames (positive = ours late), r at the best lag)`` on speech frames."""
    best = (-2.0, 0)
    r0 = pearson(ours[speech], capture[speech])
    for lag in range(-MAX_LAG_FRAMES, MAX_LAG_FRAMES + 1):
        o = np.roll(ours, -lag)
        best = max(best, (pearson(o[speech], capture[speech]), lag))
    return r0, best[1], best[0]
