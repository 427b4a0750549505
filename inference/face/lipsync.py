"""Face backend ``"lipsync"``: the project's trained lip-sync network, run by onnxruntime.

Pipeline: 16 kHz audio -> :func:`inference.features.log_mel_range` (the same numpy front end the
training used) -> ``inference/face/models/lipsync-v5.onnx`` -> the 31 speech channels of
:data:`rigs.arkit.SPEECH_CHANNELS` at 100 fps, placed into a ``(T, 52)`` ARKit array (other
channels 0; the procedural layer adds blinks, gaze and brows later).

Long audio is processed in chunks of :data:`CHUNK_FRAMES` frames, each run with
:data:`CONTEXT_FRAMES` frames of real audio context on both sides (more than the convolution
stack's receptive field, and long enough for the bidirectional GRU to forget the chunk edge);
neighbouring chunks are cross-faded over :data:`FADE_FRAMES` frames at the boundary. Working
memory is therefore bounded by the chunk size whatever the audio length (the ``(T, 52)`` output
itself, 12.5 MB for 10 minutes, is the only part that grows).

Model file policy (what an animator gets):

* The file ships inside the extension and its SHA-256 is pinned here (:data:`MODEL_SHA256`);
  a modified or truncated file raises :class:`inference.runtime.ModelFileError` when Generate
  runs: Generate never falls back to another backend silently.
* A source checkout without the file (before the model was trained) does not register
  ``"lipsync"`` at all, so ``"default"`` resolves to ``"fast"`` and the chosen backend is recorded
  in ``Performance.provenance.face_model``; ``tests/test_face_runtime.py`` fails if the shipped
  file is missing, so a release cannot lack it.
"""

from __future__ import annotations

import os

import numpy as np

from .._rigs import arkit as _arkit
from ..analysis import GATE_MARGIN_S, GATE_RAMP_S, AudioAnalysis  # noqa: F401 (GATE_*: re-exported)
from ..analysis import mouth_gate as speech_weight  # the lip gate; computed once per clip in generate()
from ..audio import Audio
from ..backends import FaceTrack, register_face_backend
from ..features import FEATURE_FPS, log_mel_range, num_feature_frames
from ..options import GenerateOptions
from ..runtime import ModelFileError, create_session

#: Shipped model file.
MODEL_PATH: str = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", "lipsync-v5.onnx")
#: Its SHA-256 (printed by training/export_face.py; see docs/model-card-lipsync.md).
MODEL_SHA256: str = "e55d9311d69161298b66cc62795a968fda96e13c8b9d5b88b6a0a38b5aa077a0"
#: Backend name + version reported in FaceTrack.model.
MODEL_NAME: str = "lipsync-v5"
#: Frames (100 fps) per chunk core: 20 s.
CHUNK_FRAMES: int = 2000
#: Real-audio context on each side of a chunk (frames): 3 s.
CONTEXT_FRAMES: int = 300
#: Cross-fade width at chunk boundaries (frames).
FADE_FRAMES: int = 40

_SPEECH_COLS = np.array([_arkit.ARKIT_INDEX[n] for n in _arkit.SPEECH_CHANNELS], dtype=np.int64)
_SESSIONS: dict = {}


