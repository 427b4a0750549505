"""ONNX graphs of the EMAGE audio-only networks, built from checkpoint weights with numpy only.

Three graphs (batch size 1; ``L`` frames, ``N`` audio samples, ``C`` = ``vae_codebook_size``):

* **main** (one window of the generator, INTERFACE §3): inputs ``audio`` (N,) float32,
  ``masked_motion`` (L, 337) float32, ``mask`` (L, 337) float32 (1 = generate); outputs
  ``rec_{face,upper,hands,lower}`` and ``cls_{...}``, each (L, C) float32.
* **vq** (VQ decoders): inputs ``z_{face,upper,hands,lower}`` (T, C) float32 codebook rows;
  outputs ``raw_face`` (T, 106), ``raw_upper`` (T, 78), ``raw_hands`` (T, 180), ``raw_lower`` (T, 61).
* **global** (global-motion autoencoder): input ``lower`` (T, 61); output ``rec`` (T, 61).

Layer semantics (PyTorch eval-mode conventions): Conv1d with bias, BatchNorm eps 1e-5, LeakyReLU
slopes 0.01 (audio encoder) / 0.1 (MLPs) / 0.2 (conv nets), post-norm transformer layers with
4 heads, ReLU FFN of width 2H, LayerNorm eps 1e-5, no attention masks.
"""

from __future__ import annotations

import numpy as np

from . import onnx_proto as P
from .checkpoint import (
    N_CROSS_ATTN, N_FACE_DECODER, N_REFINE, N_SELF_ENCODER, WAV_BLOCKS, Checkpoint, MainConfig,
)

N_HEADS: int = 4
PARTS: tuple[str, ...] = ("face", "upper", "hands", "lower")


