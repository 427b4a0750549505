"""Audio file -> :class:`Performance`: the one entry point every front end calls.

The sidebar's Generate (its worker process or thread), the Blender batch, ``python -m inference``
and its Ray tasks all call :func:`generate_file` and pass on only the :class:`Performance` it
returns: warnings and timings travel in its :class:`Provenance`.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

from .audio import load_audio
from .backends import BodyConstraints, ProgressFn, check_options
from .generate import generate
from . import longaudio
from .options import GenerateOptions
from .performance import Performance
from .timebase import num_frames


def generate_file(path: str | os.PathLike, options: GenerateOptions = GenerateOptions(),
                  constraints: BodyConstraints | None = None, progress: ProgressFn | None = None) -> Performance:
    """Generate a face and/or body performance for an audio file.

    A clip whose header declares more than :data:`inference.longaudio.LONG_AUDIO_S` seconds is
    generated window by window straight from the file (:func:`inference.longaudio.generate_windowed`:
    bounded memory, linear time); a shorter one is decoded whole
    (:func:`inference.audio.load_audio`) and generated in one piece (:func:`inference.generate.generate`).

    Args:
        path: a WAV, FLAC, OGG or MP3 file.
        options: :class:`GenerateOptions`; ``options.backend_modules`` are imported and every option
            is checked before the file is read.
        constraints: optional body prompt at ``options.fps``, any length: fitted to the clip's
            ``T`` frames (:meth:`BodyConstraints.fit`: cut, or padded with unmasked frames).
        progress: optional ``progress(fraction in [0, 1], message)``, non-decreasing; an exception
            raised in it (cancel) aborts generation and propagates.

    Returns:
        :class:`Performance` with ``T = ceil(duration_s * options.fps)`` frames. Its provenance
        holds every warning (a damaged file, a silent clip or window, a transcript not used), the
        timings ``load_audio``, ``face``, ``body`` and ``total`` in seconds and ``windows``.

    Raises:
        inference.audio.AudioError: missing, undecodable, truncated or random-data audio.
        inference.errors.BackendError: unknown backends, bad ``backend_options``.
        ValueError: bad constraints.
        inference.runtime.ModelFileError: a model file failed its SHA-256 check.
    """
    t0 = time.perf_counter()
    check_options(options)
    if longaudio.audio_duration_s(path) > longaudio.LONG_AUDIO_S:
        return longaudio.generate_windowed(path, options, constraints, progress=progress)
    if progress is not None:
        progress(0.0, "loading audio")
    audio = load_audio(path)
    load_s = time.perf_counter() - t0
    if constraints is not None:
        constraints = constraints.fit(num_frames(audio.duration_s, options.fps))
    perf = generate(audio, options, constraints=constraints, progress=progress)
    timings = dict(perf.provenance.timings_s, load_audio=load_s, total=time.perf_counter() - t0)
    return replace(perf, provenance=replace(perf.provenance, timings_s=timings))