class LipSyncBackend:
    """Face backend ``"lipsync"`` (see the module docstring).

    Args:
        model_path: ONNX file (default: the shipped model).
        sha256: its expected hex SHA-256 (default: :data:`MODEL_SHA256`).
        chunk_frames, context_frames, fade_frames: chunking (defaults above; tests shrink them).
        gate: multiply the output by :func:`speech_weight` (:func:`inference.analysis.mouth_gate`,
            rest outside speech).
    """

    name = "lipsync"
    label = "Lip-sync model"
    #: generate() runs transcript mode (:func:`inference.face.transcript_mode.transcript_step`) on its output.
    reads_transcript = True
    #: generate() passes the clip's :class:`inference.analysis.AudioAnalysis` as ``analysis=``.
    reads_analysis = True

    def __init__(self, model_path: str = MODEL_PATH, sha256: str = MODEL_SHA256,
                 chunk_frames: int = CHUNK_FRAMES, context_frames: int = CONTEXT_FRAMES,
                 fade_frames: int = FADE_FRAMES, gate: bool = True):
        if not (0 < fade_frames <= 2 * context_frames and fade_frames < chunk_frames):
            raise ValueError(
                f"fade_frames: expected 0 < fade <= 2 * context and < chunk, found fade={fade_frames}, "
                f"context={context_frames}, chunk={chunk_frames}")
        self.model_path = model_path
        self.sha256 = sha256
        self.chunk_frames = int(chunk_frames)
        self.context_frames = int(context_frames)
        self.fade_frames = int(fade_frames)
        self.gate = bool(gate)

    def _session(self, device: str):
        key = (os.path.abspath(self.model_path), self.sha256, device)
        if key not in _SESSIONS:
            try:
                _SESSIONS[key] = create_session(self.model_path, self.sha256, device)
            except ModelFileError as exc:
                raise ModelFileError(
                    f"lip-sync model: {exc}. Reinstall the Speech Animator extension, or choose the "
                    "face model 'Fast (no model)' to generate without the network.") from exc
        return _SESSIONS[key]

    def run(self, audio: Audio, options: GenerateOptions, analysis: AudioAnalysis | None = None) -> FaceTrack:
        """ARKit curves for ``audio`` at 100 fps; the gate is ``analysis.mouth_gate`` when the clip's
        analysis is given, else :func:`speech_weight` of the samples.

        Returns:
            :class:`FaceTrack` with ``arkit`` ``(ceil(N / 160), 52)`` float32 in [0, 1], the
            execution provider in ``device``.

        Raises:
            inference.runtime.ModelFileError: model missing or SHA-256 mismatch.
            ValueError: empty or non-finite samples; bad ``options.device``.
            RuntimeError: ``options.device == "cuda"`` without a CUDA provider.
        """
        sess, provider = self._session(options.device)
        speech = self.predict(sess, audio.samples, analysis)
        if self.gate:
            weight = analysis.mouth_gate if analysis is not None else speech_weight(audio.samples)
            speech *= weight[:, None]
        out = np.zeros((speech.shape[0], _arkit.NUM_ARKIT), np.float32)
        out[:, _SPEECH_COLS] = np.clip(speech, 0.0, 1.0)
        sealed = seal_from_network(out)
        if self.gate:
            sealed = part_lips(sealed, weight)
        return FaceTrack(fps=FEATURE_FPS, arkit=sealed, device=provider, model=MODEL_NAME)

    def predict(self, sess, samples: np.ndarray, analysis: AudioAnalysis | None = None) -> np.ndarray:
        """Chunked network output: ``(T, 31)`` float32 speech channels, ``T = ceil(N / 160)``; each
        chunk's input is ``analysis.log_mel`` (the clip's one STFT, ``analysis`` of these ``samples``)
        or, without it, :func:`inference.features.log_mel_range` (the same numbers)."""
        total = num_feature_frames(np.asarray(samples).shape[0])
        out = np.zeros((total, len(_SPEECH_COLS)), np.float32)
        core, ctx, fade = self.chunk_frames, self.context_frames, self.fade_frames
        half = fade // 2
        prev_tail = None  # (start frame, values) of the previous chunk's output past its core end
        for c0 in range(0, total, core):
            c1 = min(c0 + core, total)
            r0, r1 = max(0, c0 - ctx), min(total, c1 + ctx)
            feats = log_mel_range(samples, r0, r1) if analysis is None else analysis.log_mel(r0, r1)
            y = sess.run(None, {"log_mel": feats[None]})[0][0]
            out[c0:c1] = y[c0 - r0:c1 - r0]
            if prev_tail is not None:
                # Cross-fade [c0 - half, c0 + half): previous chunk fades out, this one in.
                a0, a1 = max(c0 - half, 0), min(c0 + half, c1)
                w = ((np.arange(a0, a1) - (c0 - half) + 0.5) / fade)[:, None].astype(np.float32)
                mine = y[a0 - r0:a1 - r0]
                theirs = prev_tail[a0 - c0 + half:a1 - c0 + half]
                out[a0:a1] = (1.0 - w) * theirs + w * mine
            if c1 < total:
                # Keep this chunk's view of [c1 - half, c1 + half) for the next boundary (a full
                # chunk is longer than the fade, and its context reaches past c1 + half).
                t0, t1 = c1 - half, min(c1 + half, r1)
                prev_tail = np.zeros((fade, y.shape[1]), np.float32)
                prev_tail[:t1 - t0] = y[t0 - r0:t1 - r0]
        return out


#: lipsync-v3 is trained with its ``mouthClose`` output holding the lip-seal fraction
#: (``training/train_face.py --seal-output``: target ``mouthClose / jawOpen``). It is read as a seal
#: ramping from 0 at :data:`SEAL_ON_CLOSE` to 1 at :data:`SEAL_FULL_CLOSE`, chosen on the geometric
#: evaluator's tune split (tools/eval/face_geometry.py --split tune): ramp 0-1: clean closure 0.943,
#: aperture r 0.730; 0.3-0.7: 0.943, 0.727; 0.5-0.8: 0.943, 0.739.
SEAL_ON_CLOSE: float = 0.5
SEAL_FULL_CLOSE: float = 0.8


