"""Bake targets of a long performance built window by window (main thread, bpy).

A Generate's performance covers the whole clip (small: ~1.1 KiB per frame of face + body), but
the targets built from it are not: the body's retargeting and mesh push-out
(:func:`addon.targets_body.build_body_targets`) hold tens of ``(T, bones, 4, 4)`` float64 arrays
while they run (~440 MiB traced for 10 minutes, ~6x that for an hour). :func:`target_steps` builds
them on one window of frames at a time, each with :data:`MARGIN_S` of context on both sides that
is computed and dropped (the push-out smooths and dilates its correction over ~0.4 s per
iteration, so the kept frames see the same neighbourhood as in one piece), and copies the kept
frames into one preallocated ``(T,)`` float32 array per channel: 4 bytes per channel and frame
stay, whatever the clip's length. A clip of at most one window is the one-window case of the same
loop (the performance is passed whole, unsliced).

Nothing is written to the scene while the windows are built: the keys are written afterwards,
once per F-curve (:func:`addon.bake.bake_steps`), so a cancel between windows (closing the
generator) leaves the scene exactly as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from .bake import BakeTarget, Channel
from .errors import BakeError

#: Kept frames per window, in seconds of the clip. 10 min at 30 fps on the demo character in 60 s
#: windows traces a 71 MiB peak (the 20 MiB of assembled channels included) against 441 MiB in one
#: piece; 30 s windows start to pay a fixed cost per window (2026-12-07, docs/performance.md).
WINDOW_S = 60.0
#: Context computed on each side of a window and dropped (seconds). The push-out's correction
#: spreads at most ~0.4 s (dilation + Hann window) per iteration over up to 8 iterations
#: (``rigs.body_collision.resolve``): 4 s covers its reach with room to spare.
MARGIN_S = 4.0


@dataclass(frozen=True)
class Span:
    """One window: frames ``[lo, hi)`` are kept, ``[ctx_lo, ctx_hi)`` are computed (``ctx_lo <= lo < hi <= ctx_hi``)."""

    lo: int
    hi: int
    ctx_lo: int
    ctx_hi: int


def spans(total: int, window: int, margin: int) -> list[Span]:
    """Windows covering frames ``[0, total)``: ``window`` kept frames each (the last may be
    shorter), ``margin`` frames of context each side, clipped to the clip.

    Raises:
        ValueError: ``total < 1``, ``window < 1`` or ``margin < 0``.
    """
    if total < 1 or window < 1 or margin < 0:
        raise ValueError(f"windows: expected total >= 1, window >= 1, margin >= 0 frames, "
                         f"found {total}, {window}, {margin}")
    return [Span(lo, min(lo + window, total), max(0, lo - margin), min(total, lo + window + margin))
            for lo in range(0, total, window)]


def perf_window(perf, lo: int, hi: int):
    """Frames ``[lo, hi)`` of ``perf`` as a :class:`inference.performance.Performance`
    (``perf`` itself when that is the whole clip).

    The root translation keeps the whole clip's origin: with ``transl_origin == "first_frame"``
    the window's ``transl`` is ``transl[lo:hi] - transl[0]`` (float32) measured from ``"rest"``,
    so the root bone's location matches the one-piece bake to float32 rounding (~1e-7 m).
    """
    if lo == 0 and hi == perf.num_frames:
        return perf

    def cut(a):
        return None if a is None else np.ascontiguousarray(a[lo:hi])

    transl, origin = cut(perf.transl), perf.transl_origin
    if transl is not None and origin == "first_frame":
        transl = (transl - perf.transl[:1]).astype(np.float32)
        origin = "rest"
    return replace(perf, arkit=cut(perf.arkit), expression=cut(perf.expression), jaw_pose=cut(perf.jaw_pose),
                   smplx_poses=cut(perf.smplx_poses), transl=transl, transl_origin=origin)


_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


class _Assembly:
    """The whole clip's channels, filled window by window in one float32 array each."""

    def __init__(self, targets, total: int):
        self.total = total
        self.targets = targets
        self.values = [[np.empty(total, np.float32) for _ in t.channels] for t in targets]

    def _check(self, targets) -> None:
        same = len(targets) == len(self.targets) and all(
            a.id_data == b.id_data and [(c.data_path, c.index) for c in a.channels]
            == [(c.data_path, c.index) for c in b.channels] for a, b in zip(targets, self.targets))
        if not same:
            raise BakeError("windowed bake: a window built other targets or channels than the first one "
                            f"(first: {[t.label for t in self.targets]}, now: {[t.label for t in targets]})")

    def put(self, targets, span: Span) -> None:
        """Copy frames ``[span.lo, span.hi)`` of ``targets`` (built on ``[span.ctx_lo, span.ctx_hi)``);
        quaternion channels are negated where needed to continue the previous window's signs
        (q and -q are the same rotation; the one-piece bake keeps consecutive frames' dot >= 0)."""
        self._check(targets)
        a, b = span.lo - span.ctx_lo, span.hi - span.ctx_lo
        for t, dst in zip(targets, self.values):
            quats: dict[str, list[int]] = {}
            for k, ch in enumerate(t.channels):
                dst[k][span.lo:span.hi] = np.asarray(ch.values)[a:b]
                if ch.data_path.endswith(".rotation_quaternion"):
                    quats.setdefault(ch.data_path, []).append(k)
            if span.lo == 0:
                continue
            for members in quats.values():
                dot = sum(float(dst[k][span.lo - 1]) * float(dst[k][span.lo]) for k in members)
                if dot < 0.0:
                    for k in members:
                        np.negative(dst[k][span.lo:span.hi], out=dst[k][span.lo:span.hi])

    def result(self) -> list:
        """The assembled :class:`addon.bake.BakeTarget` list (the first window's targets, whole-clip values)."""
        return [BakeTarget(t.id_data, tuple(Channel(c.data_path, c.index, v, c.group) for c, v in zip(t.channels, vals)),
                           t.label, t.quaternion_bones) for t, vals in zip(self.targets, self.values)]


