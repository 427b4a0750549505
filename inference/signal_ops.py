"""Frame-signal helpers shared by every analysis layer (numpy only, no bpy, no SciPy).

One implementation each of what the clip's analysis (:mod:`inference.analysis`: the face gate and the
lip-sync model's silence gate), the prosody analysis (:mod:`inference.prosody`), the face DSP baseline
and Generate's face post-processing (:mod:`inference.generate`) need:

* boolean-mask run helpers: :func:`runs`, :func:`fill_gaps`, :func:`drop_short`;
* the voice-activity energy gate relative to a recording's own noise floor: :class:`GateConfig`,
  :func:`energy_gate` (each caller keeps its own constants, the mechanism is here);
* frame RMS energy in dBFS: :func:`frame_energy_db`;
* smoothers along axis 0: :func:`gaussian_smooth` (edge-padded Gaussian), :func:`hann_smooth`
  (Hann window, zero- or edge-padded) and :func:`one_pole_zero_phase` (forward-backward one-pole
  low-pass).

SciPy has equivalents of the smoothers, but Blender ships no SciPy and these run inside the
extension, so they stay numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, stop_exclusive), ...]`` of the True runs of a 1-D bool array, in order.

    Args:
        mask: ``(T,)`` bool (or anything ``astype(int8)`` turns into 0/1).

    Returns:
        list of ``(start, stop)`` Python ints with ``mask[start:stop]`` all True.
    """
    d = np.diff(np.concatenate([[0], np.asarray(mask).astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def fill_gaps(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """Copy of ``mask`` ``(T,)`` bool with False gaps of at most ``max_gap`` frames between two
    True runs set True (gaps before the first and after the last run are kept)."""
    out = np.array(mask, copy=True)
    r = runs(mask)
    for (_, stop), (start, _) in zip(r[:-1], r[1:]):
        if start - stop <= max_gap:
            out[stop:start] = True
    return out


def drop_short(mask: np.ndarray, min_len: int) -> np.ndarray:
    """Copy of ``mask`` ``(T,)`` bool with True runs shorter than ``min_len`` frames set False."""
    out = np.array(mask, copy=True)
    for start, stop in runs(mask):
        if stop - start < min_len:
            out[start:stop] = False
    return out


@dataclass(frozen=True)
class GateConfig:
    """Constants of :func:`energy_gate` (all in dB of the energy track, fractions in [0, 1]).

    The gate measures the recording's noise floor and speech peak as percentiles of its own frame
    energies, so it works at any recording level. Thresholds::

        range = peak - floor
        on  = max(floor + on_fraction  * range, peak - max_below_peak_db, on_floor_db)
        off = max(floor + off_fraction * range, peak - max_below_peak_db, off_floor_db)

    A frame switches speech on above ``on`` and stays on while above ``off`` (hysteresis; with
    ``on_fraction == off_fraction`` and equal floors it is a plain threshold).

    Attributes:
        floor_percentile: percentile of the energies taken as the noise floor.
        peak_percentile: percentile taken as the speech peak.
        on_fraction, off_fraction: thresholds as fractions of ``range`` above the floor.
        on_floor_db, off_floor_db: absolute lower bounds of the thresholds.
        min_peak_db: a recording whose peak is below this has no speech.
        max_below_peak_db: thresholds are at least ``peak - max_below_peak_db`` (inf: no bound).
        min_range_db: a recording with ``range`` below this (silence, steady noise, a tone) has
            no speech.
        min_run_frames: speech runs shorter than this many frames are dropped (clicks).
    """

    floor_percentile: float = 10.0
    peak_percentile: float = 97.0
    on_fraction: float = 0.35
    off_fraction: float = 0.22
    on_floor_db: float = -65.0
    off_floor_db: float = -70.0
    min_peak_db: float = -65.0
    max_below_peak_db: float = float("inf")
    min_range_db: float = 10.0
    min_run_frames: int = 4


def energy_gate(energy_db: np.ndarray, cfg: GateConfig = GateConfig()) -> tuple[np.ndarray, float, float]:
    """Voice activity from a frame energy track, relative to the recording's floor and peak.

    Args:
        energy_db: ``(T,)`` frame energies in dB (any fixed reference; the absolute bounds of
            ``cfg`` assume dBFS), T >= 1.
        cfg: thresholds (see :class:`GateConfig`).

    Returns:
        ``(speech, off_db, peak_db)``: ``(T,)`` bool voice activity, the off threshold and the
        peak energy (dB) it was measured against.
    """
    e = np.asarray(energy_db, np.float64)
    floor = float(np.percentile(e, cfg.floor_percentile))
    peak = float(np.percentile(e, cfg.peak_percentile))
    rng = peak - floor
    near_peak = peak - cfg.max_below_peak_db
    on_db = max(floor + cfg.on_fraction * rng, near_peak, cfg.on_floor_db)
    off_db = max(floor + cfg.off_fraction * rng, near_peak, cfg.off_floor_db)
    if rng < cfg.min_range_db or peak < cfg.min_peak_db:
        return np.zeros(e.shape[0], bool), off_db, peak
    if on_db == off_db:
        speech = e > on_db
    else:
        speech = np.zeros(e.shape[0], bool)
        state = False
        for i, v in enumerate(e):
            state = v > (off_db if state else on_db)
            speech[i] = state
    if cfg.min_run_frames > 1:
        speech = drop_short(speech, cfg.min_run_frames)
    return speech, off_db, peak


def frame_energy_db(x: np.ndarray, n: int, hop: int, win: int, floor_db: float = -100.0) -> np.ndarray:
    """RMS energy in dBFS of ``win``-sample windows centred on samples ``0, hop, 2 hop, ...``.

    Args:
        x: ``(N,)`` float samples (full scale 1.0).
        n: number of frames to return.
        hop, win: hop and window length in samples (windows are cut at the signal's ends).
        floor_db: lower bound of the result (digital silence).

    Returns:
        ``(n,)`` float32; a full-scale sine reads -3 dBFS.
    """
    sq = np.concatenate([[0.0], np.cumsum(np.asarray(x, np.float64) ** 2)])
    centre = np.arange(n) * hop
    lo = np.clip(centre - win // 2, 0, sq.shape[0] - 1)
    hi = np.clip(centre + win // 2, 0, sq.shape[0] - 1)
    mean_sq = (sq[hi] - sq[lo]) / np.maximum(hi - lo, 1)
    db = 10.0 * np.log10(np.maximum(mean_sq, 1e-10))
    return np.maximum(db, floor_db).astype(np.float32)


def gaussian_smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along axis 0, edges padded by repetition.

    Args:
        x: ``(T,)`` or ``(T, C)`` array.
        sigma_frames: standard deviation in frames; the kernel spans +-ceil(3 sigma).

    Returns:
        float32 array of ``x``'s shape (``x`` itself, unchanged, when ``sigma_frames <= 0``).
    """
    if sigma_frames <= 0:
        return x
    r = int(np.ceil(3 * sigma_frames))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma_frames) ** 2)
    k /= k.sum()
    x2 = x.reshape(x.shape[0], -1)
    pad = np.pad(x2, ((r, r), (0, 0)), mode="edge")
    out = np.stack([np.convolve(pad[:, c], k, mode="valid") for c in range(x2.shape[1])], axis=1)
    return out.reshape(x.shape).astype(np.float32)


def hann_smooth(x: np.ndarray, width: int, edge: bool = False) -> np.ndarray:
    """Moving average along axis 0 with a unit-sum Hann window of ``width`` non-zero taps
    (``np.convolve(mode="same")`` per column), the ends zero-padded or, with ``edge``, padded by
    repetition.

    Args:
        x: ``(T,)`` or ``(T, C)`` track.
        width: window taps; ``<= 1`` leaves ``x`` unchanged.

    Returns:
        float64 array of ``x``'s shape.
    """
    x = np.asarray(x, np.float64)
    if width <= 1:
        return x
    if x.ndim == 2:
        return np.stack([hann_smooth(x[:, c], width, edge) for c in range(x.shape[1])], axis=1)
    k = np.hanning(width + 2)[1:-1]
    k /= k.sum()
    if not edge:
        return np.convolve(x, k, mode="same")
    return np.convolve(np.pad(x, width, mode="edge"), k, mode="same")[width:width + x.shape[0]]


def one_pole_zero_phase(x: np.ndarray, time_constant_s: float, fps: float) -> np.ndarray:
    """Forward-backward one-pole low-pass along axis 0 (no lag).

    Args:
        x: ``(T, ...)`` array sampled at ``fps``.
        time_constant_s: time constant in seconds (> 0).
        fps: frames per second.

    Returns:
        float32 array of ``x``'s shape.
    """
    a = float(np.exp(-1.0 / max(time_constant_s * fps, 1e-6)))
    y = np.asarray(x, np.float64).copy()
    for i in range(1, len(y)):
        y[i] = a * y[i - 1] + (1.0 - a) * y[i]
    for i in range(len(y) - 2, -1, -1):
        y[i] = a * y[i + 1] + (1.0 - a) * y[i]
    return y.astype(np.float32)
