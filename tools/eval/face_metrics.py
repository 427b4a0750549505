"""Lip-sync metrics from the inner-lip gap on a real ARKit head (mm) and a phone alignment.

Per clip, at one frame rate ``fps`` (frame ``i`` at ``i / fps`` s); ``gap_mm`` from
:meth:`tools.eval.reference_head.LipGauge.gap_mm`:

- **clean bilabial closure**: share of /p b m/ phones during which (``[start - 0.5/fps,
  end + 0.5/fps]``) the lips are closed (gap <= :data:`CLOSED_MM`) in at least one frame *and*
  never cross by more than :data:`CROSS_MM` (gap >= -CROSS_MM on every frame). Target >= 0.90.
- **crossing share**: share of speech frames (inside non-silence phones; all frames when no phones
  are given) with gap < -:data:`CROSS_MM`. Target <= 1 %. ``deep crossing``: gap < -4 mm.
- **aperture r**: Pearson correlation, over all frames, of ``max(gap, 0)`` with the phone-derived
  openness (:func:`phone_openness`). Target >= 0.75. ``best-lag r``: the same at the best lag.
- **lag**: lag (frames, positive = mouth late) of the maximum cross-correlation of the same two
  signals within +-:data:`MAX_LAG_S`, parabolic sub-frame peak. Target within +-1 frame at 30 fps.
- **opening amplitude**: median and 90th percentile of the gap (mm) on speech frames outside
  bilabials (connected speech: how far the mouth opens).
- **rest in pauses**: share of silence frames at least :data:`REST_MARGIN_S` from any speech phone
  with ``|gap - rest_gap| <=`` :data:`REST_MM`. Target >= 0.97.
- **shut on non-bilabial speech**: share of speech frames outside bilabials with gap <= CLOSED_MM.
- **near shut on non-bilabial speech**: the same with gap <= :data:`NEAR_SHUT_MM` (6 mm, about
  15 % of the reference head's jawOpen = 1 gap): a mouth that reads as shut or mumbled. Target
  <= 15 % (issue 17; Rhubarb Lip Sync's shapes 5-8 % on read English).

Phone-derived openness is independent of the project's viseme table: a class per phone from
articulatory phonetics (P. Ladefoged and K. Johnson, *A Course in Phonetics*, 7th ed., ch. 4, 9:
open > mid > close vowels; bilabials shut; other consonants narrow), step-wise in time, smoothed
with a Gaussian of :data:`OPENNESS_SIGMA_S` (the jaw's low-pass character). It judges the timing
and relative size of mouth openings, not the absolute size.
"""

from __future__ import annotations

import numpy as np

CLOSED_MM: float = 1.0
NEAR_SHUT_MM: float = 6.0
CROSS_MM: float = 2.0
DEEP_CROSS_MM: float = 4.0
REST_MM: float = 1.0
REST_MARGIN_S: float = 0.15
MAX_LAG_S: float = 0.3
OPENNESS_SIGMA_S: float = 0.04
BILABIALS = ("p", "b", "m")

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


def _xcorr(p, o, max_lag):
    p, o = p - p.mean(), o - o.mean()
    n = len(p)
    out = np.zeros(2 * max_lag + 1)
    for k, lag in enumerate(range(-max_lag, max_lag + 1)):
        if abs(lag) < n:
            out[k] = np.dot(p[lag:], o[:n - lag]) if lag >= 0 else np.dot(p[:n + lag], o[-lag:])
    return out


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
    hits = clean = total = 0
    for a, b, lab in zip(start, end, labels):
        if lab not in BILABIALS:
            continue
        i0 = max(0, int(np.ceil((a - 0.5 / fps) * fps)))
        i1 = min(t, int(np.floor((b + 0.5 / fps) * fps)) + 1)
        if i1 <= i0:
            continue
        total += 1
        hit = bool(closed[i0:i1].any())
        hits += hit
        clean += hit and bool((g[i0:i1] >= -CROSS_MM).all())
    s.update(bil_total=total, bil_closed=hits, bil_clean=clean)
    nb = speech & ~bil
    s.update(open_gaps=list(g[nb]), shut_nb=int(closed[nb].sum()), nb=int(nb.sum()),
             near_nb=int((g <= NEAR_SHUT_MM)[nb].sum()))
    sp_t = np.array([(s0, e0) for s0, e0, lab in zip(start, end, labels) if lab != "sil"]).reshape(-1, 2)
    tt = np.arange(t) / fps
    near = np.zeros(t, bool)
    for a, b in sp_t:
        near |= (tt >= a - REST_MARGIN_S) & (tt < b + REST_MARGIN_S)
    rest = ~near
    s.update(rest_total=int(rest.sum()), rest_hits=int((np.abs(g - rest_gap_mm) <= REST_MM)[rest].sum()))
    o = phone_openness(fps, t, start, end, labels)
    a = np.clip(g, 0.0, None)
    s.update(ap=list(a), op=list(o))
    lag = int(round(MAX_LAG_S * fps))
    s["xcorr"] = _xcorr(a, o, lag) if t > 2 * lag else np.zeros(2 * lag + 1)
    s["fps"] = fps
    return s


def pool(items: list[dict]) -> dict:
    """Sum clip statistics (lists concatenated, cross-correlations added)."""
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
    """Metric values (``nan`` where not measurable) from pooled sums."""
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
        if a.std() > 0 and o.std() > 0:
            out["aperture_r"] = float(np.corrcoef(a, o)[0, 1])
        xc = s["xcorr"]
        k = int(np.argmax(xc))
        frac = 0.0
        if 0 < k < len(xc) - 1:
            den = xc[k - 1] - 2 * xc[k] + xc[k + 1]
            frac = 0.5 * (xc[k - 1] - xc[k + 1]) / den if den != 0 else 0.0
        lag = k - (len(xc) - 1) // 2 + frac
        out["lag_frames"] = float(lag)
        li = int(round(lag))
        if li >= 0:
            aa, oo = a[li:], o[:len(o) - li]
        else:
            aa, oo = a[:li], o[-li:]
        if len(aa) > 2 and aa.std() > 0 and oo.std() > 0:
            out["best_lag_r"] = float(np.corrcoef(aa, oo)[0, 1])
    return out
