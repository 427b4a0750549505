"""Body backend ``emage``: registration, options, keyframe prompts, caching, full-size shapes."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from inference import backends
from inference.audio import prepare_audio
from inference.backends import BodyConstraints
from inference.emage.backend import EmageBody, EmageBodyTrack, constraints_to_prompt
from inference.emage.convert import CACHE_SUBDIR, find_converted, source_digest
from inference.emage.runner import EmageModel
from inference.errors import InputError
from inference.options import GenerateOptions

from test_emage_checkpoint import FIX, fixture


@pytest.fixture(autouse=True)
def _user_cache(tmp_path, monkeypatch):
    # The fixture folder is read-only: conversions fall back to the user cache, kept in tmp here.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)


def _audio(seconds: float, seed: int = 0):
    z = np.load(fixture("cases", "speech_20s.npz"))
    return prepare_audio(z["input_audio"][: int(seconds * 16000)], 16000)


def test_registered_and_needs_a_checkpoint():
    assert "emage" in backends.body_backend_names()
    with pytest.raises(InputError, match="no checkpoint folder"):
        backends.get_body_backend("emage").run(prepare_audio(np.zeros(16000, np.float32), 16000), GenerateOptions())


def test_backend_output_shapes_and_read_only_cache_fallback(tmp_path):
    root = fixture("weights_small_bin")
    opts = GenerateOptions(body_model="emage", backend_options={"emage": {"checkpoint": str(root)}}, device="cpu")
    for seconds in (0.1, 2.2, 3.0):  # below EMAGE's 0.3 s minimum; a tail-dropping length; plain
        track = EmageBody().run(_audio(seconds), opts)
        n = int(np.ceil(seconds * 30 - 1e-9))
        assert isinstance(track, EmageBodyTrack) and track.fps == 30.0
        assert track.poses.shape == (n, 55, 3) and track.transl.shape == (n, 3)
        assert track.expression.shape == (n, 100) and track.jaw_pose.shape == (n, 3)
        assert track.foot_contact.shape == (n, 4)
        assert np.all(np.isfinite(track.poses)) and np.abs(track.poses).max() > 0.05
    assert not (root / CACHE_SUBDIR).exists()
    assert find_converted(str(root), source_digest(root)) is not None
    assert str(tmp_path / "cache") in find_converted(str(root), source_digest(root))["main.onnx"]


def test_generate_end_to_end():
    from inference.generate import generate

    root = fixture("weights_small")
    perf = generate(_audio(2.0), GenerateOptions(fps=24.0, face=False, body_model="emage",
                                                 backend_options={"emage": {"checkpoint": str(root)}}, device="cpu"))
    assert perf.smplx_poses.shape == (48, 55, 3) and perf.provenance.body_model.startswith("emage-audio-")
    assert perf.transl_origin == "first_frame"  # EMAGE's height is BEAT2 capture space, not rest-relative


def test_constraints_become_the_reference_prompt_layout():
    z = np.load(fixture("cases", "prompt30_6s.npz"))
    aa, tr = z["input_prompt_axis_angle"], z["input_prompt_trans"]
    c = BodyConstraints(fps=30.0, poses=aa, mask=np.ones(aa.shape[:2], bool), transl=tr,
                        transl_mask=np.ones(len(tr), bool))
    mm, mask = constraints_to_prompt(c, 40)
    np.testing.assert_allclose(mm[:30, :333], z["input_masked_motion"][:, :333], atol=2e-6)
    np.testing.assert_array_equal(mask[:30, :333], z["input_mask"][:, :333])
    assert np.all(mask[:30, 333:] == 1) and np.all(mask[30:] == 1)  # foot contact unknown: generated


def test_prompt_changes_generation_and_keys_are_kept(tmp_path):
    root = fixture("weights_small")
    z = np.load(fixture("cases", "prompt30_6s.npz"))
    audio = prepare_audio(z["input_audio"], 16000)
    n = 180
    poses = np.zeros((n, 55, 3), np.float32)
    poses[:30] = z["input_prompt_axis_angle"]
    mask = np.zeros((n, 55), bool)
    mask[:30] = True
    c = BodyConstraints(fps=30.0, poses=poses, mask=mask)
    opts = GenerateOptions(body_model="emage", backend_options={"emage": {"checkpoint": str(root)}}, device="cpu")
    free = EmageBody().run(audio, opts)
    keyed = EmageBody().run(audio, opts, constraints=c)
    np.testing.assert_array_equal(keyed.poses[:30], poses[:30])  # keys exact
    assert np.abs(keyed.poses[60:] - free.poses[60:]).max() > 1e-3  # the prompt conditions later windows


def test_prompt_case_through_runner_with_our_prompt_builder():
    """The fixture's masked prompt run through the runner equals the reference (prompt30_6s)."""
    z = dict(np.load(fixture("cases", "prompt30_6s.npz")))
    model = EmageModel(fixture("weights_small"), device="cpu")
    r = model.infer(z["input_audio"], z["input_masked_motion"], z["input_mask"], keep_intermediates=True)
    for p in ("upper", "hands", "lower"):
        np.testing.assert_array_equal(r.extras[f"index_{p}"], z[f"index_{p}"])


