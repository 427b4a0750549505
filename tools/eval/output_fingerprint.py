"""SHA-256 fingerprints of every array a generation front end produces, to prove refactors change no output.

    python -m tools.eval.output_fingerprint [--shared DIR] [--long] [--json]

Two front ends are fingerprinted on the same clips and options:

* ``cli``: ``python -m inference`` (:func:`inference.cli.main`) writing ``<name>.npz``; every array
  of the file is hashed except ``provenance`` (it holds wall-clock timings).
* ``worker``: the sidebar's Generate path outside Blender: what the worker process
  (``addon/worker/child.py``) runs for a job (``job.json`` options and ``constraints.npz`` round trips,
  :func:`inference.files.generate_file`), then the ``result.npz`` round trip the add-on bakes from
  (:meth:`Performance.to_arrays` / ``from_arrays``); ``arkit``, ``expression``, ``jaw_pose``,
  ``smplx_poses``, ``transl`` are hashed.

Clips: the bundled ``assets/demo_speech.flac``; three shared clips of ``speech/en`` (44.1 kHz stereo
FLAC, 22.05 kHz WAV, OGG); and a long clip (``--long``): the LJ Speech clips of ``speech/en``
concatenated in name order, repeated until :data:`LONG_CLIP_S` seconds, longer than
:data:`inference.longaudio.LONG_AUDIO_S` so ``python -m inference`` generates it window by window.

A fingerprint is ``sha256(dtype + shape + C-order bytes)`` hex, per array name.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEMO_CLIP = ROOT / "assets" / "demo_speech.flac"
#: Shared clips (under ``<shared>/speech/en``) with different rates, channel counts and containers.
SHARED_CLIPS: tuple[str, ...] = ("jfk_inaugural_1961.flac", "ljspeech_LJ001-0001.wav",
                                 "librispeech_3436-172162-0000.ogg")
#: The words of the bundled clip (assets/README.md), for the transcript-mode cases.
DEMO_TEXT: str = ("Hello! I am the Speech Animator demo. Every word you hear moves my jaw, my lips, and my tongue. "
                  "Big movements, small details, and a few pauses. Thank you for watching.")
#: Command-line variants of the bundled clip's ``cli`` cases.
CLI_VARIANTS: dict[str, tuple[str, ...]] = {
    "face-24fps": ("--what", "face", "--fps", "24"),
    "transcript": ("--transcript", DEMO_TEXT),  # phone-exact timing on the lip-sync network
    "transcript-fast": ("--what", "face", "--face-model", "fast", "--transcript", DEMO_TEXT),
    "wrong-transcript": ("--what", "face", "--transcript", "ask not what your country can do for you"),
}
#: Length of the concatenated long clip (seconds): above the 300 s windowing threshold.
LONG_CLIP_S: float = 320.0
#: Performance arrays hashed on the worker path.
PERFORMANCE_ARRAYS: tuple[str, ...] = ("arkit", "expression", "jaw_pose", "smplx_poses", "transl")
#: ``.npz`` keys not hashed: JSON with wall-clock timings and paths.
UNHASHED_KEYS: frozenset = frozenset({"provenance"})


def array_fingerprint(arr) -> str:
    """``sha256`` hex of an array's dtype, shape and C-order bytes (``None`` -> ``"none"``)."""
    if arr is None:
        return "none"
    a = np.ascontiguousarray(np.asarray(arr))
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes() if a.dtype.kind != "U" else "\0".join(a.ravel().tolist()).encode())
    return h.hexdigest()


def performance_fingerprints(perf) -> dict[str, str]:
    """Fingerprints of :data:`PERFORMANCE_ARRAYS` of a :class:`inference.performance.Performance`
    plus its frame count, fps and ``transl_origin`` (as text)."""
    out = {name: array_fingerprint(getattr(perf, name)) for name in PERFORMANCE_ARRAYS}
    out["meta"] = f"frames={perf.num_frames} fps={float(perf.fps):g} origin={perf.transl_origin}"
    return out


def npz_fingerprints(path) -> dict[str, str]:
    """Fingerprints of every array of an ``.npz`` except :data:`UNHASHED_KEYS`."""
    with np.load(path, allow_pickle=False) as z:
        return {k: array_fingerprint(z[k]) for k in sorted(z.files) if k not in UNHASHED_KEYS}


def cli_fingerprints(audio: Path, work: Path, extra_args: tuple[str, ...] = ()) -> dict[str, str]:
    """Run ``python -m inference AUDIO -o work/...`` in process and fingerprint the ``.npz`` it wrote.

    Raises:
        RuntimeError: the command did not exit with 0 (its output is in the message).
    """
    from inference import cli

    out = Path(tempfile.mkdtemp(dir=work))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        rc = cli.main([str(audio), "-o", str(out), *extra_args])
    if rc != 0:
        raise RuntimeError(f"python -m inference {audio}: exit code {rc}: {buf.getvalue()[-2000:]}")
    return npz_fingerprints(out / f"{audio.stem}.npz")


