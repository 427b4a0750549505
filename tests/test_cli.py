"""Standalone inference CLI (``python -m inference``): batch, bad files, outputs in BEAT2 layout."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from inference import cli
from rigs.arkit import ARKIT_NAMES
from tests.conftest import REPO_ROOT, shared_path

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A 3 s speech clip (cut from the bundled demo), a corrupt file and a silent file."""
    d = tmp_path_factory.mktemp("clips")
    x, rate = sf.read(DEMO, dtype="float32")
    sf.write(d / "speech.wav", x[: 3 * rate], rate)
    (d / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + bytes(range(256)) * 8)
    sf.write(d / "silent.flac", np.zeros(rate, np.float32), rate)
    return d


MOUTH = [ARKIT_NAMES.index(n) for n in ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker")]


def _mouth(arkit: np.ndarray) -> np.ndarray:
    """Per-frame mouth activity: the largest of the main speech channels (any face model)."""
    return arkit[:, MOUTH].max(axis=1)


def _report(out: Path, stem: str) -> dict:
    return json.loads((out / f"{stem}.json").read_text())


def test_batch_with_corrupt_and_silent_file(clips, tmp_path, capsys):
    out = tmp_path / "out"
    rc = cli.main([str(clips / "speech.wav"), str(clips / "corrupt.wav"), str(clips / "silent.flac"),
                   "-o", str(out), "--fps", "25"])
    assert rc == 1  # the corrupt file failed
    bad = _report(out, "corrupt")
    assert bad["ok"] is False and "corrupt.wav" in bad["error"] and "decode" in bad["error"]
    assert not (out / "corrupt.npz").exists()
    good = _report(out, "speech")
    assert good["ok"] and good["fps"] == 25.0 and good["frames"] == math.ceil(3.0 * 25)
    with np.load(out / "speech.npz") as d:
        t = good["frames"]
        assert d["poses"].shape == (t, 165) and d["trans"].shape == (t, 3)
        assert d["expressions"].shape == (t, 100) and d["betas"].shape == (300,)
        assert float(d["mocap_frame_rate"]) == 25.0
        assert d["arkit"].shape == (t, 52) and tuple(d["arkit_names"]) == ARKIT_NAMES
        mouth = _mouth(d["arkit"])
        assert mouth.max() > 0.2 and mouth[: int(0.4 * 25)].max() < 0.05  # speech moves it, lead-in silence rests
        assert d["arkit"][:, ARKIT_NAMES.index("jawOpen")].std() > 0.02
        assert np.abs(d["poses"]).max() > 0.01  # the body moves
    from inference.formats.beat2 import read_beat2_npz

    back = read_beat2_npz(out / "speech.npz")  # the project's own reader accepts what the CLI wrote
    assert back.num_frames == good["frames"] and back.fps == 25.0
    assert back.smplx_poses.shape == (good["frames"], 55, 3)
    silent = _report(out, "silent")
    assert silent["ok"] and any("no speech" in w for w in silent["warnings"])
    with np.load(out / "silent.npz") as d:
        speech_cols = [ARKIT_NAMES.index(n) for n in ("jawOpen", "mouthClose", "mouthFunnel")]
        assert d["arkit"][:, speech_cols].max() < 0.05
    err = capsys.readouterr()
    assert "corrupt.wav: FAILED" in err.err and "2 of 3 written" in err.out


def test_existing_output_is_kept_without_overwrite(clips, tmp_path):
    out = tmp_path / "out"
    args = [str(clips / "speech.wav"), "-o", str(out), "--what", "face"]
    assert cli.main(args) == 0
    before = (out / "speech.npz").read_bytes()
    assert cli.main(args + ["--seed", "3"]) == 2  # refuses up front, before any work
    assert (out / "speech.npz").read_bytes() == before
    assert _report(out, "speech")["ok"] is True  # the earlier report stays
    assert cli.main(args + ["--seed", "3", "--overwrite"]) == 0
    assert _report(out, "speech")["seed"] == 3


def test_folders_and_duplicate_stems(clips, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for d, name in ((a, "take.wav"), (b, "take.wav"), (c, "take-2.wav"), (a, "take.flac")):
        d.mkdir(exist_ok=True)
        (d / name).write_bytes((clips / "speech.wav").read_bytes())
    (a / "notes.txt").write_text("not audio")
    out = tmp_path / "out"
    # a folder plus a file inside it, the same file twice: each file once
    assert cli.main([str(a), str(b), str(c), str(a / "take.wav"), str(b / "take.wav"), "-o", str(out),
                     "--what", "face"]) == 0
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.npz"))
    assert written == ["a/take.flac.npz", "a/take.wav.npz", "b/take.npz", "c/take-2.npz"]
    assert len(list(out.rglob("*.json"))) == 4


def test_face_only_leaves_body_at_rest(clips, tmp_path):
    out = tmp_path / "out"
    assert cli.main([str(clips / "speech.wav"), "-o", str(out), "--what", "face"]) == 0
    rep = _report(out, "speech")
    assert rep["body_model"] == ""
    with np.load(out / "speech.npz") as d:
        assert np.abs(d["poses"]).max() == 0.0 and _mouth(d["arkit"]).max() > 0.2


@pytest.mark.parametrize("bad", [["--face-model", "nope"], ["--fps", "0"], ["--intensity", "5"]])
def test_bad_arguments_exit_2(clips, tmp_path, bad, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([str(clips / "speech.wav"), "-o", str(tmp_path)] + bad)
    assert exc.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_no_inputs_found(tmp_path):
    assert cli.main([str(tmp_path / "missing.wav"), "-o", str(tmp_path / "out")]) == 1
    rep = _report(tmp_path / "out", "missing")  # a missing input gets its report too
    assert rep["ok"] is False and rep["error_code"] == "input_missing" and "no such file" in rep["error"]


def test_module_entry_point(clips, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "inference", str(clips / "speech.wav"), "-o", str(tmp_path),
                           "--what", "face"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "speech.npz").exists() and "1 of 1 written" in proc.stdout


def test_real_speech(tmp_path):
    speech = shared_path("speech", "en")
    files = sorted(p for p in speech.rglob("*") if p.suffix.lower() in cli.AUDIO_SUFFIXES)[:2]
    assert cli.main([str(f) for f in files] + ["-o", str(tmp_path)]) == 0
    for f in files:
        with np.load(tmp_path / f"{f.stem}.npz") as d:
            assert _mouth(d["arkit"]).std() > 0.05 and d["arkit"][:, ARKIT_NAMES.index("jawOpen")].std() > 0.02