def merge_notes(per_window: list[list[str]]) -> list[str]:
    """One list of notes from every window's: a note repeated in later windows (the same text
    up to its figures, e.g. the share of frames pushed out) is kept once, with the first window's
    figures and, when its figures differ between windows, a mention of that."""
    seen: dict[str, int] = {}
    out: list[str] = []
    varied: set[int] = set()
    for notes in per_window:
        for note in notes:
            key = _NUMBER.sub("#", note)
            if key not in seen:
                seen[key] = len(out)
                out.append(note)
            elif out[seen[key]] != note:
                varied.add(seen[key])
    n = len(per_window)
    return [f"{note} (first of {n} windows; the figures vary between windows)" if i in varied else note
            for i, note in enumerate(out)]


def target_steps(build, perf, window_s: float = WINDOW_S, margin_s: float = MARGIN_S):
    """Build bake targets window by window; a generator yielding the fraction of windows done.

    Args:
        build: ``build(perf_window) -> (targets, warnings)``, e.g. :func:`addon.pipeline.build_targets`
            on the job; reads the scene, writes nothing. Every window must give the same targets
            and channels.
        perf: the whole clip's :class:`inference.performance.Performance`.
        window_s, margin_s: kept seconds per window and context seconds on each side
            (:data:`WINDOW_S`, :data:`MARGIN_S`).

    Returns:
        ``(targets, warnings)`` (StopIteration value): :class:`addon.bake.BakeTarget` list with
        ``(T,)`` float32 channels over the whole clip, and the merged notes (:func:`merge_notes`).

    Raises:
        whatever ``build`` raises (targets that cannot be built); BakeError: windows disagree.
        The scene is never changed here; closing the generator between windows cancels cleanly.
    """
    total = perf.num_frames
    fps = float(perf.fps)
    if not (window_s > 0 and margin_s >= 0):
        raise ValueError(f"windowed bake: expected window_s > 0 and margin_s >= 0, found {window_s!r}, {margin_s!r}")
    plan = spans(max(total, 1), max(1, int(round(window_s * fps))), int(round(margin_s * fps)))
    if total < 1 or len(plan) == 1:
        targets, warnings = build(perf)
        return targets, list(warnings)
    assembly, notes = None, []
    for i, span in enumerate(plan):
        targets, warnings = build(perf_window(perf, span.ctx_lo, span.ctx_hi))
        if assembly is None:
            assembly = _Assembly(targets, total)
        assembly.put(targets, span)
        notes.append(list(warnings))
        del targets
        yield (i + 1) / len(plan)
    return assembly.result(), merge_notes(notes)
