"""EMAGE checkpoint loading: both weight formats, safe unpickling, manifest validation by name."""

from __future__ import annotations

import io
import json
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from inference.emage.checkpoint import (
    VQ_PARTS, MainConfig, VQConfig, expected_main_tensors, expected_vq_tensors, load_checkpoint,
)
from inference.emage.weights import CheckpointError, load_safetensors, load_torch_zip, save_safetensors

FIX = Path(os.environ.get("SPEECHANIM_SHARED_FIXTURES",
                          Path(__file__).resolve().parents[1].parent / "shared" / "fixtures")) / "emage_audio"


def fixture(*parts) -> Path:
    p = FIX.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"EMAGE fixtures not available: {p}")
    return p


@pytest.mark.parametrize("manifest", ["keys_small.json", "keys_full.json"])
def test_expected_manifest_matches_fixture_manifest(manifest):
    d = json.loads(fixture(manifest).read_text())
    cfg = d["root"]["config_json"]
    exp = expected_main_tensors(MainConfig(**{k: cfg[k] for k in MainConfig.__annotations__}))
    assert exp == {e["key"]: tuple(e["shape"]) for e in d["root"]["keys"]}
    for part in VQ_PARTS:
        c = d[f"emage_vq/{part}"]["config_json"]
        exp = expected_vq_tensors(part, VQConfig(**{k: c[k] for k in VQConfig.__annotations__}))
        assert exp == {e["key"]: tuple(e["shape"]) for e in d[f"emage_vq/{part}"]["keys"]}


def test_both_formats_load_identically_and_match_torch():
    st = load_safetensors(fixture("weights_small", "model.safetensors"))
    pt = load_torch_zip(fixture("weights_small_bin", "pytorch_model.bin"))
    assert st.keys() == pt.keys() and len(st) == 608
    for k in st:
        assert st[k].shape == pt[k].shape and st[k].dtype == pt[k].dtype
        np.testing.assert_array_equal(st[k], pt[k])
    assert st["audio_encoder_face.feat_extractor.0.bn1.num_batches_tracked"].shape == ()
    torch = pytest.importorskip("torch")
    ref = torch.load(fixture("weights_small_bin", "pytorch_model.bin"), weights_only=True)
    for k, v in ref.items():
        np.testing.assert_array_equal(v.numpy(), pt[k])


@pytest.mark.parametrize("folder", ["weights_small", "weights_small_bin"])
def test_load_checkpoint_drops_unused_layers(folder):
    ck = load_checkpoint(fixture(folder))
    assert ck.config.vae_codebook_size == 64 and ck.config.hidden_size == 64
    assert not any(k.startswith(("transformer_en_layer.", "audio_motion_cross_attn_layer.")) for k in ck.main)
    assert set(ck.vq) == set(VQ_PARTS) and "quantizer.embedding.weight" not in ck.vq["global"]


def _copy_small(tmp_path) -> Path:
    dst = tmp_path / "ckpt"
    shutil.copytree(fixture("weights_small"), dst)
    for d, _, files in os.walk(dst):  # the fixture is read-only; the copy must be editable
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o644)
    return dst


def test_reports_missing_unexpected_and_wrong_shape_by_name(tmp_path):
    root = _copy_small(tmp_path)
    w = load_safetensors(root / "model.safetensors")
    del w["face_out_proj.bias"]
    w["extra_head.weight"] = np.zeros(3, np.float32)
    w["moton_proj.weight"] = np.zeros((5, 5), np.float32)
    for k in [k for k in w if k.startswith("transformer_en_layer.")]:
        del w[k]  # an unused template layer may be absent: not an error
    save_safetensors(root / "model.safetensors", w)
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(root)
    msg = str(e.value)
    assert "1 missing: face_out_proj.bias" in msg
    assert "1 unexpected: extra_head.weight" in msg
    assert "moton_proj.weight expected (64, 64) found (5, 5)" in msg
    assert "transformer_en_layer" not in msg


def test_vq_coupling_and_missing_files(tmp_path):
    root = _copy_small(tmp_path)
    cfg = json.loads((root / "emage_vq" / "hands" / "config.json").read_text())
    cfg["vae_length"] = 32
    (root / "emage_vq" / "hands" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="emage_vq/hands vae_length"):
        load_checkpoint(root)
    (root / "emage_vq" / "lower" / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="model.safetensors, pytorch_model.bin"):
        load_checkpoint(root)
    with pytest.raises(CheckpointError, match="expected a folder"):
        load_checkpoint(tmp_path / "nope")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_torch_zip_refuses_code(tmp_path):
    p = tmp_path / "pytorch_model.bin"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"x": _Evil()}, protocol=2))
    with pytest.raises(CheckpointError, match="refuses to load"):
        load_torch_zip(p)
    legacy = tmp_path / "legacy.bin"
    legacy.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(CheckpointError, match="zip archive"):
        load_torch_zip(legacy)


def test_safetensors_roundtrip_and_truncation(tmp_path):
    p = tmp_path / "w.safetensors"
    t = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "n": np.array(7, np.int64)}
    save_safetensors(p, t)
    back = load_safetensors(p)
    np.testing.assert_array_equal(back["a"], t["a"])
    assert back["n"].shape == () and int(back["n"]) == 7
    p.write_bytes(p.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match="outside the file"):
        load_safetensors(p)
