"""DSP lip-sync baseline (face backend ``"fast"``, label "Fast (no model)").

No neural network and no phoneme recognition: the ARKit mouth channels follow the audio envelope
and the coarse spectral shape at 100 fps. It is the honest baseline the lip-sync model is compared
against (docs/face-quality.md) and the fallback an animator can pick on purpose.

Cues (all from the centred 25 ms / 10 ms power spectrum of :mod:`inference.features`, measured by
:func:`inference.analysis.speech_frames`, the clip's :attr:`inference.analysis.AudioAnalysis.spectrum`):

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

import numpy as np

from .._rigs import arkit as _arkit
from ..analysis import GATE, MAX_GAP_S, AudioAnalysis, SpeechFrames, speech_gate  # noqa: F401 (re-exported)
from ..analysis import speech_frames as analyze  # the spectral cues; computed once per clip in generate()
from ..audio import Audio
from ..backends import FaceTrack, register_face_backend
from ..features import FEATURE_FPS
from ..options import GenerateOptions
from ..signal_ops import gaussian_smooth as smooth

#: Backend name and version reported in :class:`FaceTrack`.
MODEL_NAME: str = "dsp-baseline-v1"
#: Label shown in the UI.
LABEL: str = "Fast (no model)"


def dsp_arkit(samples: np.ndarray, frames: SpeechFrames | None = None) -> np.ndarray:
    """ARKit-52 mouth curves from audio by the DSP rules above.

    Args:
        samples: ``(N,)`` float32 mono at 16 kHz.
        frames: their :func:`inference.analysis.speech_frames` when already measured (the clip's
            ``AudioAnalysis.spectrum``); ``None`` measures them.

    Returns:
        ``(T, 52)`` float32 in [0, 1] at 100 fps, ``T = ceil(N / 160)``; only speech channels
        (:data:`rigs.arkit.SPEECH_CHANNELS`) are non-zero.

    Raises:
        ValueError: empty, non-1-D or non-finite samples.
    """
    f = analyze(samples) if frames is None else frames
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
    #: generate() passes the clip's :class:`inference.analysis.AudioAnalysis` as ``analysis=``.
    reads_analysis = True

    def run(self, audio: Audio, options: GenerateOptions, analysis: AudioAnalysis | None = None) -> FaceTrack:
        """ARKit curves for ``audio`` at 100 fps (see :func:`dsp_arkit`), from ``analysis.spectrum``
        when the clip's analysis is given.

        Raises:
            ValueError: the audio samples are empty or not finite.
        """
        frames = analysis.spectrum if analysis is not None else None
        return FaceTrack(fps=FEATURE_FPS, arkit=dsp_arkit(audio.samples, frames), device="numpy", model=MODEL_NAME)


register_face_backend("fast", DspFaceBackend)