def seal_from_network(arkit: np.ndarray) -> np.ndarray:
    """Read the network's ``mouthClose`` as a lip-seal fraction: ``mouthClose = seal * jawOpen``.

    Apple's ``ARFaceAnchor.BlendShapeLocation.mouthClose`` is "closure of the lips independent of
    jaw position": it cancels the lip opening of ``jawOpen`` and is meaningful only up to it. The
    network predicts the seal fraction (0 open .. 1 sealed) in that channel;
    ``seal = clip((out - SEAL_ON_CLOSE) / (SEAL_FULL_CLOSE - SEAL_ON_CLOSE), 0, 1)``, then
    ``mouthClose = seal * jawOpen`` and :func:`rigs.arkit.enforce_lip_seal` (press/roll limits while
    sealed). (lipsync-v2 was trained on targets with ``mouthClose`` 0.75 at ``jawOpen`` 0.05, which
    crossed the lips by ~30 mm on a real ARKit head.)

    Args:
        arkit: ``(T, 52)`` float32 network output in ARKit order, in [0, 1].

    Returns:
        ``(T, 52)`` float32 with ``mouthClose <= jawOpen`` on every frame.
    """
    a = np.array(arkit, np.float32, copy=True)
    jaw, close = _arkit.ARKIT_INDEX["jawOpen"], _arkit.ARKIT_INDEX["mouthClose"]
    seal = np.clip((a[:, close] - SEAL_ON_CLOSE) / (SEAL_FULL_CLOSE - SEAL_ON_CLOSE), 0.0, 1.0)
    a[:, close] = seal * a[:, jaw]
    return _arkit.enforce_lip_seal(a)


#: Lower bound of the jaw opening inside speech where the lips are not sealed, and the gain on the
#: network's jawOpen (:func:`part_lips`). Chosen on the geometric evaluator's tune split.
PART_JAW_FLOOR: float = 0.15
PART_JAW_GAIN: float = 1.2
#: The floor acts where the speech gate is above this (its core, not its ramps).
PART_GATE_ON: float = 0.5


def part_lips(arkit: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """Keep the lips apart in speech except where the network seals them (issue 17 target rule).

    lipsync-v3 was trained on targets that left the mouth within 6 mm of shut on a quarter of the
    non-bilabial speech frames (alveolar and sibilant consonants nearly closed); the v4 target
    design parts the lips on every non-bilabial phone. Until a network is trained on those
    targets, the same rule is applied to its output: ``jawOpen = max(PART_JAW_GAIN * jawOpen,
    PART_JAW_FLOOR * core * (1 - seal))`` with the seal fraction ``seal = mouthClose / jawOpen``
    kept (``mouthClose = seal * jawOpen``), so bilabial closures and rest stay as they were;
    ``core = clip((speech - PART_GATE_ON) / (1 - PART_GATE_ON), 0, 1)`` keeps the floor out of
    the gate's anticipation margin and ramps (the pauses rest).

    Args:
        arkit: ``(T, 52)`` float32 with ``mouthClose <= jawOpen`` (after :func:`seal_from_network`).
        speech: ``(T,)`` float in [0, 1]: the speech gate (:func:`speech_weight`), 0 in silence.

    Returns:
        ``(T, 52)`` float32, :func:`rigs.arkit.enforce_lip_seal` applied.

    Raises:
        ValueError: ``speech`` does not have one value per frame.
    """
    a = np.array(arkit, np.float32, copy=True)
    w = np.asarray(speech, np.float32).reshape(-1)
    if w.shape[0] != a.shape[0]:
        raise ValueError(f"speech: expected {a.shape[0]} values (one per frame), found {w.shape[0]}")
    jaw, close = _arkit.ARKIT_INDEX["jawOpen"], _arkit.ARKIT_INDEX["mouthClose"]
    j = a[:, jaw]
    seal = np.clip(np.where(j > 1e-6, a[:, close] / np.maximum(j, np.float32(1e-6)), np.float32(0.0)), 0.0, 1.0)
    core = np.clip((w - PART_GATE_ON) / (1.0 - PART_GATE_ON), 0.0, 1.0)
    new = np.clip(np.maximum(PART_JAW_GAIN * j, PART_JAW_FLOOR * core * (1.0 - seal)), 0.0, 1.0)
    a[:, jaw] = new
    a[:, close] = seal * new
    return _arkit.enforce_lip_seal(a)


def model_available() -> bool:
    """True when the shipped model file exists (its SHA-256 is checked when a session opens)."""
    return os.path.isfile(MODEL_PATH)


if model_available():
    register_face_backend("lipsync", LipSyncBackend)
