"""Lip-sync quality metrics against the oracle (target generator run on a true phone alignment).

Definitions (all frames at one rate ``fps``; ARKit ``(T, 52)`` arrays in [0, 1]):

- **lips closed** in a frame: ``jawOpen - mouthClose <= CLOSED_APERTURE_MAX`` (the jaw opening is
  cancelled by lip closure, ARKit's ``mouthClose`` semantics, or the jaw is shut) and
  ``mean(mouthUpperUp*) + mean(mouthLowerDown*) <= CLOSED_PARTING_MAX`` (lips not pulled apart).
- **bilabial closure rate**: share of /p b m/ phones during which (``[start - 0.5/fps, end + 0.5/fps]``,
  allowing frame quantisation) the lips are closed in at least one frame. Target >= 0.9.
- **mouth-open r**: Pearson correlation of predicted and oracle ``jawOpen`` over all frames. Target >= 0.8.
- **viseme accuracy**: share of speech frames (inside non-silence phones) whose nearest viseme
  prototype (:func:`inference.face.visemes.nearest_viseme`) is the oracle's.
- **lag**: lag (frames, sub-frame by parabolic peak interpolation; positive = prediction late) of the
  maximum cross-correlation of mouth opening ``max(jawOpen - mouthClose, 0)``, searched within
  +-:data:`MAX_LAG_S`. Target within +-1 frame at 30 fps.
- **silence rest share**: share of silence frames at least :data:`REST_MARGIN_S` from any speech
  phone whose speech channels (:data:`rigs.arkit.SPEECH_CHANNELS`) are all <= :data:`REST_MAX`.
  Target >= 0.95.
- **jitter ratio**: mean absolute second difference of the speech channels, prediction / oracle
  (1 = as smooth as the oracle; > 1 = jittery).
- **speech MAE**: mean absolute error over the speech channels and all frames (0 = the oracle).

Clip statistics are kept as sums so they pool exactly per speaker and overall (:func:`summarize`).
Thresholds are project choices, documented in docs/face-quality.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from inference.face.visemes import nearest_viseme, normalize_phone
from rigs import arkit

CLOSED_APERTURE_MAX = 0.05
CLOSED_PARTING_MAX = 0.15
REST_MAX = 0.15
REST_MARGIN_S = 0.15
MAX_LAG_S = 0.3
BILABIALS = ("p", "b", "m")
_I = arkit.arkit_index
_SPEECH = [_I(n) for n in arkit.SPEECH_CHANNELS]


def lips_closed(a: np.ndarray) -> np.ndarray:
    """``(T,)`` bool: lips closed per frame of an ARKit ``(T, 52)`` array (definition above)."""
    a = _check(a, "arkit")
    aperture = a[:, _I("jawOpen")] - a[:, _I("mouthClose")]
    parting = (a[:, _I("mouthUpperUpLeft")] + a[:, _I("mouthUpperUpRight")]
               + a[:, _I("mouthLowerDownLeft")] + a[:, _I("mouthLowerDownRight")]) / 2
    return (aperture <= CLOSED_APERTURE_MAX) & (parting <= CLOSED_PARTING_MAX)


def mouth_opening(a: np.ndarray) -> np.ndarray:
    """``(T,)`` float: ``max(jawOpen - mouthClose, 0)``."""
    a = _check(a, "arkit")
    return np.clip(a[:, _I("jawOpen")] - a[:, _I("mouthClose")], 0.0, None)


def _check(a, name):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != arkit.NUM_ARKIT:
        raise ValueError(f"{name}: expected shape (T, 52), found {a.shape}")
    return a


@dataclass
class ClipStats:
    """Poolable sums for one clip (or a pool of clips)."""

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
    speech = np.zeros(t, bool)
    near_speech = np.zeros(t, bool)
    for a, b, lab in zip(start, end, labels):
        if lab == "sil":
            continue
        speech |= (times >= a) & (times < b)
        near_speech |= (times >= a - REST_MARGIN_S) & (times < b + REST_MARGIN_S)
        if lab in BILABIALS:
            win = (times >= a - 0.5 / fps) & (times <= b + 0.5 / fps)
            if win.any():
                s.closure_total += 1
                s.closure_hits += int(closed[win].any())
    s.jaw_pred = [pred[:, _I("jawOpen")]]
    s.jaw_oracle = [oracle[:, _I("jawOpen")]]
    if speech.any():
        s.viseme_hits = int((nearest_viseme(pred[speech]) == nearest_viseme(oracle[speech])).sum())
        s.viseme_total = int(speech.sum())
    s.xcorr = _xcorr(mouth_opening(pred), mouth_opening(oracle), int(round(MAX_LAG_S * fps)))
    rest = ~near_speech
    s.rest_total = int(rest.sum())
    s.rest_hits = int((pred[rest][:, _SPEECH].max(axis=1) <= REST_MAX).sum()) if rest.any() else 0
    s.abs_err = float(np.abs(pred[:, _SPEECH] - oracle[:, _SPEECH]).mean(axis=1).sum())
    if t >= 3:
        s.jitter_pred = float(np.abs(np.diff(pred[:, _SPEECH], 2, axis=0)).mean(axis=1).sum())
        s.jitter_oracle = float(np.abs(np.diff(oracle[:, _SPEECH], 2, axis=0)).mean(axis=1).sum())
    return s


def _xcorr(p, o, max_lag):
    """``(2 max_lag + 1,)`` cross-correlation sum of mean-removed p and o at lags -L..L (p shifted)."""
    p = p - p.mean()
    o = o - o.mean()
    out = np.zeros(2 * max_lag + 1)
    n = len(p)
    for k, lag in enumerate(range(-max_lag, max_lag + 1)):
        if lag >= 0:
            out[k] = np.dot(p[lag:], o[:n - lag]) if lag < n else 0.0
        else:
            out[k] = np.dot(p[:n + lag], o[-lag:]) if -lag < n else 0.0
    return out


def pool(stats: list[ClipStats]) -> ClipStats:
    """Sum a list of clip statistics (cross-correlations of different lengths are centre-aligned)."""
    out = ClipStats()
    for s in stats:
        out.closure_hits += s.closure_hits
        out.closure_total += s.closure_total
        out.jaw_pred += s.jaw_pred
        out.jaw_oracle += s.jaw_oracle
        out.viseme_hits += s.viseme_hits
        out.viseme_total += s.viseme_total
        out.rest_hits += s.rest_hits
        out.rest_total += s.rest_total
        out.jitter_pred += s.jitter_pred
        out.jitter_oracle += s.jitter_oracle
        out.abs_err += s.abs_err
        out.frames += s.frames
        if s.xcorr is not None:
            out.xcorr = s.xcorr.copy() if out.xcorr is None else out.xcorr + s.xcorr
    return out


def summarize(stats: ClipStats | list[ClipStats]) -> dict:
    """Metric values (NaN where a metric has no data).

    Returns:
        dict with ``closure_rate``, ``bilabials`` (count), ``mouth_open_r``, ``viseme_acc``,
        ``lag_frames``, ``rest_share``, ``rest_frames``, ``jitter_ratio``, ``speech_mae``, ``frames``.
    """
    s = pool(stats) if isinstance(stats, list) else stats
    nan = float("nan")
    jp = np.concatenate(s.jaw_pred) if s.jaw_pred else np.zeros(0)
    jo = np.concatenate(s.jaw_oracle) if s.jaw_oracle else np.zeros(0)
    r = nan
    if len(jp) > 2 and jp.std() > 1e-9 and jo.std() > 1e-9:
        r = float(np.corrcoef(jp, jo)[0, 1])
    lag = nan
    if s.xcorr is not None and np.any(s.xcorr != 0):
        k = int(np.argmax(s.xcorr))
        frac = 0.0
        if 0 < k < len(s.xcorr) - 1:
            y0, y1, y2 = s.xcorr[k - 1:k + 2]
            den = y0 - 2 * y1 + y2
            frac = 0.5 * (y0 - y2) / den if den != 0 else 0.0
        lag = float(k - (len(s.xcorr) - 1) // 2 + frac)
    return {
        "closure_rate": s.closure_hits / s.closure_total if s.closure_total else nan,
        "bilabials": s.closure_total,
        "mouth_open_r": r,
        "viseme_acc": s.viseme_hits / s.viseme_total if s.viseme_total else nan,
        "lag_frames": lag,
        "rest_share": s.rest_hits / s.rest_total if s.rest_total else nan,
        "rest_frames": s.rest_total,
        "jitter_ratio": s.jitter_pred / s.jitter_oracle if s.jitter_oracle > 0 else nan,
        "speech_mae": s.abs_err / s.frames if s.frames else nan,
        "frames": s.frames,
    }
