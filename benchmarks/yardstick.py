"""The yardstick every speed figure is printed beside: a Rhubarb-style phonetic recognition pass,
timed in the same process run as the figure (bpy-free).

Rhubarb Lip Sync 1.14's *phonetic* recogniser (the issue's reference, "Rhubarb phonetic") is
PocketSphinx's ``allphone`` search with the US-English phone trigram LM and the settings
``beam = pbeam = 1e-20, lw = 2.0`` (Rhubarb's ``PhoneticRecognizer.cpp``). Rhubarb itself is not
installed here, so the yardstick runs that same search with the pocketsphinx 5 wheel the
extension bundles (:func:`inference.face.align.recognize_phones`, the project's Rhubarb-style
baseline, ``docs/face-quality.md``) on a fixed slice of the benchmark's own speech, and scales
the time to the figure's clip length (the search is linear in the audio: one Viterbi pass).

It is not Rhubarb's wall time: Rhubarb splits the clip at pauses (VAD) and decodes the pieces on
several threads, so on a quiet 2-core machine the issue measured 0.79 s for 60 s, while this
single-threaded pass takes several times that. The yardstick's job is the *ratio*: a figure and the
yardstick slow down together when other jobs load the machine, so ``figure / yardstick`` moves much
less than either. A ratio against this stand-in is therefore a weaker bar than the issue's
ratio against Rhubarb; ``docs/performance.md`` gives both the absolute seconds and the ratio.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

#: Seconds of audio the yardstick decodes per run (the time is scaled to the figure's clip length).
SLICE_S: float = 4.0
SAMPLE_RATE_HZ: int = 16000


def rhubarb_phonetic_s(samples: np.ndarray, clip_s: float, repeats: int = 3) -> dict:
    """Median time of the Rhubarb-style phonetic pass, scaled to ``clip_s`` seconds of audio.

    Args:
        samples: ``(N,)`` float32 mono speech at 16 kHz, values in [-1, 1], N >= 1 s of audio; the
            first :data:`SLICE_S` seconds (or all, if shorter) are decoded.
        clip_s: seconds of audio the figure beside it processed (> 0).
        repeats: runs (>= 1); the median is reported.

    Returns:
        ``{"seconds": median scaled to clip_s, "runs": [scaled seconds per run], "slice_s": s,
        "phones": phones recognised in the slice}``.

    Raises:
        ValueError: ``samples`` shorter than 1 s or not 1-D, ``clip_s <= 0`` or ``repeats < 1``.
    """
    from inference.face.align import recognize_phones

    x = np.asarray(samples, np.float32)
    if x.ndim != 1 or x.size < SAMPLE_RATE_HZ:
        raise ValueError(f"samples: expected 1-D 16 kHz audio of >= 1 s, found shape {x.shape}")
    if not clip_s > 0 or repeats < 1:
        raise ValueError(f"clip_s > 0 and repeats >= 1 expected, found {clip_s!r}, {repeats!r}")
    piece = x[: int(SLICE_S * SAMPLE_RATE_HZ)]
    slice_s = piece.size / SAMPLE_RATE_HZ
    runs, phones = [], 0
    for _ in range(repeats):
        t = time.perf_counter()
        _, _, labels = recognize_phones(piece)
        runs.append((time.perf_counter() - t) * clip_s / slice_s)
        phones = len(labels)
    return {"seconds": statistics.median(runs), "runs": runs, "slice_s": slice_s, "phones": phones}
