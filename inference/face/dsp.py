"""DSP lip-sync baseline (face backend ``"fast"``, label "Fast (no model)").

No neural network and no phoneme recognition: the ARKit mouth channels follow the audio envelope
and the coarse spectral shape at 100 fps. It is the honest baseline the lip-sync model is compared
against (docs/face-quality.md) and the fallback an animator can pick on purpose.

Cues (all from the centred 25 ms / 10 ms power spectrum of :mod:`inference.features`):

* loudness above an adaptive noise floor -> ``jawOpen`` (fricative-heavy frames open less);
* short low-energy dips inside speech (stop closures, nasal murmur with weak formants) ->
  lips sealed: ``jawOpen`` pulled to the bilabial viseme's small opening, ``mouthClose`` raised to
  that ``jawOpen`` (never above it: ARKit ``mouthClose`` seals the lips against the open jaw),
  ``mouthPress*`` within :data:`rigs.arkit.SEALED_LIMITS`;
* low F2-band / F1-band energy ratio while voiced (oo, w, ow) -> ``mouthFunnel``/``mouthPucker``;
* high F2-band ratio while voiced (ee, ih) -> ``mouthStretch*``;
* high-frequency (> 3 kHz) dominance (s, sh, f) -> ``mouthUpperUp*`` (teeth show);
* outside speech (energy gate with hysteresis and a hang-over) every channel rests at 0.

Band edges are textbook formant ranges for adult speech (Peterson & Barney 1952: F1 ~ 250-1000 Hz,
F2 ~ 850-2500 Hz); thresholds were tuned by ear and on the face-data evaluation set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._rigs import arkit as _arkit
from ..audio import Audio
from ..backends import FaceTrack, register_face_backend
from ..features import FEATURE_FPS, MelConfig, check_samples, num_feature_frames, power_range
from ..options import GenerateOptions
from ..signal_ops import GateConfig, energy_gate, fill_gaps
from ..signal_ops import gaussian_smooth as smooth

#: Backend name and version reported in :class:`FaceTrack`.
MODEL_NAME: str = "dsp-baseline-v1"
#: Label shown in the UI.
LABEL: str = "Fast (no model)"


@dataclass(frozen=True)
class SpeechFrames:
    """Per-frame analysis at :data:`inference.features.FEATURE_FPS` (100 fps).

    Attributes:
        energy_db: ``(T,)`` float32 frame energy in dB (relative to full scale, ~-100 for silence).
        speech: ``(T,)`` bool, the hysteresis gate (voice activity).
        region: ``(T,)`` bool, ``speech`` with gaps shorter than :data:`MAX_GAP_S` filled
            (closures inside words and short pauses belong to the utterance).
        loud: ``(T,)`` float32 in [0, 1], loudness between the gate's off threshold and the peak.
        voiced: ``(T,)`` float32 in [0, 1], share of energy below 1 kHz.
        f2_ratio: ``(T,)`` float32 in [0, 1], F2-band energy / (F1 + F2 band energy).
        fric: ``(T,)`` float32 in [0, 1], share of energy above 3 kHz.
    """

    energy_db: np.ndarray
    speech: np.ndarray
    region: np.ndarray
    loud: np.ndarray
    voiced: np.ndarray
    f2_ratio: np.ndarray
    fric: np.ndarray


#: Spectrum frames analysed at a time (60 s): memory stays bounded on long audio.
_BLOCK_FRAMES: int = 6000
#: Gaps inside speech shorter than this (s) are part of the utterance (stop closures, short pauses).
MAX_GAP_S: float = 0.30
#: Speech runs shorter than this (s) are dropped (clicks).
MIN_RUN_S: float = 0.04
#: Below this energy (dBFS) nothing is speech, whatever the recording's dynamics.
ABS_FLOOR_DB: float = -65.0
#: Minimum dynamic range (dB) between noise floor and speech peaks for any speech to be found.
MIN_RANGE_DB: float = 10.0


def analyze(samples: np.ndarray) -> SpeechFrames:
    """Energy gate and spectral-shape cues of 16 kHz mono audio at 100 fps.

    Args:
        samples: ``(N,)`` float32 at 16 kHz.

    Returns:
        :class:`SpeechFrames` with ``T = ceil(N / 160)`` frames.

    Raises:
        ValueError: empty, non-1-D or non-finite samples.
    """
    cfg = MelConfig()
    x = check_samples(samples)
    total_frames = num_feature_frames(x.shape[0], cfg.hop)
    hz = np.linspace(0.0, cfg.sample_rate_hz / 2.0, cfg.n_fft // 2 + 1)
    # Pre-emphasis (1 - 0.97 z^-1, +6 dB/octave) flattens the glottal spectral tilt so that the
    # band shares below compare formant regions rather than the tilt.
    emph = np.abs(1.0 - 0.97 * np.exp(-2j * np.pi * hz / cfg.sample_rate_hz)) ** 2
    edges = [(80, 8000), (80, 1000), (250, 1000), (1000, 2600), (3000, 8000)]
    bands = np.stack([((hz >= lo) & (hz < hi)) * emph for lo, hi in edges], axis=1)
    raw = ((hz >= 80) / (cfg.win * cfg.win / 8.0))[:, None]
    proj = np.concatenate([bands, raw], axis=1).astype(np.float32)
    sums = np.empty((total_frames, proj.shape[1]), np.float64)
    for a in range(0, total_frames, _BLOCK_FRAMES):  # blocks of 60 s keep memory bounded
        b = min(a + _BLOCK_FRAMES, total_frames)
        sums[a:b] = power_range(x, a, b, cfg) @ proj
    total = sums[:, 0] + 1e-12
    low, f1, f2, high = sums[:, 1], sums[:, 2], sums[:, 3], sums[:, 4]
    # Sum over bins of a full-scale sine's power is ~ win^2 / 8 (Parseval, Hann): ~0 dBFS.
    energy_db = 10.0 * np.log10(sums[:, 5] + 1e-12)
    speech, off_db, peak_db = _gate(energy_db)
    region = fill_gaps(speech, int(round(MAX_GAP_S * FEATURE_FPS)))
    loud = np.clip((energy_db - off_db) / max(peak_db - off_db, 1e-6), 0.0, 1.0)
    return SpeechFrames(
        energy_db=energy_db.astype(np.float32),
        speech=speech,
        region=region,
        loud=loud.astype(np.float32),
        voiced=(low / total).astype(np.float32),
        f2_ratio=(f2 / (f1 + f2 + 1e-12)).astype(np.float32),
        fric=(high / total).astype(np.float32),
    )


def speech_gate(energy_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Voice activity from a 100 fps energy track (dB), relative to the recording's own floor.

    Args:
        energy_db: ``(T,)`` frame energies in dB (any fixed reference).

    Returns:
        ``(speech (T,) bool, region (T,) bool)``: the hysteresis gate, and the gate with gaps
        shorter than :data:`MAX_GAP_S` filled (closures and short pauses inside utterances).
    """
    speech, _, _ = _gate(np.asarray(energy_db, np.float64))
    return speech, fill_gaps(speech, int(round(MAX_GAP_S * FEATURE_FPS)))


