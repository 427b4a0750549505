"""Audio augmentation that makes clean synthetic speech look like real recordings (training split only).

Chain (each step with its own probability, parameters drawn from a seeded ``numpy`` Generator):
tempo (sox WSOLA ``tempo``; phone times are rescaled by the returned ``time_scale``), pitch shift
(sox ``pitch``, duration kept), EQ (RBJ audio-EQ-cookbook biquads: peaking, high-pass, low-pass),
reverb (room impulse responses from pyroomacoustics' image-source shoebox rooms, direct path aligned
to t=0 so phone times stay valid; synthetic exponential-decay RIR if pyroomacoustics is missing),
additive coloured noise at a random SNR, 8 kHz telephone band, lossy codec round trip (Ogg Vorbis /
MP3 / Opus through libsndfile, codec delay removed by cross-correlation), random gain.
"""

from __future__ import annotations

import io
import subprocess

import numpy as np
import soundfile as sf
import soxr
from scipy import signal

SR = 16000


def _sox(audio: np.ndarray, effects: list[str]) -> np.ndarray:
    cmd = ["sox", "-q", "-t", "f32", "-r", str(SR), "-c", "1", "-", "-t", "f32", "-"] + effects
    out = subprocess.run(cmd, input=audio.astype(np.float32).tobytes(), capture_output=True,
                         check=True, timeout=120).stdout
    return np.frombuffer(out, dtype=np.float32).copy()


def _biquad(kind: str, f0: float, q: float, gain_db: float = 0.0):
    """RBJ Audio EQ Cookbook (R. Bristow-Johnson) biquad coefficients (b, a)."""
    w0 = 2 * np.pi * f0 / SR
    alpha = np.sin(w0) / (2 * q)
    c = np.cos(w0)
    if kind == "peak":
        A = 10 ** (gain_db / 40)
        b = [1 + alpha * A, -2 * c, 1 - alpha * A]
        a = [1 + alpha / A, -2 * c, 1 - alpha / A]
    elif kind == "hp":
        b = [(1 + c) / 2, -(1 + c), (1 + c) / 2]
        a = [1 + alpha, -2 * c, 1 - alpha]
    else:  # "lp"
        b = [(1 - c) / 2, 1 - c, (1 - c) / 2]
        a = [1 + alpha, -2 * c, 1 - alpha]
    return np.array(b) / a[0], np.array(a) / a[0]


def eq(audio, rng):
    x = audio
    for _ in range(int(rng.integers(1, 4))):
        b, a = _biquad("peak", rng.uniform(150, 6000), rng.uniform(0.5, 2.5), rng.uniform(-12, 12))
        x = signal.lfilter(b, a, x)
    if rng.random() < 0.3:
        x = signal.lfilter(*_biquad("hp", rng.uniform(60, 350), 0.707), x)
    if rng.random() < 0.3:
        x = signal.lfilter(*_biquad("lp", rng.uniform(2500, 7500), 0.707), x)
    return x.astype(np.float32)


_RIRS: list[np.ndarray] = []


def _make_rir(rng) -> np.ndarray:
    rt60 = rng.uniform(0.15, 0.8)
    try:
        import pyroomacoustics as pra

        dims = np.array([rng.uniform(3, 9), rng.uniform(3, 8), rng.uniform(2.4, 4)])
        absorption, max_order = pra.inverse_sabine(rt60, dims)
        room = pra.ShoeBox(dims, fs=SR, materials=pra.Material(absorption), max_order=min(max_order, 12))
        src = dims * rng.uniform(0.15, 0.85, 3)
        mic = dims * rng.uniform(0.15, 0.85, 3)
        room.add_source(src)
        room.add_microphone(mic)
        room.compute_rir()
        rir = np.asarray(room.rir[0][0], dtype=np.float64)
    except Exception:  # library missing or geometry rejected: synthetic exponential decay
        n = int(rt60 * SR)
        rir = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
        rir[0] = 4.0
    peak = int(np.argmax(np.abs(rir)))
    rir = rir[peak:]  # direct path at t = 0: phone times stay aligned
    return (rir / np.abs(rir[0])).astype(np.float32)


def reverb(audio, rng):
    if len(_RIRS) < 48 or rng.random() < 0.1:
        _RIRS.append(_make_rir(rng))
        del _RIRS[:-96]
    rir = _RIRS[int(rng.integers(len(_RIRS)))]
    wet = signal.fftconvolve(audio, rir)[: len(audio)]
    mix = rng.uniform(0.5, 1.0)
    y = (1 - mix) * audio + mix * wet
    return (y * (np.sqrt(np.mean(audio ** 2)) / (np.sqrt(np.mean(y ** 2)) + 1e-9))).astype(np.float32)


def noise(audio, rng):
    n = len(audio)
    beta = rng.choice([0.0, 1.0, 2.0])  # white, pink, brown
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    f[0] = f[1] if n > 1 else 1.0
    nz = np.fft.irfft(spec / f ** (beta / 2), n)
    if rng.random() < 0.1:
        nz += 3 * np.std(nz) * np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * np.arange(n) / SR)
    active = audio[np.abs(audio) > 0.02 * (np.abs(audio).max() + 1e-9)]
    p_speech = np.mean(active ** 2) if active.size else np.mean(audio ** 2)
    snr_db = rng.uniform(0, 35)
    nz *= np.sqrt(p_speech / (np.mean(nz ** 2) + 1e-12) / 10 ** (snr_db / 10))
    return (audio + nz).astype(np.float32), snr_db


