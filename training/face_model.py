"""The lip-sync network (torch): log-mel at 100 fps -> the 31 speech ARKit channels at 100 fps.

Architecture (``FaceModelDims`` holds every size):

1. fixed input normalisation ``(log_mel - mean) / std`` (buffers computed from the training set,
   exported inside the ONNX graph);
2. a stack of residual 1-D convolutions over time at 100 fps (GELU, LayerNorm over channels),
   dilations 1, 2, 4, ...: local spectral-temporal patterns (formant transitions, bursts, closures);
3. one bidirectional GRU layer on a 4x average-pooled copy (25 fps): utterance context
   (coarticulation, speaking rate, loudness) at a quarter of the sequential cost;
4. the GRU output repeated back to 100 fps, merged with the convolution features, two more
   residual convolutions, a 1x1 head and a sigmoid: ARKit weights in [0, 1].

The convolution path is frame-synchronous, so output frame ``i`` is aligned with feature frame
``i`` (no lag by construction); only the context branch is down-sampled. Trained by ``training/train_face.py``, exported by
``training/export_face.py``; the runtime (``inference/face/lipsync.py``) needs only onnxruntime.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from rigs.arkit import SPEECH_CHANNELS


@dataclass(frozen=True)
class FaceModelDims:
    """Sizes of :class:`LipSyncNet` (frozen; saved in checkpoints and the model card).

    Attributes:
        n_mels: input log-mel bands (inference.features.N_MELS).
        channels: width of the convolution stacks.
        conv_layers: residual convolution blocks before the context branch (100 fps).
        post_layers: residual convolution blocks after merging the context (100 fps).
        kernel: temporal kernel size of each block (odd).
        pool: time down-sampling of the context branch (4: the GRU runs at 25 fps).
        gru_hidden: hidden size per direction of the bidirectional GRU.
        n_out: output channels (len(rigs.arkit.SPEECH_CHANNELS) = 31).
        dropout: dropout rate during training.
    """

    n_mels: int = 80
    channels: int = 64
    conv_layers: int = 4
    post_layers: int = 2
    kernel: int = 5
    pool: int = 4
    gru_hidden: int = 48
    n_out: int = len(SPEECH_CHANNELS)
    dropout: float = 0.1

    def dilations(self) -> list[int]:
        """Dilation of front block ``i``: 1, 2, 4, 1, 2, 4, ..."""
        return [2 ** (i % 3) for i in range(self.conv_layers)]

    def conv_receptive_field(self) -> int:
        """Frames on each side the 100 fps convolutions see (the GRU then sees everything)."""
        return 1 + sum((self.kernel // 2) * d for d in self.dilations()) + self.post_layers * (self.kernel // 2)


class _Block(nn.Module):
    def __init__(self, ch: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.norm = nn.LayerNorm(ch)
        self.conv = nn.Conv1d(ch, ch, kernel, padding=dilation * (kernel // 2), dilation=dilation)
        self.act = nn.GELU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x):  # x: (B, C, T)
        y = self.norm(x.transpose(1, 2)).transpose(1, 2)
        return x + self.drop(self.act(self.conv(y)))


class LipSyncNet(nn.Module):
    """Log-mel ``(B, T, n_mels)`` float32 -> ARKit speech channels ``(B, T, n_out)`` in [0, 1].

    100 fps convolutions (local detail: bursts, closures, formant moves) + a bidirectional GRU on
    a ``pool``-times down-sampled copy (utterance context, cheap on CPU), up-sampled by
    repetition, merged, refined by more 100 fps convolutions.
    """

    def __init__(self, dims: FaceModelDims = FaceModelDims()):
        super().__init__()
        self.dims = dims
        c = dims.channels
        self.register_buffer("mel_mean", torch.zeros(dims.n_mels))
        self.register_buffer("mel_std", torch.ones(dims.n_mels))
        self.inp = nn.Conv1d(dims.n_mels, c, 3, padding=1)
        self.blocks = nn.ModuleList(_Block(c, dims.kernel, d, dims.dropout) for d in dims.dilations())
        # Floor-mode pooling over the input padded by pool - 1 repeated last frames gives
        # ceil(T / pool) windows, identical in torch and onnxruntime (ceil_mode differs there).
        self.pool = nn.AvgPool1d(dims.pool, stride=dims.pool)
        self.gru = nn.GRU(c, dims.gru_hidden, num_layers=1, batch_first=True, bidirectional=True)
        self.merge = nn.Conv1d(c + 2 * dims.gru_hidden, c, 1)
        self.post = nn.ModuleList(_Block(c, dims.kernel, 1, dims.dropout) for _ in range(dims.post_layers))
        self.head = nn.Conv1d(c, dims.n_out, 1)

    def forward(self, log_mel: torch.Tensor) -> torch.Tensor:
        t = log_mel.shape[1]
        x = (log_mel - self.mel_mean) / self.mel_std
        x = self.inp(x.transpose(1, 2))           # (B, C, T)
        for blk in self.blocks:
            x = blk(x)
        pooled = self.pool(nn.functional.pad(x, (0, self.dims.pool - 1), mode="replicate"))
        g, _ = self.gru(pooled.transpose(1, 2))   # (B, ceil(T / pool), 2H)
        g = g.unsqueeze(2).repeat(1, 1, self.dims.pool, 1).flatten(1, 2)[:, :t]
        x = self.merge(torch.cat([x, g.transpose(1, 2)], dim=1))
        for blk in self.post:
            x = blk(x)
        return torch.sigmoid(self.head(x)).transpose(1, 2)


#: Loss weights per output channel: jaw opening and lip closure matter most to an animator.
_HEAVY = {"jawOpen": 3.0, "mouthClose": 3.0, "mouthPressLeft": 2.0, "mouthPressRight": 2.0,
          "mouthFunnel": 2.0, "mouthPucker": 2.0}


def channel_weights() -> torch.Tensor:
    """``(31,)`` float32 loss weight of each speech channel (1 unless listed in ``_HEAVY``)."""
    return torch.tensor([_HEAVY.get(n, 1.0) for n in SPEECH_CHANNELS], dtype=torch.float32)


def lip_gap(y: torch.Tensor, seal_output: bool = False) -> torch.Tensor:
    """Approximate lip opening of ``(..., 31)`` speech-channel arrays, in units of jawOpen.

    ``jawOpen - mouthClose`` (ARKit: mouthClose cancels the jaw's lip opening); with
    ``seal_output`` the mouthClose channel holds the lip-seal fraction ``s`` (v3 recipe:
    ``mouthClose = s * jawOpen`` at run time) and the gap is ``jawOpen * (1 - s)``.
    """
    j = SPEECH_CHANNELS.index("jawOpen")
    c = SPEECH_CHANNELS.index("mouthClose")
    if seal_output:
        return y[..., j] * (1.0 - y[..., c])
    return y[..., j] - y[..., c]


def seal_targets(targets, eps: float = 0.01):
    """v3 recipe: replace the mouthClose column of ``(T, 31)`` speech-channel targets (numpy) by the
    seal fraction ``mouthClose / jawOpen`` in [0, 1] (0 where jawOpen < ``eps``: lips at rest)."""
    import numpy as np

    t = np.array(targets, np.float32, copy=True)
    j = SPEECH_CHANNELS.index("jawOpen")
    c = SPEECH_CHANNELS.index("mouthClose")
    t[:, c] = np.where(t[:, j] >= eps, np.clip(t[:, c] / np.maximum(t[:, j], eps), 0.0, 1.0), 0.0)
    return t


#: Lip gap (``jawOpen - mouthClose``) the closure hinge pushes sealed frames below; the eval's
#: "closed" threshold is ``<= 0.05`` (tools/eval/face_metrics.py), this leaves a margin.
CLOSURE_GAP_GOAL = -0.02
#: Lip parting (mean upper-up + mean lower-down) goal on sealed frames (eval threshold 0.15).
CLOSURE_PARTING_GOAL = 0.08
#: Target jawOpen above which under-prediction is penalised extra (open vowels).
JAW_PEAK_MIN = 0.3


def _masked_mean(v: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (v * w).sum() / w.sum().clamp_min(1.0)


def face_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
              velocity_weight: float = 2.0, closure_weight: float = 4.0,
              closure_hinge: float = 0.0, jaw_peak_weight: float = 0.0,
              jaw_corr_weight: float = 0.0, seal_output: bool = False) -> tuple[torch.Tensor, dict]:
    """Training loss.

    The v1 recipe is the first three terms (weighted L1, first-difference L1, lip-gap L1); the
    v2 fine-tune adds the three optional terms (defaults 0 keep v1 unchanged).

    Args:
        pred, target: ``(B, T, 31)`` in [0, 1].
        mask: ``(B, T)`` float, 1 on valid frames.
        velocity_weight: weight of the L1 loss on first differences (jitter and timing).
        closure_weight: extra weight on frames where the target lips are sealed (bilabials).
        closure_hinge: weight of a hinge on sealed target frames: ``relu(gap - CLOSURE_GAP_GOAL)
            + relu(parting - CLOSURE_PARTING_GOAL)`` (L1 regression stops at a hedged half-closure;
            this pushes past the eval's closed threshold).
        jaw_peak_weight: weight of ``relu(target_jaw - pred_jaw)`` on frames whose target jawOpen
            exceeds ``JAW_PEAK_MIN`` (counters regression to the mean on open vowels).
        jaw_corr_weight: weight of ``1 - Pearson r`` of predicted vs target jawOpen per crop.
        seal_output: the mouthClose channel is the lip-seal fraction (:func:`seal_targets`); the
            lip gap is ``jawOpen * (1 - seal)`` and the closure hinge's goal is 0.

    Returns:
        ``(loss, parts)`` with ``parts`` the float values of each term.
    """
    w = channel_weights().to(pred.device)
    closed = (target[..., SPEECH_CHANNELS.index("mouthPressLeft")] > 0.15).float()
    frame_w = mask * (1.0 + closure_weight * closed)
    l1 = ((pred - target).abs() * w).mean(-1)
    l_pos = (l1 * frame_w).sum() / frame_w.sum().clamp_min(1.0)
    dm = mask[:, 1:] * mask[:, :-1]
    dv = ((pred[:, 1:] - pred[:, :-1]) - (target[:, 1:] - target[:, :-1])).abs().mul(w).mean(-1)
    l_vel = (dv * dm).sum() / dm.sum().clamp_min(1.0)
    gap = (lip_gap(pred, seal_output) - lip_gap(target, seal_output)).abs()
    l_gap = (gap * frame_w).sum() / frame_w.sum().clamp_min(1.0)
    loss = l_pos + velocity_weight * 10.0 * l_vel + l_gap
    parts = {"l1": float(l_pos.detach()), "vel": float(l_vel.detach()), "gap": float(l_gap.detach())}
    if closure_hinge > 0.0:
        n = SPEECH_CHANNELS
        parting = (pred[..., n.index("mouthUpperUpLeft")] + pred[..., n.index("mouthUpperUpRight")]
                   + pred[..., n.index("mouthLowerDownLeft")] + pred[..., n.index("mouthLowerDownRight")]) / 2
        goal = 0.0 if seal_output else CLOSURE_GAP_GOAL
        hinge = torch.relu(lip_gap(pred, seal_output) - goal) + torch.relu(parting - CLOSURE_PARTING_GOAL)
        l_hinge = _masked_mean(hinge, mask * closed)
        loss = loss + closure_hinge * l_hinge
        parts["hinge"] = float(l_hinge.detach())
    j = SPEECH_CHANNELS.index("jawOpen")
    if jaw_peak_weight > 0.0:
        peak = mask * (target[..., j] > JAW_PEAK_MIN).float()
        l_peak = _masked_mean(torch.relu(target[..., j] - pred[..., j]), peak)
        loss = loss + jaw_peak_weight * l_peak
        parts["peak"] = float(l_peak.detach())
    if jaw_corr_weight > 0.0:
        pj, tj = pred[..., j], target[..., j]
        cnt = mask.sum(1).clamp_min(1.0)
        pc = (pj - (pj * mask).sum(1, keepdim=True) / cnt[:, None]) * mask
        tc = (tj - (tj * mask).sum(1, keepdim=True) / cnt[:, None]) * mask
        # eps inside the root: sqrt'(0) is infinite, and a crop with a flat target (masked out
        # below) would otherwise turn the whole batch's gradient into NaN
        r = (pc * tc).sum(1) / ((pc.pow(2).sum(1) * tc.pow(2).sum(1) + 1e-12).sqrt() + 1e-6)
        valid = (tc.pow(2).sum(1) > 1e-4).float()  # crops with some jaw movement
        l_corr = ((1.0 - r) * valid).sum() / valid.sum().clamp_min(1.0)
        loss = loss + jaw_corr_weight * l_corr
        parts["corr"] = float(l_corr.detach())
    return loss, parts


def dims_to_dict(dims: FaceModelDims) -> dict:
    """Plain dict of ``dims`` (for checkpoints)."""
    return asdict(dims)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