def worker_performance(audio: Path, options, constraints=None):
    """The Performance the sidebar's Generate bakes: the worker job, then the ``result.npz`` round trip."""
    from tools.bake import extension_module, load_extension

    load_extension(register=False)
    protocol = extension_module("addon.worker.protocol")
    child_options = protocol.GenerateOptions.from_mapping(options.to_mapping())
    with tempfile.TemporaryDirectory() as d:
        if constraints is not None:
            constraints = protocol.BodyConstraints(constraints.fps, constraints.poses, constraints.mask,
                                                   constraints.transl, constraints.transl_mask)
        protocol.write_job(d, str(audio), child_options, constraints)  # job.json, constraints.npz
        audio_path, child_options, constraints = protocol.read_job(d)
        perf = extension_module("inference").generate_file(audio_path, child_options, constraints)
        protocol.save_result(str(Path(d) / "result.npz"), perf)
        perf = protocol.load_result(str(Path(d) / "result.npz"))
    return perf


def make_long_clip(speech_dir: Path, path: Path, length_s: float = LONG_CLIP_S) -> Path:
    """Write the LJ Speech clips of ``speech_dir`` concatenated (name order, repeated) to ``length_s``
    seconds as 16-bit WAV at their rate (22.05 kHz) to ``path``; return ``path``.

    Raises:
        FileNotFoundError: no ``ljspeech_*.wav`` in ``speech_dir``.
    """
    import soundfile as sf

    files = sorted(speech_dir.glob("ljspeech_*.wav"))
    if not files:
        raise FileNotFoundError(f"{speech_dir}: expected ljspeech_*.wav clips, found none")
    parts, rate, total = [], None, 0
    while rate is None or total < length_s * rate:
        for f in files:
            x, r = sf.read(f, dtype="int16")
            rate = rate or r
            parts.append(x)
            total += x.shape[0]
            if total >= length_s * rate:
                break
    sf.write(path, np.concatenate(parts)[: int(length_s * rate)], rate, subtype="PCM_16")
    return path


def case_names(shared: Path | None, long: bool) -> list[str]:
    """Names of the cases :func:`compute_case` runs: ``"<front end>:<clip>[:<variant>]"``.

    Shared clips only when ``shared/speech/en`` exists; the long clip only with ``long`` too.
    """
    clips = [DEMO_CLIP.name]
    has_shared = shared is not None and (shared / "speech" / "en").is_dir()
    if has_shared:
        clips += list(SHARED_CLIPS)
    names = [f"{end}:{c}" for c in clips for end in ("cli", "worker")]
    names += [f"cli:{DEMO_CLIP.name}:{v}" for v in CLI_VARIANTS] + [f"worker:{DEMO_CLIP.name}:prompt"]
    if long and has_shared:
        names += ["cli:long_speech.wav", "worker:long_speech.wav"]
    return names


def compute_case(name: str, shared: Path | None, work: Path) -> dict[str, str]:
    """Fingerprints of one case of :func:`case_names` (``work``: a scratch folder).

    Raises:
        ValueError: an unknown case name.
    """
    from inference.options import GenerateOptions

    end, clip_name, variant = (name.split(":") + [""])[:3]
    speech = shared / "speech" / "en" if shared is not None else None
    if clip_name == DEMO_CLIP.name:
        clip = DEMO_CLIP
    elif clip_name == "long_speech.wav":
        clip = work / clip_name
        if not clip.exists():
            make_long_clip(speech, clip)
    else:
        clip = speech / clip_name
    if (end, variant) == ("cli", ""):
        return cli_fingerprints(clip, work)
    if end == "cli" and variant in CLI_VARIANTS:
        return cli_fingerprints(clip, work, CLI_VARIANTS[variant])
    if (end, variant) == ("worker", ""):
        return performance_fingerprints(worker_performance(clip, GenerateOptions(fps=30.0)))
    if (end, variant) == ("worker", "prompt"):
        return performance_fingerprints(worker_performance(clip, GenerateOptions(fps=24.0, seed=3),
                                                           demo_constraints(24.0)))
    raise ValueError(f"fingerprint case {name!r}: expected one of {case_names(shared, True)}")


def demo_constraints(fps: float):
    """A body prompt like the sidebar sends: the clip's header length + 1 s, a raised right arm keyed
    over frames 40..79 (right shoulder and elbow joints masked), translation unconstrained."""
    import soundfile as sf

    from inference.backends import BodyConstraints
    from inference.timebase import num_frames

    frames = num_frames(float(sf.info(DEMO_CLIP).duration) + 1.0, fps)
    poses = np.zeros((frames, 55, 3), np.float32)
    mask = np.zeros((frames, 55), bool)
    poses[40:80, 17] = (0.0, 0.0, 1.2)  # right shoulder
    poses[40:80, 19] = (0.0, -0.6, 0.0)  # right elbow
    mask[40:80, [17, 19]] = True
    return BodyConstraints(fps, poses, mask)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.eval.output_fingerprint", description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("SPEECHANIM_SHARED_DATA",
                                                                       ROOT.parent / "shared" / "data")),
                    help="the shared data folder (default $SPEECHANIM_SHARED_DATA or ../shared/data); "
                         "its clips are skipped when absent")
    ap.add_argument("--long", action="store_true", help="also the concatenated long clip (minutes of CPU)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        shared = args.shared if args.shared.is_dir() else None
        result = {name: compute_case(name, shared, Path(d)) for name in case_names(shared, args.long)}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
