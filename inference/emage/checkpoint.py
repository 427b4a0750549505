"""EMAGE (audio-only) checkpoint folders: configs, the expected tensor manifest, loading and validation.

Folder layout (the authors' published ``emage_audio`` checkpoint, see ``docs/emage.md``)::

    <root>/config.json + model.safetensors | pytorch_model.bin        main network
    <root>/emage_vq/{face,upper,hands,lower}/config.json + weights    VQ-VAEs
    <root>/emage_vq/global/config.json + weights                      global-motion autoencoder

The expected key/shape manifest is derived from the configs (:func:`expected_tensors`); its layer
counts (4 face-decoder layers, 1 self-encoder layer, 8 audio-motion cross-attention layers,
1 refinement layer per body part) and module structure follow the published architecture.
``tests/test_emage_checkpoint.py`` checks the manifest against ``keys_full.json`` /
``keys_small.json`` of the parity fixtures.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np

from .weights import CheckpointError, find_weight_file, load_weights

#: VQ components in ``emage_vq/``, in decode order.
VQ_PARTS: tuple[str, ...] = ("face", "upper", "hands", "lower", "global")
#: Template layers the reference keeps in the checkpoint but never runs (accepted, never required).
UNUSED_PREFIXES: tuple[str, ...] = ("transformer_en_layer.", "audio_motion_cross_attn_layer.")
#: Transformer stack depths of the published architecture.
N_FACE_DECODER, N_SELF_ENCODER, N_CROSS_ATTN, N_REFINE = 4, 1, 8, 1
#: Width of the masked-motion prompt: 55 joints x 6D + trans 3 + foot contact 4.
MOTION_DIM: int = 337


@dataclass(frozen=True)
class MainConfig:
    """Root ``config.json`` values inference uses (other keys are ignored).

    Attributes mirror the config keys: widths ``audio_f``, ``motion_f``, ``hidden_size``; window
    ``pose_length`` (frames) and ``seed_frames``; ``vae_codebook_size`` (latent width and class
    count); ``speaker_dims``; latent flags ``lf, lu, lh, ll`` and classification flags
    ``cf, cu, ch, cl``; ``pose_dims`` (330); ``audio_sr`` (16000 Hz); ``pose_fps`` (30).
    """

    audio_f: int
    motion_f: int
    hidden_size: int
    pose_dims: int
    pose_length: int
    seed_frames: int
    vae_codebook_size: int
    speaker_dims: int
    lf: float
    lu: float
    lh: float
    ll: float
    cf: float
    cu: float
    ch: float
    cl: float
    audio_sr: int
    pose_fps: int


@dataclass(frozen=True)
class VQConfig:
    """``emage_vq/<part>/config.json`` values: ``vae_layer`` (conv levels), ``vae_test_dim``
    (input/output width), ``vae_length`` (latent width), ``vae_codebook_size`` (rows)."""

    vae_layer: int
    vae_test_dim: int
    vae_length: int
    vae_codebook_size: int


_VQ_DIMS = {"face": 106, "upper": 78, "hands": 180, "lower": 61, "global": 61}


def _read_config(path: str) -> dict:
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: config.json not found (expected the EMAGE checkpoint folder layout, "
                              "see docs/emage.md)")
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: unreadable config.json ({e})") from None
    if not isinstance(cfg, dict):
        raise CheckpointError(f"{path}: expected a JSON object, found {type(cfg).__name__}")
    return cfg


def _fields(cls, cfg: dict, path: str):
    vals = {}
    for name, typ in cls.__annotations__.items():
        if name not in cfg:
            raise CheckpointError(f"{path}: config key {name!r} is missing")
        try:
            vals[name] = (int if typ == "int" else float)(cfg[name])
        except (TypeError, ValueError):
            raise CheckpointError(f"{path}: config key {name!r} must be a number, found {cfg[name]!r}") from None
    return cls(**vals)


def read_main_config(root: str) -> MainConfig:
    """Parse and check ``<root>/config.json``.

    Raises:
        CheckpointError: missing file/keys, or values the pipeline cannot run (the message names them).
    """
    path = os.path.join(root, "config.json")
    cfg = _read_config(path)
    if cfg.get("model_type", "emage_audio") != "emage_audio":
        raise CheckpointError(f"{path}: model_type expected 'emage_audio', found {cfg.get('model_type')!r}")
    c = _fields(MainConfig, cfg, path)
    checks = [(c.pose_dims == 330, "pose_dims expected 330"), (c.audio_sr == 16000, "audio_sr expected 16000"),
              (c.pose_fps == 30, "pose_fps expected 30"), (c.pose_length == 64, "pose_length expected 64"),
              (c.seed_frames == 4, "seed_frames expected 4"), (c.hidden_size % 4 == 0, "hidden_size must divide by 4"),
              (c.audio_f % 4 == 0, "audio_f must divide by 4"), (c.speaker_dims >= 1, "speaker_dims must be >= 1")]
    for flag_c, flag_l, part in ((c.cf, c.lf, "face"), (c.cu, c.lu, "upper"), (c.ch, c.lh, "hands"), (c.cl, c.ll, "lower")):
        checks.append((flag_c > 0 or flag_l > 0, f"part {part} has neither a classification nor a latent flag"))
    for ok, msg in checks:
        if not ok:
            raise CheckpointError(f"{path}: {msg} (found {cfg})")
    return c


def read_vq_config(root: str, part: str) -> VQConfig:
    """Parse and check ``<root>/emage_vq/<part>/config.json``.

    Raises:
        CheckpointError: missing file/keys or a width that is not the part's (106/78/180/61/61).
    """
    path = os.path.join(root, "emage_vq", part, "config.json")
    c = _fields(VQConfig, _read_config(path), path)
    if c.vae_test_dim != _VQ_DIMS[part]:
        raise CheckpointError(f"{path}: vae_test_dim expected {_VQ_DIMS[part]} for {part}, found {c.vae_test_dim}")
    return c


# --- expected tensor manifest -----------------------------------------------------------------

def _conv(out: dict, p: str, cout: int, cin: int, k: int) -> None:
    out[p + ".weight"] = (cout, cin, k)
    out[p + ".bias"] = (cout,)


def _bn(out: dict, p: str, c: int) -> None:
    for n in ("weight", "bias", "running_mean", "running_var"):
        out[f"{p}.{n}"] = (c,)
    out[p + ".num_batches_tracked"] = ()


def _linear(out: dict, p: str, cout: int, cin: int) -> None:
    out[p + ".weight"] = (cout, cin)
    out[p + ".bias"] = (cout,)


def _mlp(out: dict, p: str, cin: int, mid: int, cout: int) -> None:
    _linear(out, p + ".fc1", mid, cin)
    _linear(out, p + ".fc2", cout, mid)


def _res(out: dict, p: str, w: int) -> None:
    _conv(out, p + ".model.0", w, w, 3)
    _conv(out, p + ".model.2", w, w, 3)


def conv_encoder_tensors(out: dict, p: str, cin: int, w: int, levels: int) -> None:
    """Keys of a conv encoder (level i: ``main.{3i}`` conv, ``main.{3i+2}`` ResBlock)."""
    for i in range(levels):
        _conv(out, f"{p}.main.{3 * i}", w, cin if i == 0 else w, 3)
        _res(out, f"{p}.main.{3 * i + 2}", w)


def conv_decoder_tensors(out: dict, p: str, w: int, dout: int, levels: int) -> None:
    """Keys of a conv decoder (2 ResBlocks, ``levels`` convs at 2, 4, .., final conv at 2n+2)."""
    _res(out, f"{p}.main.0", w)
    _res(out, f"{p}.main.1", w)
    for j in range(1, levels + 1):
        _conv(out, f"{p}.main.{2 * j}", w if j < levels else dout, w, 3)
    _conv(out, f"{p}.main.{2 * levels + 2}", dout, dout, 3)


WAV_BLOCKS = (  # (in, out) as fractions of out_dim (0 = 1 channel), kernel, stride, pad, downsample
    (0, 4, 15, 5, 1600, True), (4, 4, 15, 6, 0, True), (4, 4, 15, 1, 7, False),
    (4, 2, 15, 6, 0, True), (2, 2, 15, 1, 7, False), (2, 1, 15, 3, 0, True))


def wav_block_channels(out_dim: int, i: int) -> tuple[int, int]:
    """(in, out) channels of WavEncoder block ``i``."""
    fin, fout = WAV_BLOCKS[i][:2]
    return (1 if fin == 0 else out_dim // fin), out_dim // fout


def _attn(out: dict, p: str, h: int) -> None:
    out[p + ".in_proj_weight"] = (3 * h, h)
    out[p + ".in_proj_bias"] = (3 * h,)
    _linear(out, p + ".out_proj", h, h)


def _tlayer(out: dict, p: str, h: int, decoder: bool) -> None:
    _attn(out, p + ".self_attn", h)
    if decoder:
        _attn(out, p + ".multihead_attn", h)
    _linear(out, p + ".linear1", 2 * h, h)
    _linear(out, p + ".linear2", h, 2 * h)
    for k in (1, 2, 3) if decoder else (1, 2):
        out[f"{p}.norm{k}.weight"] = (h,)
        out[f"{p}.norm{k}.bias"] = (h,)


def expected_main_tensors(c: MainConfig) -> dict[str, tuple[int, ...]]:
    """``{key: shape}`` of the main network for config ``c`` (``num_batches_tracked`` is 0-d int64)."""
    h, a, m, cb = c.hidden_size, c.audio_f, c.motion_f, c.vae_codebook_size
    out: dict[str, tuple[int, ...]] = {"mask_embedding": (1, 1, c.pose_dims + 7)}
    for enc in ("audio_encoder_face", "audio_encoder_body"):
        for i, (_, _, k, _, _, down) in enumerate(WAV_BLOCKS):
            cin, cout = wav_block_channels(a, i)
            p = f"{enc}.feat_extractor.{i}"
            _conv(out, p + ".conv1", cout, cin, k)
            _bn(out, p + ".bn1", cout)
            _conv(out, p + ".conv2", cout, cout, k)
            _bn(out, p + ".bn2", cout)
            if down:
                _conv(out, p + ".downsample.0", cout, cin, k)
                _bn(out, p + ".downsample.1", cout)
    out["speaker_embedding_body.weight"] = (c.speaker_dims, h)
    out["speaker_embedding_face.weight"] = (c.speaker_dims, h)
    conv_encoder_tensors(out, "motion_encoder", c.pose_dims + 7, m, 3)
    _mlp(out, "bodyhints_face", m, h, m)
    _mlp(out, "bodyhints_body", m, h, m)
    _linear(out, "audio_body_motion_proj", h, a)
    _linear(out, "moton_proj", h, m)
    out["position_embeddings.pe"] = (1, 128, h)
    _tlayer(out, "transformer_en_layer", h, False)
    for i in range(N_SELF_ENCODER):
        _tlayer(out, f"motion_self_encoder.layers.{i}", h, False)
    _tlayer(out, "audio_motion_cross_attn_layer", h, True)
    for i in range(N_CROSS_ATTN):
        _tlayer(out, f"audio_motion_cross_attn.layers.{i}", h, True)
    for part in ("upper", "hands", "lower"):
        _mlp(out, f"motion2latent_{part}", h, h, h)
    for part in ("upper", "hands", "lower"):
        for i in range(N_REFINE):
            _tlayer(out, f"body_motion_decoder_{part}.layers.{i}", h, True)
    for part in ("upper", "hands", "lower"):
        _linear(out, f"motion_out_proj_{part}", cb, h)
    for part in ("upper", "hands", "lower"):
        _mlp(out, f"motion_cls_{part}", cb, h, cb)
    _linear(out, "audio_face_motion_proj", h, a + m)
    for i in range(N_FACE_DECODER):
        _tlayer(out, f"face_motion_decoder.layers.{i}", h, True)
    _linear(out, "face_out_proj", cb, h)
    _mlp(out, "face_cls", cb, h, cb)
    return out


def expected_vq_tensors(part: str, c: VQConfig) -> dict[str, tuple[int, ...]]:
    """``{key: shape}`` of ``emage_vq/<part>`` (``global`` has no quantizer)."""
    out: dict[str, tuple[int, ...]] = {}
    conv_encoder_tensors(out, "encoder", c.vae_test_dim, c.vae_length, c.vae_layer)
    if part != "global":
        out["quantizer.embedding.weight"] = (c.vae_codebook_size, c.vae_length)
    conv_decoder_tensors(out, "decoder", c.vae_length, c.vae_test_dim, c.vae_layer)
    return out


# --- validation and loading -------------------------------------------------------------------

@dataclass(frozen=True)
class Mismatch:
    """Differences between a weight file and the expected manifest (names sorted)."""

    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    wrong_shape: tuple[tuple[str, tuple, tuple], ...]  # (key, expected, found)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.wrong_shape)

    def describe(self, limit: int = 8) -> str:
        """One line per kind of problem, naming up to ``limit`` tensors each."""
        parts = []
        for label, items in (("missing", self.missing), ("unexpected", self.unexpected)):
            if items:
                more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
                parts.append(f"{len(items)} {label}: {', '.join(items[:limit])}{more}")
        if self.wrong_shape:
            shown = ", ".join(f"{k} expected {e} found {f}" for k, e, f in self.wrong_shape[:limit])
            more = f" (+{len(self.wrong_shape) - limit} more)" if len(self.wrong_shape) > limit else ""
            parts.append(f"{len(self.wrong_shape)} with a wrong shape: {shown}{more}")
        return "; ".join(parts)


def compare_tensors(found: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]],
                    optional_prefixes: tuple[str, ...] = ()) -> Mismatch:
    """Compare loaded tensors with an expected ``{key: shape}`` manifest.

    Keys under ``optional_prefixes`` may be present (with the right shape) or absent.
    """
    def optional(k):
        return k.startswith(optional_prefixes) if optional_prefixes else False

    missing = tuple(sorted(k for k in expected if k not in found and not optional(k)))
    unexpected = tuple(sorted(k for k in found if k not in expected))
    wrong = tuple((k, tuple(expected[k]), tuple(found[k].shape)) for k in sorted(expected)
                  if k in found and tuple(found[k].shape) != tuple(expected[k]))
    return Mismatch(missing, unexpected, wrong)


@dataclass(frozen=True)
class Checkpoint:
    """A validated EMAGE checkpoint in memory.

    Attributes:
        root: the folder.
        config: :class:`MainConfig`.
        vq_configs: ``{part: VQConfig}`` for :data:`VQ_PARTS`.
        main: ``{key: array}`` of the main network (float32; ``num_batches_tracked`` int64).
        vq: ``{part: {key: array}}``.
        files: ``{component: weight file path}`` (component ``"main"`` or a VQ part).
    """

    root: str
    config: MainConfig
    vq_configs: dict
    main: dict
    vq: dict
    files: dict


def checkpoint_files(root: str | os.PathLike) -> dict[str, str]:
    """``{component: path}`` of the config.json and weight files that define a checkpoint.

    Raises:
        CheckpointError: a folder or file is missing.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise CheckpointError(f"EMAGE checkpoint: expected a folder, found {root!r} "
                              "(choose the folder that holds config.json and emage_vq/)")
    files = {"main": find_weight_file(root), "main/config": os.path.join(root, "config.json")}
    for part in VQ_PARTS:
        sub = os.path.join(root, "emage_vq", part)
        files[part] = find_weight_file(sub)
        files[part + "/config"] = os.path.join(sub, "config.json")
    return files