def test_full_size_checkpoint_loads_and_runs(tmp_path):
    """A folder with the published shapes (random values): validate, convert, run 2 s."""
    from tools.fixtures.emage_synthetic import write_checkpoint
    from inference.emage.weights import load_safetensors

    root = write_checkpoint(tmp_path / "emage_audio")
    if (FIX / "keys_full.json").exists():  # the synthetic folder has the published key/shape list
        full = json.loads((FIX / "keys_full.json").read_text())
        for comp in ["root"] + [f"emage_vq/{p}" for p in ("face", "upper", "hands", "lower", "global")]:
            folder = root if comp == "root" else os.path.join(root, comp)
            found = load_safetensors(os.path.join(folder, "model.safetensors"))
            assert {k: v.shape for k, v in found.items()} == {e["key"]: tuple(e["shape"]) for e in full[comp]["keys"]}
            del found
    model = EmageModel(root, device="cpu", threads=2)  # validates, converts, opens sessions
    assert os.path.isdir(os.path.join(root, CACHE_SUBDIR))  # writable folder: cache next to it
    audio = (np.random.default_rng(0).standard_normal(32000) * 0.1).astype(np.float32)
    res = model.infer(audio)
    assert res.motion_axis_angle.shape == (60, 165) and res.expression.shape == (60, 100)
    assert res.trans.shape == (60, 3) and np.all(np.isfinite(res.motion_axis_angle))


def test_conversion_cache_reused_and_invalidated_by_a_changed_weight(tmp_path):
    import shutil

    from inference.emage.convert import convert
    from inference.emage.weights import load_safetensors, save_safetensors

    root = tmp_path / "ck"
    shutil.copytree(fixture("weights_small"), root)
    for d, _, files in os.walk(root):  # the fixture is read-only; this copy is the user's own folder
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    first = convert(root)
    assert os.path.dirname(first["main.onnx"]) == str(root / CACHE_SUBDIR)
    mtime = os.stat(first["main.onnx"]).st_mtime_ns
    assert convert(root) == first and os.stat(first["main.onnx"]).st_mtime_ns == mtime  # cached
    w = load_safetensors(root / "model.safetensors")
    w["face_out_proj.bias"] = w["face_out_proj.bias"] + 1.0
    save_safetensors(root / "model.safetensors", w)
    second = convert(root)
    assert second["main.onnx"] != first["main.onnx"]  # new digest, new conversion


def test_generate_carries_emage_flame_face():
    from inference.generate import generate

    perf = generate(_audio(1.0), GenerateOptions(face=False, body_model="emage",
                                                 backend_options={"emage": {"checkpoint": str(fixture("weights_small"))}}, device="cpu"))
    assert perf.expression.shape == (30, 100) and perf.jaw_pose.shape == (30, 3)
    np.testing.assert_array_equal(perf.jaw_pose, perf.smplx_poses[:, 22])


def test_missing_config_is_a_checkpoint_error(tmp_path):
    from inference.emage.backend import get_model
    from inference.emage.weights import CheckpointError, save_safetensors

    (tmp_path / "ck").mkdir()
    save_safetensors(tmp_path / "ck" / "model.safetensors", {"a": np.zeros(2, np.float32)})
    with pytest.raises(CheckpointError):
        get_model(str(tmp_path / "ck"), "cpu")
