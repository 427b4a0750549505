"""Phone alignment -> ARKit-52 lip-sync curves (the training target and the evaluation "oracle").

Pipeline (all tables in ``data/``, see :mod:`inference.face.visemes`):

1. phones (ARPAbet, stress stripped, ``sil``/``sp``) -> viseme segments; diphthongs split in two;
   gaps between phones become silence.
2. Coarticulation by dominance blending (M. M. Cohen and D. W. Massaro, "Modeling coarticulation
   in synthetic visual speech", 1993): every viseme segment has, per channel group (jaw, lips,
   lip rounding, tongue), a dominance ``alpha * exp(-d / lambda)`` where ``d`` is the distance (s)
   to the segment (0 inside it) and ``lambda`` is the anticipation time constant before the
   segment and the carry-over constant after it. Each channel is the dominance-weighted mean of
   the visemes' targets, evaluated on an internal 200 fps grid.
3. Dynamics: every channel passes a critically damped second-order low-pass (impulse response
   ``t / tau^2 * exp(-t / tau)``) forward and backward (zero phase, no lag); the jaw gets the
   slower time constant (:data:`JAW_TAU_S`), lips/tongue the faster one (:data:`LIP_TAU_S`).
4. Bilabial closure: on every p/b/m the lips are sealed over a plateau covering at least one output
   frame, with raised-cosine ramps of :data:`CLOSURE_RAMP_S`, so coarticulation never leaves a
   bilabial open: ``jawOpen``, ``mouthUpperUp*``, ``mouthLowerDown*``, ``mouthFunnel``,
   ``tongueOut`` are pulled down to the bilabial viseme ("PP": a nearly shut jaw), ``mouthClose``
   up to the current ``jawOpen`` -- never above it: Apple's ``ARFaceAnchor.BlendShapeLocation``
   defines ``mouthClose`` as "closure of the lips independent of jaw position", i.e. it cancels
   the lip opening of ``jawOpen`` ("an opening of the lower jaw"); more than ``jawOpen`` drives the
   lower lip through the upper one on a real rig (Apple's reference head: -40.9 mm vs +40.5 mm
   per unit). ``mouthPress*`` ("upward compression of the lower lip"), ``mouthRoll*`` and
   ``mouthShrugLower`` are held within :data:`rigs.arkit.SEALED_LIMITS` while sealed.
5. Sampled at the output frames ``i / fps``, clipped to [0, 1], and
   :func:`rigs.arkit.enforce_lip_seal` applied. Channels outside
   :data:`rigs.arkit.SPEECH_CHANNELS` stay 0.
"""

from __future__ import annotations

import numpy as np

from .._rigs import arkit
from .visemes import GROUPS, load_tables, normalize_phone

INTERNAL_FPS: float = 200.0
#: Zero-phase second-order smoothing time constants (s). Project choice: a jaw cannot move
#: faster than roughly 8-10 Hz in speech, lips somewhat faster.
JAW_TAU_S: float = 0.016
LIP_TAU_S: float = 0.010
#: Closure plateau: centre at this share of the bilabial, half-width max(share * duration, ...).
CLOSURE_CENTER: float = 0.45
CLOSURE_HALF_SHARE: float = 0.35
CLOSURE_MIN_HALF_S: float = 0.015
CLOSURE_RAMP_S: float = 0.05
#: Scale of every dominance time constant of data/visemes.json (1 = the table as written).
#: Chosen on the geometric evaluator's tune split (tools/eval/face_geometry.py --split tune,
#: forced-aligned real speech on Apple's reference head). v3 tables: aperture r 0.753 at 1.0,
#: 0.814 at 0.5, 0.829 at 0.35, 0.836 at 0.25. v4 tables with nucleus opening: 0.824 at 0.5,
#: 0.838 at 0.35, 0.857 at 0.25, 0.858 at 0.2 (issue 17; an outside measurement on exact phones
#: found the same: x0.25 -> 0.87).
DOMINANCE_TIME_SCALE: float = 0.25
#: ARPAbet vowels (CMU dictionary set): the syllable nuclei of English (Ladefoged & Johnson ch. 2, 4).
VOWELS: frozenset = frozenset(("aa", "ae", "ah", "ao", "aw", "ay", "eh", "er", "ey", "ih", "iy",
                               "ow", "oy", "uh", "uw"))