class GraphBuilder:
    """Accumulates ONNX nodes and initializers; values are referred to by name."""

    def __init__(self, name: str, weights: dict[str, np.ndarray]):
        self.parts = P.GraphParts(name)
        self.w = weights
        self._n = 0
        self._consts: dict[str, str] = {}

    def fresh(self, hint: str = "t") -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def init(self, arr: np.ndarray, hint: str = "c") -> str:
        name = self.fresh(hint)
        self.parts.initializers.append((name, np.asarray(arr)))
        return name

    def weight(self, key: str, transform=None) -> str:
        """Initializer from checkpoint tensor ``key`` (optionally transformed), shared by name."""
        cache = key if transform is None else f"{key}#{id(transform)}"
        if cache not in self._consts:
            arr = self.w[key] if transform is None else transform(self.w[key])
            self._consts[cache] = self.init(arr.astype(np.float32), key.replace(".", "_"))
        return self._consts[cache]

    def ints(self, values) -> str:
        key = "i64:" + ",".join(map(str, values))
        if key not in self._consts:
            self._consts[key] = self.init(np.asarray(values, np.int64), "shape")
        return self._consts[key]

    def op(self, op_type: str, *inputs: str, **attrs) -> str:
        out = self.fresh(op_type.lower())
        self.parts.nodes.append(P.node(op_type, inputs, [out], attrs=attrs))
        return out

    def input(self, name: str, dtype, shape) -> str:
        self.parts.inputs.append(P.value_info(name, dtype, shape))
        return name

    def output(self, value: str, name: str, dtype=np.float32, shape=None) -> None:
        self.parts.nodes.append(P.node("Identity", [value], [name]))
        self.parts.outputs.append(P.value_info(name, dtype, shape or []))

    # --- layers ---------------------------------------------------------------------------------
    def conv(self, x: str, key: str, stride: int = 1, pad: int | None = None) -> str:
        k = self.w[key + ".weight"].shape[-1]
        pad = (k - 1) // 2 if pad is None else pad
        return self.op("Conv", x, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       kernel_shape=[k], strides=[stride], pads=[pad, pad], dilations=[1])

    def bn(self, x: str, key: str) -> str:
        return self.op("BatchNormalization", x, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       self.weight(key + ".running_mean"), self.weight(key + ".running_var"), epsilon=1e-5)

    def lrelu(self, x: str, slope: float) -> str:
        return self.op("LeakyRelu", x, alpha=float(slope))

    def linear(self, x: str, key: str) -> str:
        return self.op("Gemm", x, self.weight(key + ".weight"), self.weight(key + ".bias"), transB=1)

    def mlp(self, x: str, key: str) -> str:
        return self.linear(self.lrelu(self.linear(x, key + ".fc1"), 0.1), key + ".fc2")

    def resblock(self, x: str, key: str) -> str:
        y = self.conv(self.lrelu(self.conv(x, key + ".model.0"), 0.2), key + ".model.2")
        return self.op("Add", y, x)

    def conv_encoder(self, x: str, key: str, levels: int) -> str:
        for i in range(levels):
            x = self.lrelu(self.conv(x, f"{key}.main.{3 * i}"), 0.2)
            x = self.resblock(x, f"{key}.main.{3 * i + 2}")
        return x

    def conv_decoder(self, x: str, key: str, levels: int) -> str:
        x = self.resblock(self.resblock(x, f"{key}.main.0"), f"{key}.main.1")
        for j in range(1, levels + 1):
            x = self.lrelu(self.conv(x, f"{key}.main.{2 * j}"), 0.2)
        return self.conv(x, f"{key}.main.{2 * levels + 2}")

    def to_channels(self, x2d: str) -> str:
        """(T, C) -> (1, C, T)."""
        return self.op("Transpose", self.op("Unsqueeze", x2d, self.ints([0])), perm=[0, 2, 1])

    def to_rows(self, x3d: str) -> str:
        """(1, C, T) -> (T, C)."""
        return self.op("Squeeze", self.op("Transpose", x3d, perm=[0, 2, 1]), self.ints([0]))

    def wav_encoder(self, audio3d: str, key: str) -> str:
        """(1, 1, N) waveform -> (T_a, out) features."""
        x = audio3d
        for i, (_, _, _, stride, pad, down) in enumerate(WAV_BLOCKS):
            p = f"{key}.feat_extractor.{i}"
            y = self.lrelu(self.bn(self.conv(x, p + ".conv1", stride, pad), p + ".bn1"), 0.01)
            y = self.bn(self.conv(y, p + ".conv2", 1, 7), p + ".bn2")
            short = self.bn(self.conv(x, p + ".downsample.0", stride, pad), p + ".downsample.1") if down else x
            x = self.lrelu(self.op("Add", y, short), 0.01)
        return self.to_rows(x)

    def layernorm(self, x: str, key: str) -> str:
        return self.op("LayerNormalization", x, self.weight(key + ".weight"), self.weight(key + ".bias"),
                       axis=-1, epsilon=1e-5)

    def attention(self, xq: str, xkv: str, key: str) -> str:
        """Multi-head attention with packed ``in_proj`` (rows Q, K, V) and ``out_proj``; (L, H)."""
        h = self.w[key + ".in_proj_weight"].shape[1]
        d = h // N_HEADS

        def proj(x, j):
            w = self.weight(key + ".in_proj_weight", _ROW_SLICES[j])
            b = self.weight(key + ".in_proj_bias", _ROW_SLICES[j])
            y = self.op("Gemm", x, w, b, transB=1)
            return self.op("Reshape", y, self.ints([0, N_HEADS, d]))  # (L, heads, d)

        q = self.op("Transpose", proj(xq, 0), perm=[1, 0, 2])
        q = self.op("Mul", q, self.init(np.array(1.0 / np.sqrt(d), np.float32), "scale"))
        k = self.op("Transpose", proj(xkv, 1), perm=[1, 2, 0])
        v = self.op("Transpose", proj(xkv, 2), perm=[1, 0, 2])
        a = self.op("Softmax", self.op("MatMul", q, k), axis=-1)
        o = self.op("Transpose", self.op("MatMul", a, v), perm=[1, 0, 2])
        o = self.op("Reshape", o, self.ints([0, h]))
        return self.linear(o, key + ".out_proj")

    def ffn(self, x: str, key: str) -> str:
        return self.linear(self.op("Relu", self.linear(x, key + ".linear1")), key + ".linear2")

    def encoder_layer(self, x: str, key: str) -> str:
        x = self.layernorm(self.op("Add", x, self.attention(x, x, key + ".self_attn")), key + ".norm1")
        return self.layernorm(self.op("Add", x, self.ffn(x, key)), key + ".norm2")

    def decoder_layer(self, x: str, mem: str, key: str) -> str:
        x = self.layernorm(self.op("Add", x, self.attention(x, x, key + ".self_attn")), key + ".norm1")
        x = self.layernorm(self.op("Add", x, self.attention(x, mem, key + ".multihead_attn")), key + ".norm2")
        return self.layernorm(self.op("Add", x, self.ffn(x, key)), key + ".norm3")


def _rows(j):
    def f(a):
        n = a.shape[0] // 3
        return a[j * n:(j + 1) * n]
    return f


_ROW_SLICES = [_rows(0), _rows(1), _rows(2)]


