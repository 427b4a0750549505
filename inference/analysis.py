"""One analysis of each clip: every per-frame quantity the face, the procedural layer and the body read.

:func:`inference.generate.generate` calls :func:`analyze_audio` once per clip (once per window of a long
clip, :mod:`inference.longaudio`) and hands the :class:`AudioAnalysis` to the face backends, transcript
mode, the procedural face layer, the arousal of ``emotion=auto`` and the body; none of them computes
energy, voice activity, pitch, onsets, accents or phrases again. Each part is measured when it is first
read, then kept: once per clip, and never for a run that does not read it.

What is computed, and where (one place each):

* prosody -- 25 ms RMS energy, F0 and voicing (Praat), voice activity (WebRTC VAD and an energy gate),
  onset strength, accents, phrases: :func:`inference.prosody.analyze_prosody`;
* the power spectrum of the 25 ms Hann frames (:func:`inference.features.power_range`, the default
  :class:`inference.features.MelConfig`): :meth:`AudioAnalysis.power`, one STFT per clip read by both of
  the next two;
* the mouth's spectral cues -- energy above 80 Hz of the 25 ms Hann frame, the face speech gate and the
  band shares of the DSP lip-sync rules: :func:`speech_frames` (here);
* the lip-sync network's log-mel input: :meth:`AudioAnalysis.log_mel` (the same numbers as
  :func:`inference.features.log_mel_range`);
* the network's lip gate: :func:`mouth_gate` (here), the face gate widened and ramped.

Two voice-activity decisions remain, on purpose:

* the **face gate** (:data:`GATE`, hysteresis on the frame energy relative to the recording's own floor,
  gaps < :data:`MAX_GAP_S` filled) decides where the mouth moves: every audible sound (a 40 ms burst, a
  breathy onset) must move the lips and a pause of 0.3 s inside an utterance keeps them ready;
* the **prosody VAD** (:attr:`AudioAnalysis.speech`: WebRTC VAD and an energy gate, runs < 0.1 s dropped,
  gaps < 0.15 s filled) decides phrases, accents and arousal for the eyes, brows and body: it must reject
  non-speech noise (a cough, a click) that would otherwise start a phrase or a gesture.

Merging those two would change every face or every body output (``tests/test_output_fingerprints.py``)
for a noise-robustness trade nobody has measured. The network's lip gate used to be a third decision
(the face gate on its own 10 ms-hop energy); it is now the face gate itself, measured on the geometric
evaluation before and after (see :func:`mouth_gate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .audio import Audio
from .features import FEATURE_FPS, MelConfig, check_samples, log_mel_of_power, num_feature_frames, power_range
from .prosody import Prosody, analyze_prosody, validated_samples
from .signal_ops import GateConfig, energy_gate, fill_gaps, hann_smooth

#: Analysis frame rate (frames per second): the 10 ms hop of every field.
ANALYSIS_FPS: float = FEATURE_FPS
#: Gaps inside speech shorter than this (s) are part of the utterance (stop closures, short pauses).
MAX_GAP_S: float = 0.30
#: Speech runs shorter than this (s) are dropped (clicks).
MIN_RUN_S: float = 0.04
#: Below this energy (dBFS) nothing is speech, whatever the recording's dynamics.
ABS_FLOOR_DB: float = -65.0
#: Minimum dynamic range (dB) between noise floor and speech peaks for any speech to be found.
MIN_RANGE_DB: float = 10.0
#: The face's hysteresis energy gate relative to the recording's noise floor and speech peaks.
GATE: GateConfig = GateConfig(floor_percentile=10.0, peak_percentile=97.0, on_fraction=0.35,
                              off_fraction=0.22, on_floor_db=ABS_FLOOR_DB, off_floor_db=ABS_FLOOR_DB - 5.0,
                              min_peak_db=ABS_FLOOR_DB,
                              min_range_db=MIN_RANGE_DB, min_run_frames=int(round(MIN_RUN_S * FEATURE_FPS)))
#: Lips start moving this long before the acoustic onset and settle this long after the end (s).
GATE_MARGIN_S: float = 0.08
#: Raised-cosine ramp of the network's lip gate (s).
GATE_RAMP_S: float = 0.06
#: Spectrum frames analysed at a time (60 s): memory stays bounded on long audio.
_BLOCK_FRAMES: int = 6000
#: Longest clip (frames at 100 fps: 6 min) whose power spectrum :meth:`AudioAnalysis.power` keeps once
#: measured, 1028 bytes a frame (257 float32 bins; ~37 MB at the limit). ``python -m inference`` and
#: :func:`inference.generate_file` analyse clips over 300 s window by window (:mod:`inference.longaudio`),
#: so theirs is always kept; a longer clip handed to :func:`inference.generate.generate` whole is
#: measured again for each range read (memory stays bounded, the numbers are the same).
POWER_KEEP_FRAMES: int = 36000


@dataclass(frozen=True)
class SpeechFrames:
    """The mouth's spectral cues at :data:`ANALYSIS_FPS` (100 fps), ``T = ceil(N / 160)`` frames.

    Attributes:
        energy_db: ``(T,)`` float32 frame energy above 80 Hz in dB (re full scale, ~-100 for silence).
        speech: ``(T,)`` bool, the face gate (:data:`GATE`, hysteresis).
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