#: Every vowel's jaw reaches at least this share of its viseme's ``jawOpen`` over the middle
#: ``2 * NUCLEUS_HALF_SHARE`` of the vowel (``_open_nuclei``). Chosen on the tune split.
#: Tune split (v4 tables, x0.25): reach 0.8 / half 0.2 -> r 0.848; 1.0 / 0.1 -> 0.849;
#: 1.0 / 0.3 -> 0.857.
NUCLEUS_REACH: float = 1.0
NUCLEUS_HALF_SHARE: float = 0.3
_REACH = 7.0  # dominance evaluated out to 7 time constants (exp(-7) < 1e-3)


def _validate(phone_start_s, phone_end_s, phone_label, fps, num_frames):
    start = np.asarray(phone_start_s, dtype=np.float64).reshape(-1)
    end = np.asarray(phone_end_s, dtype=np.float64).reshape(-1)
    labels = [str(x) for x in np.asarray(phone_label).reshape(-1)]
    if not (len(start) == len(end) == len(labels)):
        raise ValueError(f"phone_start_s, phone_end_s, phone_label: expected equal lengths, "
                         f"found {len(start)}, {len(end)}, {len(labels)}")
    if not (np.all(np.isfinite(start)) and np.all(np.isfinite(end))):
        raise ValueError("phone_start_s/phone_end_s: expected finite times in seconds, found NaN/inf")
    if np.any(end < start):
        i = int(np.argmax(end < start))
        raise ValueError(f"phone {i} ({labels[i]!r}): end {end[i]} s is before start {start[i]} s")
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number, found {fps!r}")
    if int(num_frames) < 1:
        raise ValueError(f"num_frames: expected >= 1, found {num_frames!r}")
    return start, end, [normalize_phone(x) for x in labels]


def viseme_segments(phone_start_s, phone_end_s, phone_label, total_s: float):
    """Phones -> viseme segments covering ``[0, total_s]`` (gaps and edges filled with ``sil``).

    Returns:
        ``(start_s (S,) float64, end_s (S,) float64, viseme (S,) int64)`` sorted by start;
        viseme indices into ``load_tables().names``.
    """
    t = load_tables()
    order = np.argsort(np.asarray(phone_start_s, dtype=np.float64), kind="stable")
    segs = []
    cursor = 0.0
    for i in order:
        s, e, lab = float(phone_start_s[i]), float(phone_end_s[i]), phone_label[i]
        if s > cursor + 1e-3:
            segs.append((cursor, s, 0))
        s = max(s, cursor) if s < cursor else s
        pos = s
        for v, share in t.phone_visemes[lab]:
            nxt = pos + share * max(e - s, 0.0)
            segs.append((pos, nxt, v))
            pos = nxt
        cursor = max(cursor, e)
    if total_s > cursor + 1e-3:
        segs.append((cursor, total_s, 0))
    if not segs:
        segs.append((0.0, max(total_s, 1e-3), 0))
    a = np.array(segs, dtype=np.float64)
    return a[:, 0], a[:, 1], a[:, 2].astype(np.int64)


def _smooth_kernel(tau_s: float, rate: float) -> np.ndarray:
    """Symmetric kernel of a critically damped 2nd-order low-pass run forward then backward."""
    n = max(2, int(np.ceil(8 * tau_s * rate)))
    tt = np.arange(n) / rate
    h = tt / tau_s ** 2 * np.exp(-tt / tau_s)
    k = np.convolve(h, h[::-1])
    return k / k.sum()