def telephone(audio, rng):
    lo = soxr.resample(audio, SR, 8000)
    lo = signal.lfilter(*_biquad("hp", 300, 0.707), lo)
    y = soxr.resample(lo.astype(np.float32), 8000, SR)
    return _fit(y.astype(np.float32), len(audio))


def _fit(y, n):
    return y[:n] if len(y) >= n else np.pad(y, (0, n - len(y)))


def codec(audio, rng):
    fmt, sub = [("OGG", "VORBIS"), ("MP3", "MPEG_LAYER_III"), ("OGG", "OPUS")][int(rng.integers(3))]
    sr = 48000 if sub == "OPUS" else SR
    x = audio if sr == SR else soxr.resample(audio, SR, sr)
    peak = np.abs(x).max() + 1e-9
    buf = io.BytesIO()
    sf.write(buf, np.clip(x / peak * 0.9, -1, 1), sr, format=fmt, subtype=sub)
    buf.seek(0)
    y, _ = sf.read(buf, dtype="float32")
    if sr != SR:
        y = soxr.resample(y, sr, SR)
    y = _fit(y.astype(np.float32) * peak / 0.9, len(audio))
    # remove codec delay: best lag within +-2000 samples
    m = min(len(audio), 4 * SR)
    xc = signal.fftconvolve(y[:m], audio[:m][::-1])
    mid = m - 1
    lag = int(np.argmax(xc[mid - 2000: mid + 2001])) - 2000
    if lag > 0:
        y = np.concatenate([y[lag:], np.zeros(lag, np.float32)])
    elif lag < 0:
        y = np.concatenate([np.zeros(-lag, np.float32), y[:lag]])
    return y, f"{fmt.lower()}-{sub.lower()}"


def _realign(orig: np.ndarray, y: np.ndarray, time_scale: float) -> np.ndarray:
    """Undo the few-ms offset of sox WSOLA: cross-correlate 1 ms envelopes (time-rescaled)."""
    hop = SR // 1000
    e0 = np.abs(orig[: len(orig) // hop * hop]).reshape(-1, hop).mean(1)
    e1 = np.abs(y[: len(y) // hop * hop]).reshape(-1, hop).mean(1)
    e1 = np.interp(np.arange(len(e0)) * time_scale, np.arange(len(e1)), e1)
    xc = signal.fftconvolve(e1 - e1.mean(), (e0 - e0.mean())[::-1])
    mid = len(e0) - 1
    lag_ms = int(np.argmax(xc[mid - 30: mid + 31])) - 30  # within +-30 ms
    lag = int(round(lag_ms * hop * time_scale))
    if lag > 0:
        return np.concatenate([y[lag:], np.zeros(lag, np.float32)])
    if lag < 0:
        return np.concatenate([np.zeros(-lag, np.float32), y[:lag]])
    return y


def tempo_pitch(audio: np.ndarray, tempo: float = 1.0, cents: int = 0):
    """sox WSOLA tempo change (``tempo`` > 1 = faster) and pitch shift (cents), offset removed.

    Returns:
        ``(audio, time_scale)``: phone times must be multiplied by ``time_scale = 1 / tempo``.
    """
    effects = (["tempo", "-s", f"{tempo:.4f}"] if tempo != 1.0 else []) + (["pitch", str(int(cents))] if cents else [])
    if not effects:
        return audio.astype(np.float32), 1.0
    time_scale = 1.0 / tempo
    y = _fit(_sox(audio, effects), int(round(len(audio) * time_scale)))
    return _realign(audio, y, time_scale), time_scale


def augment(audio: np.ndarray, rng: np.random.Generator):
    """Randomly augment 16 kHz speech.

    Args:
        audio: ``(N,)`` float32 16 kHz mono.
        rng: numpy Generator (seeded by the caller).

    Returns:
        ``(audio (M,) float32, time_scale, ops)``: multiply phone times by ``time_scale`` (tempo
        change); ``ops`` describes what was done (stored in the dataset).
    """
    ops = []
    x = audio.astype(np.float32)
    time_scale = 1.0
    tempo, cents = 1.0, 0
    if rng.random() < 0.4:
        tempo = float(rng.uniform(0.8, 1.25))
        ops.append(f"tempo{tempo:.2f}")
    if rng.random() < 0.4:
        cents = int(rng.integers(-400, 401))
        ops.append(f"pitch{cents:+d}c")
    if tempo != 1.0 or cents:
        x, time_scale = tempo_pitch(x, tempo, cents)
    if rng.random() < 0.5:
        x = eq(x, rng)
        ops.append("eq")
    if rng.random() < 0.35:
        x = reverb(x, rng)
        ops.append("reverb")
    if rng.random() < 0.6:
        x, snr = noise(x, rng)
        ops.append(f"noise{snr:.0f}dB")
    if rng.random() < 0.12:
        x = telephone(x, rng)
        ops.append("tel8k")
    if rng.random() < 0.15:
        x, name = codec(x, rng)
        ops.append(name)
    peak = np.abs(x).max() + 1e-9
    x = x / peak * float(rng.uniform(0.05, 1.0))
    ops.append("gain")
    return np.clip(x, -1, 1).astype(np.float32), time_scale, ops