@dataclass(frozen=True)
class AudioAnalysis:
    """Everything measured on one clip, at :data:`ANALYSIS_FPS`; ``N = ceil(num_samples / 160)`` frames,
    frame ``i`` centred at ``i / 100`` s. Each part is measured on first read and kept (once per clip:
    a face-only run never measures the body's prosody it does not read, a body-only run no mouth
    cues); arrays are read-only and shared by every reader.

    Attributes:
        audio: the analysed :class:`inference.audio.Audio` (16 kHz mono, validated).
    """

    audio: Audio

    @property
    def fps(self) -> float:
        """Frame rate of every field (100.0)."""
        return ANALYSIS_FPS

    @property
    def num_samples(self) -> int:
        """Length of the analysed 16 kHz audio (samples)."""
        return int(np.asarray(self.audio.samples).shape[0])

    @property
    def num_frames(self) -> int:
        """``N``, the frames of every per-frame field."""
        return num_feature_frames(self.num_samples)

    @cached_property
    def prosody(self) -> Prosody:
        """:class:`inference.prosody.Prosody` (:func:`inference.prosody.analyze_prosody`): 25 ms RMS
        energy ``energy_db`` (dBFS, of a copy scaled to peak 1 if louder), ``f0_hz``, ``voiced``, voice
        activity ``speech`` (WebRTC VAD and energy gate), ``onset_strength``, ``accents_s`` /
        ``accent_strength`` and ``phrases``, all ``(N,)`` at 100 fps but the accents ``(K,)``."""
        return analyze_prosody(self.audio)

    def power(self, start: int, stop: int) -> np.ndarray:
        """Frames ``[start, stop)`` of the clip's power spectrum: :func:`inference.features.power_range`
        of the samples with the default :class:`inference.features.MelConfig` (25 ms periodic Hann,
        10 ms hop, 512-point FFT), the STFT of :attr:`spectrum` and :meth:`log_mel`.

        Measured once per clip and kept (read-only) for a clip of up to :data:`POWER_KEEP_FRAMES` frames; a longer one is measured per call. Either way the rows
        are bit-identical to ``power_range(samples, start, stop)`` (each frame's FFT is its own).

        Returns:
            ``(stop - start, 257)`` float32 ``|X|^2`` (a read-only view when kept).

        Raises:
            ValueError: not ``0 <= start < stop <= num_frames``.
        """
        if not (0 <= start < stop <= self.num_frames):
            raise ValueError(f"power: expected a frame range 0 <= start < stop <= {self.num_frames}, "
                             f"found [{start}, {stop})")
        kept = self._kept_power
        if kept is not None:
            return kept[start:stop]
        return power_range(check_samples(self.audio.samples), start, stop)

    @cached_property
    def _kept_power(self) -> np.ndarray | None:
        """The whole clip's :meth:`power` rows ``(N, 257)`` float32, or ``None`` past :data:`POWER_KEEP_FRAMES`."""
        n = self.num_frames
        if n > POWER_KEEP_FRAMES:
            return None
        out = power_range(check_samples(self.audio.samples), 0, n)  # FFTs in small blocks: bounded work memory
        out.setflags(write=False)
        return out

    def log_mel(self, start: int, stop: int) -> np.ndarray:
        """Frames ``[start, stop)`` of the lip-sync network's input, from :meth:`power`: bit-identical to
        :func:`inference.features.log_mel_range` ``(samples, start, stop)`` (BLAS rounds a product per
        its shape, so ask for the range the network is fed, not a slice of a longer one).

        Returns:
            ``(stop - start, 80)`` float32 natural-log mel power.

        Raises:
            ValueError: not ``0 <= start < stop <= num_frames``.
        """
        return log_mel_of_power(self.power(start, stop))

    @cached_property
    def spectrum(self) -> SpeechFrames:
        """:class:`SpeechFrames` (:func:`speech_frames` of :meth:`power`): the face gate and the DSP lip-sync cues."""
        frames = speech_frames(self.audio.samples, power=self.power)
        for arr in vars(frames).values():
            arr.setflags(write=False)
        return frames

    @cached_property
    def mouth_gate(self) -> np.ndarray:
        """``(N,)`` float32 in [0, 1], the network's lip gate (:func:`mouth_gate` of :attr:`spectrum`)."""
        gate = mouth_gate(self.audio.samples, self.spectrum)
        gate.setflags(write=False)
        return gate


def analyze_audio(audio: Audio) -> AudioAnalysis:
    """The one analysis of a clip (see the module docstring and :class:`AudioAnalysis`).

    Args:
        audio: :class:`inference.audio.Audio`, 16 kHz mono.

    Returns:
        :class:`AudioAnalysis`; its parts are measured when first read.

    Raises:
        inference.audio.AudioError: not an ``Audio``, empty, wrong sample rate, non-finite or non-1-D
            samples (checked here, before any part is measured).
    """
    validated_samples(audio)
    return AudioAnalysis(audio)