def _smooth(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    pad = len(kernel) // 2
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        xp = np.pad(x[:, c], pad, mode="edge")
        out[:, c] = np.convolve(xp, kernel, mode="same")[pad:pad + x.shape[0]]
    return out


def phones_to_arkit(phone_start_s, phone_end_s, phone_label, fps: float, num_frames: int) -> np.ndarray:
    """ARKit-52 lip-sync curves from a phone alignment.

    Args:
        phone_start_s: ``(P,)`` phone start times in seconds (any order; sorted here).
        phone_end_s: ``(P,)`` phone end times in seconds, ``>= start``.
        phone_label: ``(P,)`` ARPAbet labels (CMU dictionary set; stress digits and case ignored),
            ``"sil"``/``"sp"`` (and pocketsphinx fillers such as ``"+NSN+"``) for silence.
        fps: output frame rate (frames per second, > 0); frame ``i`` is at ``i / fps`` s.
        num_frames: output frame count ``T >= 1``.

    Returns:
        ``(T, 52)`` float32 ARKit weights in [0, 1] (ARKit order, :data:`rigs.arkit.ARKIT_NAMES`);
        only :data:`rigs.arkit.SPEECH_CHANNELS` are non-zero. Time without phones is silence (rest).

    Raises:
        ValueError: lengths differ, times are NaN/inf or end < start, fps <= 0, num_frames < 1,
            or a label is not an ARPAbet phoneme / silence label (the message lists valid ones).
    """
    start, end, labels = _validate(phone_start_s, phone_end_s, phone_label, fps, num_frames)
    tables = load_tables()
    num_frames = int(num_frames)
    out_s = (num_frames - 1) / fps
    total_s = max(out_s, float(end.max()) if len(end) else 0.0) + 0.05
    s0, s1, vis = viseme_segments(start, end, labels, total_s)
    rate = max(INTERNAL_FPS, float(fps))
    n = int(np.ceil(total_s * rate)) + 2
    grid = np.arange(n) / rate
    groups = tables.channel_group
    num = np.zeros((n, arkit.NUM_ARKIT), dtype=np.float64)
    den = np.full((n, len(GROUPS)), 1e-6, dtype=np.float64)
    w = tables.weights.astype(np.float64)
    gcols = [np.flatnonzero(groups == g) for g in range(len(GROUPS))]
    for a, b, v in zip(s0, s1, vis):
        dom = tables.dominance[v]
        reach_a = _REACH * dom[:, 1].max() * DOMINANCE_TIME_SCALE
        reach_c = _REACH * dom[:, 2].max() * DOMINANCE_TIME_SCALE
        i0 = max(0, int(np.floor((a - reach_a) * rate)))
        i1 = min(n, int(np.ceil((b + reach_c) * rate)) + 1)
        t = grid[i0:i1]
        before = np.clip(a - t, 0.0, None)
        after = np.clip(t - b, 0.0, None)
        for g in range(len(GROUPS)):
            alpha, lam_a, lam_c = dom[g]
            lam_a, lam_c = lam_a * DOMINANCE_TIME_SCALE, lam_c * DOMINANCE_TIME_SCALE
            d = alpha * np.exp(-before / lam_a - after / lam_c)
            den[i0:i1, g] += d
            num[i0:i1, gcols[g]] += d[:, None] * w[v, gcols[g]][None, :]
    curves = np.zeros_like(num)
    for g in range(len(GROUPS)):
        curves[:, gcols[g]] = num[:, gcols[g]] / den[:, g:g + 1]
    jaw = gcols[GROUPS.index("jaw")]
    other = np.flatnonzero(groups >= 0)
    other = other[~np.isin(other, jaw)]
    # every vowel opens (syllable nuclei), then closures before smoothing (smooth onsets) and
    # again after (guaranteed depth): a bilabial next to a vowel wins the lips
    _open_nuclei(curves, grid, start, end, labels, tables, fps)
    _force_closures(curves, grid, s0, s1, vis, tables, fps)
    curves[:, jaw] = _smooth(curves[:, jaw], _smooth_kernel(JAW_TAU_S, rate))
    curves[:, other] = _smooth(curves[:, other], _smooth_kernel(LIP_TAU_S, rate))
    _force_closures(curves, grid, s0, s1, vis, tables, fps)
    t_out = np.arange(num_frames) / fps
    result = np.zeros((num_frames, arkit.NUM_ARKIT), dtype=np.float32)
    for c in np.flatnonzero(groups >= 0):
        result[:, c] = np.interp(t_out, grid, curves[:, c])
    return arkit.enforce_lip_seal(np.clip(result, 0.0, 1.0))


def _open_nuclei(curves, grid, start, end, labels, tables, fps) -> None:
    """Lift ``jawOpen`` to :data:`NUCLEUS_REACH` of the vowel's target on every vowel (in place).

    Short vowels between consonants otherwise lose their opening to the neighbours' dominance
    and connected speech reads mumbled; a raised-cosine plateau over the vowel's middle
    (:data:`NUCLEUS_HALF_SHARE` of it each side of the centre, at least half an output frame)
    raises the jaw to ``NUCLEUS_REACH * target`` where it is lower (never lowers it).
    """
    rate = 1.0 / (grid[1] - grid[0])
    jaw = arkit.arkit_index("jawOpen")
    lift = np.zeros(len(grid))
    for a, b, lab in zip(start, end, labels):
        if lab not in VOWELS or b <= a:
            continue
        seq = tables.phone_visemes[lab]
        target = NUCLEUS_REACH * sum(share * float(tables.weights[v, jaw]) for v, share in seq)
        centre, dur = 0.5 * (a + b), b - a
        half = max(NUCLEUS_HALF_SHARE * dur, 0.5 / fps)
        ramp = max(0.5 * dur, 0.5 / fps)
        i0 = max(0, int(np.floor((centre - half - ramp) * rate)))
        i1 = min(len(grid), int(np.ceil((centre + half + ramp) * rate)) + 1)
        d = np.clip(np.abs(grid[i0:i1] - centre) - half, 0.0, None)
        e = np.where(d < ramp, 0.5 * (1 + np.cos(np.pi * d / ramp)), 0.0)
        lift[i0:i1] = np.maximum(lift[i0:i1], e * target)
    curves[:, jaw] = np.maximum(curves[:, jaw], lift)


def _ramp_into(k, s0, s1, vis, tables, fps) -> float:
    """Closure ramp (s) on the side of segment ``k``: :data:`CLOSURE_RAMP_S`, or half of ``k``'s
    duration (at least half a frame) when ``k`` is an open segment (viseme jawOpen >= 0.12)."""
    if not 0 <= k < len(vis) or tables.weights[vis[k], arkit.arkit_index("jawOpen")] < 0.12 \
            or tables.closure[vis[k]]:
        return CLOSURE_RAMP_S
    return float(min(CLOSURE_RAMP_S, max(0.5 * (s1[k] - s0[k]), 0.5 / fps)))


def _force_closures(curves, grid, s0, s1, vis, tables, fps) -> None:
    """Pull closure channels to the bilabial target on every closure viseme (in place)."""
    closing = np.flatnonzero(tables.closure[vis])
    if len(closing) == 0:
        return
    rate = 1.0 / (grid[1] - grid[0])
    env = np.zeros(len(grid))
    for k in closing:
        a, b = s0[k], s1[k]
        dur = b - a
        centre = a + CLOSURE_CENTER * dur
        half = max(CLOSURE_HALF_SHARE * dur, CLOSURE_MIN_HALF_S, 0.6 / fps)
        # a ramp reaches at most half-way into a neighbouring vowel, so a short vowel between
        # two bilabials still opens (issue 17: the mouth opens on every syllable nucleus)
        ramp_a = _ramp_into(k - 1, s0, s1, vis, tables, fps)
        ramp_c = _ramp_into(k + 1, s0, s1, vis, tables, fps)
        i0 = max(0, int(np.floor((centre - half - ramp_a) * rate)))
        i1 = min(len(grid), int(np.ceil((centre + half + ramp_c) * rate)) + 1)
        g = grid[i0:i1]
        d = np.clip(np.abs(g - centre) - half, 0.0, None)
        ramp = np.where(g < centre, ramp_a, ramp_c)
        e = np.where(d < ramp, 0.5 * (1 + np.cos(np.pi * d / ramp)), 0.0)
        env[i0:i1] = np.maximum(env[i0:i1], e)
    target = tables.weights[vis[closing[0]]].astype(np.float64)
    for name in ("mouthPressLeft", "mouthPressRight"):
        c = arkit.arkit_index(name)
        curves[:, c] += env * np.clip(target[c] - curves[:, c], 0.0, None)
    for name in ("jawOpen", "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft",
                 "mouthLowerDownRight", "tongueOut", "mouthFunnel"):
        c = arkit.arkit_index(name)
        curves[:, c] -= env * np.clip(curves[:, c] - target[c], 0.0, None)
    # Seal: mouthClose follows the (nearly shut) jaw, never above it (ARKit mouthClose cancels
    # the lip opening of jawOpen); lips pressed/rolled only within rigs.arkit.SEALED_LIMITS.
    jaw, close = arkit.arkit_index("jawOpen"), arkit.arkit_index("mouthClose")
    curves[:, close] = np.minimum(np.maximum(curves[:, close], env * curves[:, jaw]), curves[:, jaw])
    for name, limit in arkit.SEALED_LIMITS.items():
        c = arkit.arkit_index(name)
        curves[:, c] = np.minimum(curves[:, c], 1.0 - env * (1.0 - limit))