#: The hysteresis energy gate relative to the recording's noise floor and speech peaks.
GATE: GateConfig = GateConfig(floor_percentile=10.0, peak_percentile=97.0, on_fraction=0.35,
                              off_fraction=0.22, on_floor_db=ABS_FLOOR_DB, off_floor_db=ABS_FLOOR_DB - 5.0,
                              min_peak_db=ABS_FLOOR_DB,
                              min_range_db=MIN_RANGE_DB, min_run_frames=int(round(MIN_RUN_S * FEATURE_FPS)))


def _gate(energy_db: np.ndarray):
    """:func:`inference.signal_ops.energy_gate` with :data:`GATE`: ``(speech, off_db, peak_db)``.

    A constant signal (silence, steady noise, a tone) has no speech; a recording that is all
    speech with no pause still has > 10 dB between its quietest and loudest frames.
    """
    return energy_gate(energy_db, GATE)


def dsp_arkit(samples: np.ndarray) -> np.ndarray:
    """ARKit-52 mouth curves from audio by the DSP rules above.

    Args:
        samples: ``(N,)`` float32 mono at 16 kHz.

    Returns:
        ``(T, 52)`` float32 in [0, 1] at 100 fps, ``T = ceil(N / 160)``; only speech channels
        (:data:`rigs.arkit.SPEECH_CHANNELS`) are non-zero.

    Raises:
        ValueError: empty, non-1-D or non-finite samples.
    """
    f = analyze(samples)
    t = f.energy_db.shape[0]
    out = np.zeros((t, _arkit.NUM_ARKIT), np.float32)
    region = f.region.astype(np.float32)
    speech = f.speech.astype(np.float32)
    voiced = np.clip((f.voiced - 0.2) / 0.5, 0.0, 1.0)
    fric = np.clip((f.fric - 0.3) / 0.4, 0.0, 1.0)

    # Closure: energy well below the local speech envelope, inside an utterance, not a fricative.
    env = _running_max(f.energy_db, 12)
    dip = np.clip((env - f.energy_db - 10.0) / 12.0, 0.0, 1.0)
    nasal = np.clip((f.voiced - 0.85) / 0.1, 0.0, 1.0) * np.clip((0.12 - f.f2_ratio) / 0.1, 0.0, 1.0)
    closure = region * np.maximum(dip, 0.8 * nasal * speech) * (1.0 - fric)
    # Lips seal a little before the acoustic silence and part at the burst: widen by 1 frame.
    closure = smooth(_running_max(closure, 1), 1.0)

    jaw = 0.6 * f.loud ** 0.8 * (1.0 - 0.6 * fric) * speech  # open vowels ~0.55 (visemes.json "AA")
    jaw = smooth(jaw, 3.0) * (1.0 - closure)
    rounded = np.clip((0.2 - f.f2_ratio) / 0.15, 0.0, 1.0) * voiced * speech * (1.0 - closure)
    spread = np.clip((f.f2_ratio - 0.55) / 0.3, 0.0, 1.0) * (1.0 - fric) * speech * (1.0 - closure)
    rounded, spread, fric_s = (smooth(a, 4.0) for a in (rounded, spread, fric * speech))

    def put(name, values):
        out[:, _arkit.ARKIT_INDEX[name]] = values

    # A bilabial is a nearly shut jaw with the lips sealed: the jaw goes to the bilabial viseme's
    # opening (inference/face/data/visemes.json "PP") and mouthClose seals exactly that opening,
    # scaled by the closure confidence. Apple's ARFaceAnchor.BlendShapeLocation.mouthClose is
    # "closure of the lips independent of jaw position": it cancels jawOpen's lip opening and is
    # never above jawOpen (rigs.arkit.enforce_lip_seal); mouthPress stays within
    # rigs.arkit.SEALED_LIMITS so the lips do not cross on a real ARKit head.
    jaw = jaw + closure * np.clip(_PP_JAW - jaw, 0.0, None) * region
    put("jawOpen", jaw)
    put("mouthClose", closure * jaw)
    for side in ("Left", "Right"):
        put(f"mouthPress{side}", _arkit.SEALED_LIMITS[f"mouthPress{side}"] * closure)
        put(f"mouthStretch{side}", 0.4 * spread)
        put(f"mouthLowerDown{side}", 0.3 * jaw + 0.1 * spread)
        put(f"mouthUpperUp{side}", 0.15 * jaw + 0.3 * fric_s)
    put("mouthFunnel", 0.45 * rounded * (0.5 + jaw))
    put("mouthPucker", 0.6 * rounded * (1.0 - jaw))
    return _arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0))


#: jawOpen of the bilabial viseme (inference/face/data/visemes.json "PP").
_PP_JAW: float = 0.06


def _running_max(x: np.ndarray, radius: int) -> np.ndarray:
    pad = np.pad(x, radius, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * radius + 1)
    return win.max(axis=1)


class DspFaceBackend:
    """Face backend ``"fast"``: :func:`dsp_arkit` at 100 fps, numpy only."""

    name = "fast"
    label = LABEL
    #: generate() runs transcript mode (:func:`inference.face.transcript_mode.transcript_step`) on its output.
    reads_transcript = True

    def run(self, audio: Audio, options: GenerateOptions) -> FaceTrack:
        """ARKit curves for ``audio`` at 100 fps (see :func:`dsp_arkit`).

        Raises:
            ValueError: the audio samples are empty or not finite.
        """
        return FaceTrack(fps=FEATURE_FPS, arkit=dsp_arkit(audio.samples), device="numpy", model=MODEL_NAME)


register_face_backend("fast", DspFaceBackend)