def speech_frames(samples: np.ndarray, power=None) -> SpeechFrames:
    """Face gate and spectral-shape cues of 16 kHz mono audio at 100 fps.

    Args:
        samples: ``(N,)`` float32 at 16 kHz.
        power: ``power(start, stop)`` -> the ``(stop - start, 257)`` :func:`inference.features.power_range`
            rows of ``samples`` when already measured (:meth:`AudioAnalysis.power`); ``None``: computed here.

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
    # Band edges: textbook formant ranges for adult speech (Peterson & Barney 1952: F1 ~ 250-1000 Hz,
    # F2 ~ 850-2500 Hz), and > 3 kHz for fricatives.
    edges = [(80, 8000), (80, 1000), (250, 1000), (1000, 2600), (3000, 8000)]
    bands = np.stack([((hz >= lo) & (hz < hi)) * emph for lo, hi in edges], axis=1)
    raw = ((hz >= 80) / (cfg.win * cfg.win / 8.0))[:, None]
    proj = np.concatenate([bands, raw], axis=1).astype(np.float32)
    sums = np.empty((total_frames, proj.shape[1]), np.float64)
    for a in range(0, total_frames, _BLOCK_FRAMES):  # blocks of 60 s keep memory bounded
        b = min(a + _BLOCK_FRAMES, total_frames)
        sums[a:b] = (power_range(x, a, b, cfg) if power is None else power(a, b)) @ proj
    total = sums[:, 0] + 1e-12
    low, f1, f2, high = sums[:, 1], sums[:, 2], sums[:, 3], sums[:, 4]
    # Sum over bins of a full-scale sine's power is ~ win^2 / 8 (Parseval, Hann): ~0 dBFS.
    energy_db = 10.0 * np.log10(sums[:, 5] + 1e-12)
    speech, region, off_db, peak_db = _gate(energy_db)
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
    """The face gate on a 100 fps energy track (dB), relative to the recording's own floor.

    A constant signal (silence, steady noise, a tone) has no speech; a recording that is all speech
    with no pause still has > 10 dB between its quietest and loudest frames.

    Args:
        energy_db: ``(T,)`` frame energies in dB (any fixed reference).

    Returns:
        ``(speech (T,) bool, region (T,) bool)``: the hysteresis gate (:data:`GATE`), and the gate with
        gaps shorter than :data:`MAX_GAP_S` filled (closures and short pauses inside utterances).
    """
    speech, region, _, _ = _gate(np.asarray(energy_db, np.float64))
    return speech, region


def _gate(energy_db: np.ndarray):
    """The one face speech decision: ``(speech, region, off_db, peak_db)`` of :func:`speech_gate`,
    plus the gate's off and peak levels (dB) that :func:`speech_frames` scales loudness by."""
    speech, off_db, peak_db = energy_gate(energy_db, GATE)
    return speech, fill_gaps(speech, int(round(MAX_GAP_S * FEATURE_FPS))), off_db, peak_db


def mouth_gate(samples: np.ndarray, frames: SpeechFrames | None = None) -> np.ndarray:
    """``(T,)`` float32 in [0, 1] at 100 fps: 1 inside utterances, 0 in silence and steady noise.

    The lip-sync network was trained with neutral targets in silence, but in unseen noise (crowd, hum,
    reverberant tails) it can leave the mouth slightly open; this gate (the face gate's ``region``,
    :func:`speech_frames`, the same speech decision the DSP backend makes) makes silence rest exactly.
    Utterances are widened by :data:`GATE_MARGIN_S` and the gate ramps over :data:`GATE_RAMP_S`, so lip
    preparation before speech is kept. Transcript mode checks its alignment against ``mouth_gate > 0.5``.

    Until issue 19 the gate had its own energy (a 30 ms window per 10 ms hop); on the held-out split of
    ``tools/eval/face_geometry.py`` the shared face gate kept every figure of ``lipsync`` and
    ``lipsync+transcript`` or improved it (rest in pauses 0.945 -> 0.954, aperture r 0.686 -> 0.688),
    and moved 285 of 30,683 gate frames on the shared English speech.

    Args:
        samples: ``(N,)`` float32 16 kHz mono.
        frames: their :func:`speech_frames` when already measured (``AudioAnalysis.spectrum``).

    Raises:
        ValueError: empty, non-1-D or non-finite samples.
    """
    region = (speech_frames(samples) if frames is None else frames).region
    margin = int(round(GATE_MARGIN_S * FEATURE_FPS))
    ramp = max(1, int(round(GATE_RAMP_S * FEATURE_FPS)))
    wide = np.convolve(region.astype(np.float64), np.ones(2 * margin + 1), mode="same") > 0
    weight = hann_smooth(wide, ramp, edge=True)
    return np.clip(weight, 0.0, 1.0).astype(np.float32)
