"""Train the lip-sync network on the face dataset (CPU, wall-time budgeted, checkpointed).

Usage (from the repository root)::

    .venv/bin/python -m training.train_face --data /work/cache/face_dataset \\
        --out /work/cache/face_runs/v1 --minutes 35 --threads 1

Data: ``<data>/{train,val}/*.npz`` as described in the project's face dataset interface
(``audio`` (N,) float32 16 kHz, ``targets`` (T, 52) float32 at 100 fps, ``T = ceil(N / 160)``).
Features are :func:`inference.features.log_mel` of ``audio`` (the same function the runtime
calls), precomputed once. Each step trains on random 3 s crops with feature-domain augmentation
(gain offset, spectral tilt) on top of the dataset's own audio augmentation.

Checkpoints: ``<out>/last.pt`` every ``--ckpt-minutes`` and at the end, ``<out>/best.pt`` whenever
the validation loss improves, ``<out>/log.jsonl`` one line per validation. A run cut short still
leaves a usable ``best.pt``. The learning rate follows a cosine over the wall-time budget.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import time

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from inference.features import log_mel  # noqa: E402
from rigs.arkit import ARKIT_INDEX, SPEECH_CHANNELS  # noqa: E402

#: Columns of the (T, 52) targets the network predicts.
SPEECH_COLUMNS: np.ndarray = np.array([ARKIT_INDEX[n] for n in SPEECH_CHANNELS], dtype=np.int64)


def clip_features(audio: np.ndarray) -> np.ndarray:
    """Training-side features of one utterance: ``(T, 80)`` float32 log-mel, ``T = ceil(N/160)``.

    This is :func:`inference.features.log_mel` itself (tests/test_features.py checks that the
    runtime's chunked features equal it).
    """
    return log_mel(np.asarray(audio, dtype=np.float32))


def load_split(data_dir: str, split: str, limit: int = 0, seal_output: bool = False):
    """Load ``<data_dir>/<split>/*.npz`` -> list of ``(features (T,80), targets (T,31), name)``.

    Raises:
        FileNotFoundError: no .npz files in the split.
        ValueError: a file whose targets do not have ``ceil(N/160)`` rows of 52 channels.
    """
    files = sorted(glob.glob(os.path.join(data_dir, split, "*.npz")))
    if limit:
        files = files[:limit]
    if not files:
        raise FileNotFoundError(f"{data_dir}/{split}: expected .npz utterances, found none")
    out = []
    for f in files:
        try:
            with np.load(f, allow_pickle=False) as z:
                audio = z["audio"].astype(np.float32)
                targets = z["targets"].astype(np.float32)
        except (OSError, ValueError, KeyError, EOFError) as exc:  # e.g. a file still being written
            print(f"skipping {f}: {exc}", flush=True)
            continue
        feats = clip_features(audio)
        if targets.ndim != 2 or targets.shape[1] != 52:
            raise ValueError(f"{f}: targets: expected (T, 52), found {targets.shape}")
        t = min(len(feats), len(targets))
        if abs(len(feats) - len(targets)) > 1:
            raise ValueError(f"{f}: expected {len(feats)} target frames (ceil(N/160)), found {len(targets)}")
        y = targets[:t, SPEECH_COLUMNS]
        if seal_output:
            from training.face_model import seal_targets

            y = seal_targets(y)
        out.append((feats[:t], y, os.path.basename(f)))
    return out


def _batch(clips, rng, batch: int, crop: int, augment: bool):
    x = np.zeros((batch, crop, clips[0][0].shape[1]), np.float32)
    y = np.zeros((batch, crop, len(SPEECH_COLUMNS)), np.float32)
    m = np.zeros((batch, crop), np.float32)
    lengths = np.array([len(c[0]) for c in clips], np.float64)
    pick = rng.choice(len(clips), size=batch, p=lengths / lengths.sum())
    for b, i in enumerate(pick):
        f, t, _ = clips[i]
        s = int(rng.integers(0, max(1, len(f) - crop + 1)))
        n = min(crop, len(f) - s)
        x[b, :n], y[b, :n], m[b, :n] = f[s:s + n], t[s:s + n], 1.0
        x[b, n:] = np.log(1e-10)  # padding = digital silence
        if augment:
            gain = rng.uniform(-10.0, 10.0) * math.log(10.0) / 10.0   # +-10 dB
            tilt = rng.uniform(-0.6, 0.6) * np.linspace(-1.0, 1.0, x.shape[2])
            x[b, :n] = np.maximum(x[b, :n] + gain + tilt, np.log(1e-10))
    return x, y, m


def evaluate(model, clips, torch, seal_output: bool = False) -> dict:
    """Validation loss and two quick metrics over whole utterances."""
    from training.face_model import face_loss, lip_gap

    model.eval()
    tot, n, r_num, closed_hit, closed_n = 0.0, 0, [], 0, 0
    j = SPEECH_CHANNELS.index("jawOpen")
    with torch.no_grad():
        for f, t, _ in clips:
            x = torch.from_numpy(f)[None]
            y = torch.from_numpy(t)[None]
            p = model(x)
            loss, _ = face_loss(p, y, torch.ones(y.shape[:2]), seal_output=seal_output)
            tot += float(loss) * len(f)
            n += len(f)
            pj, tj = p[0, :, j].numpy(), t[:, j]
            if tj.std() > 1e-6 and pj.std() > 1e-6:
                r_num.append(np.corrcoef(pj, tj)[0, 1])
            sealed_t = (t[:, SPEECH_CHANNELS.index("mouthPressLeft")] > 0.15)
            closed_n += int(sealed_t.sum())
            closed_hit += int((lip_gap(p[0], seal_output).numpy()[sealed_t] < 0.005).sum())
    model.train()
    return {"val_loss": tot / max(n, 1), "jaw_r": float(np.mean(r_num)) if r_num else 0.0,
            "closure_frame_rate": closed_hit / max(closed_n, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="/work/cache/face_dataset")
    ap.add_argument("--out", default="/work/cache/face_runs/v1")
    ap.add_argument("--minutes", type=float, default=35.0, help="wall-time budget of the training loop")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads; 1 is several times faster than 2 on a shared 2-core machine")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=300, help="frames per training crop (100 fps)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--eval-minutes", type=float, default=4.0)
    ap.add_argument("--ckpt-minutes", type=float, default=3.0)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N files per split")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--val-clips", type=int, default=30, help="validation clips used during training")
    ap.add_argument("--resume", default="", help="checkpoint to continue from (keeps its step count)")
    ap.add_argument("--init", default="",
                    help="warm start: weights (incl. input normalisation) from this checkpoint, step count "
                         "and schedule start fresh")
    ap.add_argument("--closure-hinge", type=float, default=0.0, help="face_loss closure_hinge weight")
    ap.add_argument("--jaw-peak", type=float, default=0.0, help="face_loss jaw_peak_weight")
    ap.add_argument("--jaw-corr", type=float, default=0.0, help="face_loss jaw_corr_weight")
    ap.add_argument("--seal-output", action="store_true",
                    help="v3 recipe: train mouthClose as the lip-seal fraction (mouthClose / jawOpen)")
    args = ap.parse_args(argv)

    import torch

    from training.face_model import FaceModelDims, LipSyncNet, count_parameters, dims_to_dict, face_loss

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t_load = time.time()
    train = load_split(args.data, "train", args.limit, args.seal_output)
    val = load_split(args.data, "val", args.limit, args.seal_output)
    if args.val_clips and len(val) > args.val_clips:  # evenly spread subset keeps evaluation cheap
        val = [val[i] for i in np.linspace(0, len(val) - 1, args.val_clips).round().astype(int)]
    feats = np.concatenate([f for f, _, _ in train])
    hours = len(feats) / 100.0 / 3600.0
    print(f"train {len(train)} clips {hours:.2f} h, val {len(val)} clips; loaded in {time.time() - t_load:.0f} s",
          flush=True)

    dims = FaceModelDims()
    model = LipSyncNet(dims)
    start_step = 0
    if args.resume or args.init:
        ck = torch.load(args.resume or args.init, map_location="cpu")
        if ck.get("dims") and ck["dims"] != dims_to_dict(dims):
            raise ValueError(f"{args.resume or args.init}: expected dims {dims_to_dict(dims)}, found {ck['dims']}")
        model.load_state_dict(ck["model"])
        start_step = ck.get("step", 0) if args.resume else 0
    else:
        speechy = feats[feats.mean(axis=1) > np.percentile(feats.mean(axis=1), 20)]
        model.mel_mean.copy_(torch.from_numpy(speechy.mean(axis=0)))
        model.mel_std.copy_(torch.from_numpy(speechy.std(axis=0) + 1e-3))
    del feats
    print(f"parameters {count_parameters(model)} ({count_parameters(model) * 4 / 1e6:.2f} MB fp32)", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    budget_s = args.minutes * 60.0
    t0 = time.time()
    last_eval = last_ckpt = t0
    best = math.inf
    step = start_step
    log = open(os.path.join(args.out, "log.jsonl"), "a")

    def save(name, metrics):
        torch.save({"model": model.state_dict(), "dims": dims_to_dict(dims), "step": step,
                    "metrics": metrics, "train_s": time.time() - t0, "args": vars(args)},
                   os.path.join(args.out, name))

    metrics: dict = {}
    run_loss = []
    while True:
        elapsed = time.time() - t0
        if elapsed >= budget_s:
            break
        frac = elapsed / budget_s
        warm = min(1.0, (step - start_step + 1) / 200.0)
        for g in opt.param_groups:
            g["lr"] = args.lr * warm * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * frac)))
        x, y, m = _batch(train, rng, args.batch, args.crop, augment=True)
        pred = model(torch.from_numpy(x))
        loss, parts = face_loss(pred, torch.from_numpy(y), torch.from_numpy(m),
                                closure_hinge=args.closure_hinge, jaw_peak_weight=args.jaw_peak,
                                jaw_corr_weight=args.jaw_corr, seal_output=args.seal_output)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        run_loss.append(loss.item())
        now = time.time()
        if now - last_eval >= args.eval_minutes * 60.0:
            metrics = evaluate(model, val, torch, args.seal_output)
            metrics.update(step=step, minutes=(now - t0) / 60.0, train_loss=float(np.mean(run_loss)))
            run_loss = []
            log.write(json.dumps(metrics) + "\n")
            log.flush()
            print(json.dumps(metrics), flush=True)
            if metrics["val_loss"] < best:
                best = metrics["val_loss"]
                save("best.pt", metrics)
            last_eval = time.time()
        if now - last_ckpt >= args.ckpt_minutes * 60.0:
            save("last.pt", metrics)
            last_ckpt = time.time()
    metrics = evaluate(model, val, torch, args.seal_output)
    metrics.update(step=step, minutes=(time.time() - t0) / 60.0,
                   train_loss=float(np.mean(run_loss)) if run_loss else None, final=True)
    log.write(json.dumps(metrics) + "\n")
    log.close()
    print(json.dumps(metrics), flush=True)
    save("last.pt", metrics)
    if metrics["val_loss"] < best:
        save("best.pt", metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
