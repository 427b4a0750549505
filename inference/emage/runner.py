"""EMAGE inference on onnxruntime: autoregressive 64-frame windows, VQ decode, global translation.

Follows the published audio-only EMAGE inference (INTERFACE §4-5 of the parity fixtures):
windows of :data:`WINDOW` frames advance by 60 with :data:`SEED` seed frames decoded from the
previous window, the audio slice of a window starts at ``533 * frame`` samples (sic, not
533.33), a final shorter window covers the remainder when it exceeds 4 frames (else those 1-4
trailing frames are dropped), and the concatenated latents are decoded once by the VQ decoders
and the global-motion autoencoder. The final decode runs in chunks with a margin wider than the
convolutions' receptive field, so it is identical to a whole-sequence decode while memory stays
bounded for long audio.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..runtime import select_providers
from . import rotations as R
from .checkpoint import MOTION_DIM, read_main_config
from .convert import convert

SAMPLE_RATE_HZ: int = 16000
FPS: int = 30
WINDOW: int = 64
SEED: int = 4
#: Audio samples per frame used for window offsets (the reference's integer step).
SAMPLES_PER_FRAME: int = 533
#: Shortest input that yields a window: 9 frames (0.3 s).
MIN_FRAMES: int = 9
#: SMPL-X joints of each decoded part (INTERFACE §5; SMPL-X order).
UPPER_JOINTS: tuple[int, ...] = (3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
LOWER_JOINTS: tuple[int, ...] = (0, 1, 2, 4, 5, 7, 8, 10, 11)
HAND_JOINTS: tuple[int, ...] = tuple(range(25, 55))
JAW_JOINT: int = 22
#: Final decode chunk and margin (frames); the margin exceeds the 30-frame receptive radius of
#: the lower VQ decoder (9 convs) followed by the global autoencoder (21 convs).
DECODE_CHUNK: int = 2048
DECODE_MARGIN: int = 40
IDENTITY_6D = np.array([1, 0, 0, 0, 1, 0], np.float32)


@dataclass
class EmageResult:
    """Output of :meth:`EmageModel.infer` (T frames at 30 fps).

    Attributes:
        motion_axis_angle: (T, 165) float32, 55 SMPL-X joints x axis-angle (radians), eyes zero.
        expression: (T, 100) float32 FLAME expression coefficients.
        trans: (T, 3) float32 root translation (x, z integrated from velocity; y direct).
        motion337: (T, 337) float32 decoded motion in the prompt layout (6D + trans + foot contact).
        extras: with ``keep_intermediates``: latents ``rec_*``/``cls_*`` (T, C), ``index_*`` (T,),
            ``decode_codebook_index_*``, ``decode_raw_*``, ``decode_global_rec_pose``.
    """

    motion_axis_angle: np.ndarray
    expression: np.ndarray
    trans: np.ndarray
    motion337: np.ndarray
    extras: dict = field(default_factory=dict)


def default_motion(frames: int) -> np.ndarray:
    """(frames, 337) float32: identity rotations, zero translation and foot contact."""
    m = np.zeros((frames, MOTION_DIM), np.float32)
    m[:, :330] = np.tile(IDENTITY_6D, 55)
    return m


def nearest_codebook(z: np.ndarray, book: np.ndarray) -> np.ndarray:
    """Row index of the nearest codebook entry for each latent, ‖z‖² + ‖e‖² − 2 z·e in float32.

    Args:
        z: (T, C) float32 latents. book: (K, C) float32 codebook.

    Returns:
        (T,) int64 (first minimum on ties).
    """
    d = (np.sum(z * z, axis=1, keepdims=True, dtype=np.float32) + np.sum(book * book, axis=1, dtype=np.float32)
         - np.float32(2) * (z @ book.T))
    return np.argmin(d, axis=1).astype(np.int64)


class EmageModel:
    """A converted EMAGE checkpoint with its onnxruntime sessions.

    Args:
        root: checkpoint folder (``config.json``, weights, ``emage_vq/``).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"`` (see :func:`inference.runtime.select_providers`).
        threads: onnxruntime intra-op threads, 0 = onnxruntime's default.
        cache_dir: force the folder for converted files (default: next to the checkpoint, else
            the user cache).

    Raises:
        CheckpointError: invalid checkpoint. EnvironmentProblem: nowhere to cache the conversion.
        RuntimeError: ``device="cuda"`` without a CUDA provider.
    """

    def __init__(self, root: str | os.PathLike, device: str = "auto", threads: int = 0,
                 cache_dir: str | None = None):
        import onnxruntime as ort

        self.root = os.fspath(root)
        self.config = read_main_config(self.root)
        self.paths = convert(self.root, cache_dir)
        #: Source digest of the checkpoint (see :func:`inference.emage.convert.source_digest`).
        self.digest = os.path.basename(self.paths["main.onnx"]).split("-")[0]
        with np.load(self.paths["codebooks.npz"]) as z:
            self.codebooks = {k: z[k] for k in z.files}
        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        if threads:
            opts.intra_op_num_threads = int(threads)
        # Idle worker threads sleep instead of spinning: on a busy machine (Blender's UI, other
        # jobs) spinning burnt ~60% more CPU per window (0.46 vs 0.29 CPU-s) and was slower.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = select_providers(device)
        self.sessions = {k: ort.InferenceSession(self.paths[k + ".onnx"], sess_options=opts, providers=providers)
                         for k in ("main", "vq", "global")}
        self.provider = self.sessions["main"].get_providers()[0]
        c = self.config
        self.routes = {p: ("index" if cflag > 0 else "latent")
                       for p, cflag in (("face", c.cf), ("upper", c.cu), ("hands", c.ch), ("lower", c.cl))}

    # --- one window ---------------------------------------------------------------------------
    def run_window(self, audio: np.ndarray, masked_motion: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """Forward pass of one window: audio (L*533,), masked_motion/mask (L, 337) -> rec_*/cls_* (L, C)."""
        names = [o.name for o in self.sessions["main"].get_outputs()]
        outs = self.sessions["main"].run(None, {"audio": audio.astype(np.float32, copy=False),
                                                "masked_motion": masked_motion.astype(np.float32, copy=False),
                                                "mask": mask.astype(np.float32, copy=False)})
        return dict(zip(names, outs))

    def codebook_rows(self, part: str, rec: np.ndarray | None, index: np.ndarray | None):
        """(rows (T, C), used indices (T,)) for a part: by class index or by nearest latent."""
        if self.routes[part] == "index":
            idx = np.asarray(index, np.int64)
        else:
            idx = nearest_codebook(np.asarray(rec, np.float32), self.codebooks[part])
        return self.codebooks[part][idx], idx

    def decode_parts(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """VQ decoders: codebook rows per part (T, C) -> raw_face/upper/hands/lower."""
        names = [o.name for o in self.sessions["vq"].get_outputs()]
        outs = self.sessions["vq"].run(None, {f"z_{p}": rows[p] for p in ("face", "upper", "hands", "lower")})
        return dict(zip(names, outs))

    @staticmethod
    def assemble(raw: dict[str, np.ndarray]):
        """Raw part motion -> (axis-angle (T, 55, 3), motion337 (T, 337)); eyes stay zero."""
        t = raw["raw_upper"].shape[0]
        aa = np.zeros((t, 55, 3), np.float32)
        aa[:, JAW_JOINT] = R.rot6d_to_axis_angle(raw["raw_face"][:, 0:6])
        aa[:, list(UPPER_JOINTS)] = R.rot6d_to_axis_angle(raw["raw_upper"].reshape(t, 13, 6))
        aa[:, list(HAND_JOINTS)] = R.rot6d_to_axis_angle(raw["raw_hands"].reshape(t, 30, 6))
        aa[:, list(LOWER_JOINTS)] = R.rot6d_to_axis_angle(raw["raw_lower"][:, :54].reshape(t, 9, 6))
        m337 = np.concatenate([R.axis_angle_to_rot6d(aa).reshape(t, 330), raw["raw_lower"][:, 54:61]], axis=1)
        return aa, m337.astype(np.float32)

    # --- whole clip ---------------------------------------------------------------------------
    def infer(self, audio: np.ndarray, masked_motion: np.ndarray | None = None, mask: np.ndarray | None = None,
              keep_intermediates: bool = False, progress=None) -> EmageResult:
        """Generate motion, expression and translation for 16 kHz mono audio.

        Args:
            audio: (N,) float32 samples at 16 kHz, N >= 4800 (9 frames).
            masked_motion: optional (Tm, 337) prompt placed at frames 0..Tm-1 (INTERFACE §7 layout).
            mask: optional (Tm, 337), 1 = generate, 0 = keep the prompt value (element-wise).
            keep_intermediates: also return latents, indices and raw decodes in ``extras``.
            progress: optional ``progress(fraction)`` callback, called after every window.

        Returns:
            :class:`EmageResult` with T = floor(N*30/16000) frames, minus 1-4 trailing frames when
            (T-4) mod 60 is in 1..4 (reference behaviour).

        Raises:
            InputError: audio too short or not 1-D, prompt/mask of the wrong width.
        """
        audio = np.asarray(audio, np.float32)
        if audio.ndim != 1:
            raise InputError(f"EMAGE audio: expected a 1-D 16 kHz sample array, found shape {audio.shape}")
        frames = audio.shape[0] * FPS // SAMPLE_RATE_HZ
        if frames < MIN_FRAMES:
            raise InputError(f"EMAGE audio: expected at least {MIN_FRAMES} frames (0.3 s), found {frames}")
        motion = default_motion(frames)
        hidden = np.ones((frames, MOTION_DIM), np.float32)
        for name, arr, dst in (("masked_motion", masked_motion, motion), ("mask", mask, hidden)):
            if arr is None:
                continue
            arr = np.asarray(arr, np.float32)
            if arr.ndim != 2 or arr.shape[1] != MOTION_DIM:
                raise InputError(f"EMAGE {name}: expected (frames, {MOTION_DIM}), found {arr.shape}")
            dst[:min(len(arr), frames)] = arr[:frames]
        rounds, remain = divmod(frames - SEED, WINDOW - SEED)
        starts = [((WINDOW - SEED) * i, WINDOW, WINDOW - SEED) for i in range(rounds)]
        if remain > SEED:
            starts.append(((WINDOW - SEED) * rounds, SEED + remain, SEED + remain))
        last = motion[0:SEED].copy()
        keep: dict[str, list] = {}
        for wi, (s, length, kept) in enumerate(starts):
            mm_w, mk_w = motion[s:s + length].copy(), hidden[s:s + length].copy()
            mm_w[:SEED] = np.where(mk_w[:SEED] == 0, mm_w[:SEED], last)
            mk_w[:SEED] = 0
            a = audio[s * SAMPLES_PER_FRAME:(s + length) * SAMPLES_PER_FRAME]
            out = self.run_window(a, mm_w, mk_w)
            idx = {p: np.argmax(out[f"cls_{p}"], axis=1) for p in ("face", "upper", "hands", "lower")}
            for p in ("face", "upper", "hands", "lower"):
                keep.setdefault(f"index_{p}", []).append(idx[p][:kept])
                if self.routes[p] == "latent" or keep_intermediates:
                    keep.setdefault(f"rec_{p}", []).append(out[f"rec_{p}"][:kept])
                if keep_intermediates:
                    keep.setdefault(f"cls_{p}", []).append(out[f"cls_{p}"][:kept])
            if wi < rounds:  # the next window's seed: this window decoded on its own
                rows = {p: self.codebook_rows(p, out[f"rec_{p}"], idx[p])[0] for p in idx}
                _, m337 = self.assemble(self.decode_parts(rows))
                last = m337[-SEED:]
            if progress is not None:
                progress((wi + 1) / len(starts))
        cat = {k: np.concatenate(v, axis=0) for k, v in keep.items()}
        res = self.decode(cat, keep_intermediates)
        if keep_intermediates:
            res.extras.update(cat)
        return res

    def decode(self, cat: dict[str, np.ndarray], keep_intermediates: bool = False) -> EmageResult:
        """Final decode of concatenated latents/indices (chunked, equal to a whole-sequence decode)."""
        t = cat["index_upper"].shape[0]
        rows, used = {}, {}
        for p in ("face", "upper", "hands", "lower"):
            rows[p], used[p] = self.codebook_rows(p, cat.get(f"rec_{p}"), cat[f"index_{p}"])
        raw = _chunked(lambda sl: self.decode_parts({p: rows[p][sl] for p in rows}), t)
        aa, m337 = self.assemble(raw)
        g = _chunked(lambda sl: {"rec": self.sessions["global"].run(None, {"lower": raw["raw_lower"][sl]})[0]}, t)
        v = g["rec"][:, 54:57]
        step = np.float32(1.0 / FPS)
        trans = np.zeros((t, 3), np.float32)
        for ax in (0, 2):
            trans[1:, ax] = np.cumsum(v[:-1, ax] * step, dtype=np.float32)
        trans[:, 1] = v[:, 1]
        res = EmageResult(aa.reshape(t, 165), raw["raw_face"][:, 6:106].copy(), trans, m337)
        if keep_intermediates:
            res.extras.update({f"decode_codebook_index_{p}": used[p] for p in used})
            res.extras.update({f"decode_{k}": v for k, v in raw.items()})
            res.extras["decode_global_rec_pose"] = g["rec"]
        return res


def _chunked(fn, t: int) -> dict[str, np.ndarray]:
    """Run a time-convolutional ``fn(slice) -> {name: (len, D)}`` over [0, t) in overlapping chunks."""
    if t <= DECODE_CHUNK + 2 * DECODE_MARGIN:
        return fn(slice(0, t))
    parts: dict[str, list] = {}
    for a in range(0, t, DECODE_CHUNK):
        b = min(a + DECODE_CHUNK, t)
        lo, hi = max(0, a - DECODE_MARGIN), min(t, b + DECODE_MARGIN)
        for k, v in fn(slice(lo, hi)).items():
            parts.setdefault(k, []).append(v[a - lo:a - lo + (b - a)])
    return {k: np.concatenate(v, axis=0) for k, v in parts.items()}
