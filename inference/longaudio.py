"""Long audio in bounded memory and linear time: generate window by window straight from the file.

:func:`inference.generate.generate` holds the whole clip and every intermediate array of the face
and body generators at once; for one hour that is ~1.7 GiB and the body path grows faster than the
clip. :func:`generate_windowed` (what :func:`inference.files.generate_file` runs for a clip longer
than :data:`LONG_AUDIO_S`) instead reads the file window by window (``soundfile`` seek + read,
``soxr`` per window), runs ``generate`` on each window with :data:`CONTEXT_S` seconds of real audio
on both sides, keeps the window's core frames and cross-fades neighbours over :data:`FADE_S`
(linear for ARKit / FLAME / translation, quaternion slerp for SMPL-X rotations). Working memory is
one window plus the output arrays (``(T, 52)`` + ``(T, 55, 3)`` + ... float32, ~26 MB per
10 minutes at 30 fps); time is the sum of equal-sized windows, so it is linear in the clip length.

Window ``k`` uses seed ``options.seed + k`` (blinks and gestures do not repeat window after window).
Each window (core and context) is analysed once, by ``generate``
(:func:`inference.analysis.analyze_audio`): its face gate, prosody and lip gate see the same samples
the window's face and body are made from.
A body prompt (:class:`inference.backends.BodyConstraints` at ``options.fps``) is cut to each
window's frames, so keyed poses hold wherever they fall.
The file checks of :func:`inference.audio.load_audio` apply: header vs decoded duration, OGG
end-of-stream, random data (per window), trailing bytes.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import numpy as np

from ._rigs import rotations as _rotations
from .audio import Audio, AudioError, TRUNCATION_TOLERANCE_S, check_container, \
    check_random_data, prepare_audio, read_audio_file
from .options import GenerateOptions
from .performance import Performance, Provenance
from .timebase import num_frames

#: Core length of one window (seconds of output per ``generate`` call).
WINDOW_S: float = 120.0
#: Real audio on each side of a window's core (seconds); longer than the lip-sync network's
#: context (3 s) and than a gesture stroke, so the core does not see the window edge.
CONTEXT_S: float = 5.0
#: Cross-fade between neighbouring windows (seconds), centred on the core boundary.
FADE_S: float = 1.0
#: Clips longer than this (by their header) are generated window by window (seconds).
LONG_AUDIO_S: float = 300.0


def audio_duration_s(path: str | os.PathLike) -> float:
    """Duration the file's header declares (seconds), without decoding.

    Raises:
        AudioError: missing or unreadable file.
    """
    import soundfile as sf

    _path, info = read_audio_file(path, sf.info)
    return info.frames / float(info.samplerate) if info.frames > 0 else 0.0


def generate_windowed(path: str | os.PathLike, options: GenerateOptions = GenerateOptions(),
                      constraints=None, *, window_s: float | None = None, context_s: float = CONTEXT_S,
                      fade_s: float = FADE_S, progress=None) -> Performance:
    """Generate a face and/or body performance for an audio file, window by window.

    Args:
        path: any file :func:`inference.audio.load_audio` reads.
        options: as for :func:`inference.generate.generate`.
        constraints: optional :class:`inference.backends.BodyConstraints` at ``options.fps`` for the
            whole clip (any length: cut or padded with unmasked frames).
        window_s, context_s, fade_s: windowing (defaults above, ``None`` = :data:`WINDOW_S`);
            ``fade_s <= 2 * context_s``.
        progress: optional ``progress(fraction, message)``; may raise to cancel (checked inside
            every window, not only between windows).

    Returns:
        :class:`Performance` with ``T = ceil(duration_s * options.fps)`` frames; its provenance has
        ``windows`` (how many), the summed ``load_audio`` / ``face`` / ``body`` timings and the
        warnings: trailing bytes, bursts of random data and the windows' own (a silent window, a
        transcript not used), each once, with the window's start in seconds from the start of the file.

    Raises:
        AudioError: as :func:`inference.audio.load_audio` (missing, undecodable, truncated, random data).
        ValueError: ``fade_s > 2 * context_s`` or non-positive window.
    """
    import soundfile as sf

    from .generate import generate

    window_s = WINDOW_S if window_s is None else window_s
    if not (window_s > 0 and 0 < fade_s <= 2 * context_s and fade_s < window_s):
        raise ValueError(f"windowing: expected window > 0 and 0 < fade <= 2 * context, fade < window; found "
                         f"window={window_s}, context={context_s}, fade={fade_s}")
    report = progress or (lambda f, m: None)
    path = os.fspath(path)
    audio_duration_s(path)  # missing / unreadable: AudioError
    t_start = time.perf_counter()
    warnings: list[str] = []
    with sf.SoundFile(path) as f:
        rate, declared = int(f.samplerate), int(f.frames)
        warnings += check_container(path, sf.info(path), declared / float(rate))
        fps = float(options.fps)
        duration_s = declared / float(rate)
        total = num_frames(duration_s, fps)
        core, ctx, half = (max(1, int(round(s * fps))) for s in (window_s, context_s, fade_s / 2))
        out = _Output(total, options)
        prev = None  # previous window's values over the fade region
        timings = {"load_audio": 0.0, "face": 0.0, "body": 0.0}
        face_model = body_model = device = face_device = body_device = ""
        windows = -(-total // core)
        transl_origin = "first_frame"
        for k, c0 in enumerate(range(0, total, core)):
            c1 = min(total, c0 + core)
            a, b = max(0, c0 - ctx), min(total, c1 + ctx)
            t = time.perf_counter()
            audio = _read(f, path, rate, declared, a / fps, b / fps)
            at = f"{path}: window {a / fps:.0f} s + "
            warnings += [w.replace(f"{path}: ", at) for w in check_random_data(audio)]
            timings["load_audio"] += time.perf_counter() - t
            span = _span(report, c0 / total, c1 / total, f"window {k + 1} of {windows}")
            window_prompt = None if constraints is None else constraints.fit(num_frames(audio.duration_s, fps), a)
            perf = generate(audio, replace(options, seed=options.seed + k, emotion=options.emotion.shifted(a / fps)),
                            window_prompt, span)
            prov = perf.provenance
            for key in ("face", "body"):
                timings[key] += prov.timings_s.get(key, 0.0)
            warnings += [w.replace(f"{path}: ", at) for w in prov.warnings]
            face_model, body_model, device = prov.face_model, prov.body_model, prov.device
            face_device, body_device = prov.face_device, prov.body_device
            transl_origin = perf.transl_origin  # one backend for every window
            local = _Window(perf, a, b - a)
            lo = c0 if prev is None else max(a, c0 - half)
            out.put(local, lo, c1)
            if prev is not None:  # cross-fade [c0 - half, c0 + half)
                f0, f1 = max(c0 - half, 0, a), min(c0 + half, c1)
                w = ((np.arange(f0, f1) - (c0 - half) + 0.5) / (2 * half)).astype(np.float32)
                out.blend(prev, local, f0, f1, w)
            if c1 < total:
                prev = local.slice(max(a, c1 - half), min(b, c1 + half))
            report(c1 / total, f"window {k + 1} of {windows}")
    if not out.filled():
        raise AudioError(f"{path}: truncated file: the header declares {duration_s:.2f} s of audio, "
                         f"fewer decode")
    timings["total"] = time.perf_counter() - t_start
    prov = Provenance(face_model=face_model, body_model=body_model, device=device, timings_s=timings,
                      audio_path=path, seed=options.seed, face_device=face_device, body_device=body_device,
                      warnings=tuple(dict.fromkeys(warnings)), windows=windows)
    return replace(out.performance(fps, prov), transl_origin=transl_origin)


def _span(report, lo: float, hi: float, prefix: str):
    """``report`` with a window's ``[0, 1]`` mapped onto ``[lo, hi]`` and its messages prefixed."""
    return lambda f, m="": report(lo + (hi - lo) * min(1.0, max(0.0, float(f))), f"{prefix}: {m}" if m else prefix)