def load_checkpoint(root: str | os.PathLike) -> Checkpoint:
    """Load and validate an EMAGE checkpoint folder (either weight format, no torch).

    Raises:
        CheckpointError: missing files, bad configs, coupling constraints violated (root
            ``vae_codebook_size`` must equal every VQ ``vae_length`` and be <= each VQ
            ``vae_codebook_size``), or tensors missing / unexpected / of the wrong shape
            (named in the message). The two unused template layers are accepted.
    """
    root = os.fspath(root)
    files = checkpoint_files(root)
    cfg = read_main_config(root)
    vq_cfgs = {p: read_vq_config(root, p) for p in VQ_PARTS}
    for p, v in vq_cfgs.items():
        if v.vae_length != cfg.vae_codebook_size or (p != "global" and cfg.vae_codebook_size > v.vae_codebook_size):
            raise CheckpointError(
                f"{root}: root vae_codebook_size {cfg.vae_codebook_size} must equal emage_vq/{p} vae_length "
                f"({v.vae_length}) and be <= its vae_codebook_size ({v.vae_codebook_size})")
    main = load_weights(files["main"])
    problems = []
    mm = compare_tensors(main, expected_main_tensors(cfg), UNUSED_PREFIXES)
    if not mm.ok:
        problems.append(f"{files['main']}: {mm.describe()}")
    vq = {}
    for p in VQ_PARTS:
        vq[p] = load_weights(files[p])
        r = compare_tensors(vq[p], expected_vq_tensors(p, vq_cfgs[p]))
        if not r.ok:
            problems.append(f"{files[p]}: {r.describe()}")
    if problems:
        raise CheckpointError("EMAGE checkpoint does not match its config.json: " + " | ".join(problems))
    for k in [k for k in main if k.startswith(UNUSED_PREFIXES)]:
        del main[k]  # never run; free 11.8 M params at full size
    return Checkpoint(root=root, config=cfg, vq_configs=vq_cfgs, main=main, vq=vq,
                      files={k: v for k, v in files.items() if not k.endswith("/config")})