def build_main(w: dict[str, np.ndarray], cfg: MainConfig, taps: bool = False) -> P.GraphParts:
    """Graph of one generator window (see module docstring).

    Args:
        w: main-network tensors (:attr:`Checkpoint.main`).
        cfg: :class:`MainConfig`.
        taps: also output intermediate values ``h_<module>`` (for debugging against reference dumps).
    """
    g = GraphBuilder("emage_main", w)
    c = cfg.vae_codebook_size
    audio = g.input("audio", np.float32, ["N"])
    mm = g.input("masked_motion", np.float32, ["L", 337])
    mask = g.input("mask", np.float32, ["L", 337])
    tap = (lambda v, n: g.output(v, "h_" + n)) if taps else (lambda v, n: None)

    length = g.op("Slice", g.op("Shape", mm), g.ints([0]), g.ints([1]))  # [L]
    emb = g.weight("mask_embedding", lambda a: a.reshape(1, -1))
    x = g.op("Where", g.op("Equal", mask, g.init(np.array(1.0, np.float32), "one")), emb, mm)
    body_hint = g.to_rows(g.conv_encoder(g.to_channels(x), "motion_encoder", 3))
    tap(body_hint, "motion_encoder")
    hint_body = g.mlp(body_hint, "bodyhints_body")
    hint_face = g.mlp(body_hint, "bodyhints_face")
    audio3d = g.op("Reshape", audio, g.ints([1, 1, -1]))
    a_face = g.wav_encoder(audio3d, "audio_encoder_face")
    a_body = g.wav_encoder(audio3d, "audio_encoder_body")
    tap(a_body, "audio_encoder_body")
    # Length quirk of the reference: only a_face is cut to L frames; a_body keeps T_a (L+1 when L <= 25).
    a_face = g.op("Slice", a_face, g.ints([0]), length, g.ints([0]))
    tap(a_face, "audio_encoder_face")
    spk_b = g.weight("speaker_embedding_body.weight", lambda a: a[0:1])
    spk_f = g.weight("speaker_embedding_face.weight", lambda a: a[0:1])
    pe = g.op("Slice", g.weight("position_embeddings.pe", lambda a: a[0]), g.ints([0]), length, g.ints([0]))

    # face branch
    mem_f = g.linear(g.op("Concat", a_face, hint_face, axis=1), "audio_face_motion_proj")
    d_f = g.op("Add", spk_f, pe)
    for i in range(N_FACE_DECODER):
        d_f = g.decoder_layer(d_f, mem_f, f"face_motion_decoder.layers.{i}")
    tap(d_f, "face_motion_decoder")
    rec = {"face": g.linear(d_f, "face_out_proj")}
    cls = {"face": g.mlp(rec["face"], "face_cls")}

    # body temporal encoder and audio cross-attention
    m = g.op("Add", g.linear(hint_body, "moton_proj"), pe)
    m = g.op("Add", spk_b, m)
    for i in range(N_SELF_ENCODER):
        m = g.encoder_layer(m, f"motion_self_encoder.layers.{i}")
    tap(m, "motion_self_encoder")
    mem_b = g.linear(a_body, "audio_body_motion_proj")
    m = g.op("Add", g.op("Add", m, spk_b), pe)  # PE is added a second time (as the reference does)
    xa = m
    for i in range(N_CROSS_ATTN):
        xa = g.decoder_layer(xa, mem_b, f"audio_motion_cross_attn.layers.{i}")
    tap(xa, "audio_motion_cross_attn")
    m = g.op("Add", m, xa)
    lat = {p: g.mlp(m, f"motion2latent_{p}") for p in ("upper", "hands", "lower")}
    others = {"upper": ("hands", "lower"), "hands": ("upper", "lower"), "lower": ("upper", "hands")}
    for p in ("upper", "hands", "lower"):
        y = g.op("Add", lat[p], spk_b)
        mem = g.op("Add", lat[others[p][0]], lat[others[p][1]])
        for i in range(N_REFINE):
            y = g.decoder_layer(y, mem, f"body_motion_decoder_{p}.layers.{i}")
        tap(y, f"body_motion_decoder_{p}")
        rec[p] = g.linear(g.op("Add", lat[p], y), f"motion_out_proj_{p}")
        cls[p] = g.mlp(rec[p], f"motion_cls_{p}")
    for p in PARTS:
        g.output(rec[p], f"rec_{p}", shape=["L", c])
        g.output(cls[p], f"cls_{p}", shape=["L", c])
    return g.parts


def build_vq(ck: Checkpoint) -> P.GraphParts:
    """VQ decoders of face/upper/hands/lower: codebook rows (T, C) -> raw part motion (T, D)."""
    g = GraphBuilder("emage_vq", {})
    for p in PARTS:
        g.w = {k: v for k, v in ck.vq[p].items()}
        g.w = {f"{p}.{k}": v for k, v in g.w.items()}
        z = g.input(f"z_{p}", np.float32, ["T", ck.config.vae_codebook_size])
        y = g.conv_decoder(g.to_channels(z), f"{p}.decoder", ck.vq_configs[p].vae_layer)
        g.output(g.to_rows(y), f"raw_{p}", shape=["T", ck.vq_configs[p].vae_test_dim])
    return g.parts


def build_global(ck: Checkpoint) -> P.GraphParts:
    """Global-motion autoencoder: lower-body motion (T, 61) -> reconstruction (T, 61)."""
    g = GraphBuilder("emage_global", ck.vq["global"])
    n = ck.vq_configs["global"].vae_layer
    x = g.to_channels(g.input("lower", np.float32, ["T", 61]))
    y = g.conv_decoder(g.conv_encoder(x, "encoder", n), "decoder", n)
    g.output(g.to_rows(y), "rec", shape=["T", 61])
    return g.parts