def _read(f, path: str, rate: int, declared: int, t0_s: float, t1_s: float) -> Audio:
    """Samples ``[t0_s, t1_s)`` of the open file as 16 kHz mono :class:`Audio` (raises when short)."""
    s0, s1 = int(round(t0_s * rate)), min(declared, int(round(t1_s * rate)))
    f.seek(s0)
    try:
        block = f.read(s1 - s0, dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile's own error types
        raise AudioError(f"{path}: cannot decode audio ({exc}) at {t0_s:.2f} s of the {declared / rate:.2f} s the "
                         f"header declares: truncated or damaged file") from exc
    got = block.shape[0]
    if (s1 - s0 - got) / float(rate) > TRUNCATION_TOLERANCE_S:
        raise AudioError(f"{path}: truncated file: the header declares {declared / rate:.2f} s of audio, "
                         f"found {(s0 + got) / rate:.2f} s that decode")
    mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
    return prepare_audio(mono, rate, path)


class _Window:
    """One window's performance placed at global frame ``start`` (``n`` frames)."""

    def __init__(self, perf: Performance, start: int, n: int):
        self.start = start
        self.arrays = {"arkit": perf.arkit, "expression": perf.expression, "jaw_pose": perf.jaw_pose,
                       "smplx_poses": perf.smplx_poses, "transl": perf.transl}
        self.n = min(n, perf.num_frames)

    def get(self, key: str, g0: int, g1: int):
        arr = self.arrays[key]
        if arr is None:
            return None
        i0, i1 = g0 - self.start, g1 - self.start
        if i1 <= arr.shape[0]:
            return arr[i0:i1]
        pad = np.repeat(arr[-1:], i1 - arr.shape[0], axis=0)  # a frame short at the very end: hold
        return np.concatenate([arr[i0:], pad])[: i1 - i0]

    def slice(self, g0: int, g1: int) -> "_Window":
        w = object.__new__(_Window)
        w.start, w.n = g0, g1 - g0
        w.arrays = {k: (None if v is None else self.get(k, g0, g1).copy()) for k, v in self.arrays.items()}
        return w


class _Output:
    """Pre-allocated output arrays filled window by window."""

    def __init__(self, total: int, options: GenerateOptions):
        self.total = total
        self.arrays: dict[str, np.ndarray | None] = {
            "arkit": np.zeros((total, 52), np.float32),
            "expression": np.zeros((total, 100), np.float32) if options.flame_map_path else None,
            "jaw_pose": np.zeros((total, 3), np.float32) if options.flame_map_path else None,
            "smplx_poses": np.zeros((total, 55, 3), np.float32) if options.body else None,
            "transl": np.zeros((total, 3), np.float32) if options.body else None,
        }
        self.done = 0

    def put(self, win: _Window, g0: int, g1: int) -> None:
        for key, arr in self.arrays.items():
            if arr is not None:
                arr[g0:g1] = win.get(key, g0, g1)
        self.done = max(self.done, g1)

    def blend(self, old: _Window, new: _Window, g0: int, g1: int, w: np.ndarray) -> None:
        if g1 <= g0:
            return
        for key, arr in self.arrays.items():
            if arr is None:
                continue
            a, b = old.get(key, g0, g1), new.get(key, g0, g1)
            if key in ("smplx_poses", "jaw_pose"):
                qa, qb = _rotations.axis_angle_to_quat(a), _rotations.axis_angle_to_quat(b)
                ww = w.reshape((-1,) + (1,) * (qa.ndim - 2))
                arr[g0:g1] = _rotations.quat_to_axis_angle(_rotations.quat_slerp(qa, qb, np.broadcast_to(
                    ww, qa.shape[:-1]))).astype(np.float32)
            else:
                ww = w.reshape((-1,) + (1,) * (a.ndim - 1))
                arr[g0:g1] = (1.0 - ww) * a + ww * b

    def filled(self) -> bool:
        return self.done >= self.total

    def performance(self, fps: float, prov: Provenance) -> Performance:
        a = self.arrays
        return Performance(fps=fps, arkit=np.clip(a["arkit"], 0.0, 1.0, out=a["arkit"]), expression=a["expression"],
                           jaw_pose=a["jaw_pose"], smplx_poses=a["smplx_poses"], transl=a["transl"],
                           provenance=prov)
