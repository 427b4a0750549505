"""Exchange formats through Blender: bake on the demo character, export .npz / .csv / BVH / glTF,
read them back; import a BEAT2 .npz at another frame rate and an SMPL-X BVH without ``bvhio``.
The bpy side of each test is a scenario file in ``tests/blender/scenarios/``."""

import numpy as np
import pytest

from bpy_harness import run_scenario
from tests.conftest import SHARED_DATA


def test_export_npz_csv_bvh_gltf_read_back(tmp_path):
    pytest.importorskip("pygltflib")
    bvhio = pytest.importorskip("bvhio")
    out = tmp_path
    res, _ = run_scenario("export_read_back", out=str(out))
    assert res["npz"] == res["csv"] == res["bvh"] == ["FINISHED"]
    t = res["T"]
    poses, arkit, transl = (np.load(out / f"{n}.npy") for n in ("poses", "arkit", "transl"))
    # .npz: the inverse retarget recovers the SMPL-X motion from the baked bones
    from inference.formats.beat2 import read_beat2_npz
    from rigs.smplx_rest import smplx_global_rotations
    back = read_beat2_npz(out / "take.npz")
    assert back.num_frames == t
    np.testing.assert_allclose(back.arkit[:, 17], arkit[:, 17], atol=1e-5)
    g0, g1 = smplx_global_rotations(poses), smplx_global_rotations(back.smplx_poses)
    cos = (np.trace(np.einsum("tjab,tjac->tjbc", g0[:, :22], g1[:, :22]), axis1=2, axis2=3) - 1) / 2
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.5
    np.testing.assert_allclose(back.transl, transl - transl[0], atol=1e-4)
    # .csv
    from inference.formats.arkit_csv import read_arkit_csv
    _times, csv_arkit, _rot = read_arkit_csv(out / "take.csv", fps=30.0)
    np.testing.assert_allclose(csv_arkit[:, 17], arkit[:, 17], atol=1e-5)
    # BVH: the SMPL-X convention (Y up, cm), parsed by bvhio: the baked motion, like the .npz
    from inference.formats.bvh import read_smplx_bvh
    bvh = bvhio.readAsBvh(str(out / "take.bvh"))
    names = {j.Name for j, _i, _d in bvh.Root.layout()}
    assert bvh.FrameCount == t and {"pelvis", "left_elbow", "head"} <= names
    g2 = smplx_global_rotations(read_smplx_bvh(out / "take.bvh").smplx_poses)
    cos = (np.trace(np.einsum("tjab,tjac->tjbc", g0[:, :22], g2[:, :22]), axis1=2, axis2=3) - 1) / 2
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.5
    # a BVH from Blender's own exporter (Z up, metres) is refused, naming the convention, not imported turned
    assert "expected SMPL-X axes (Y up" in res["blender_bvh_import"], res["blender_bvh_import"]
    assert "found the spine along +Z" in res["blender_bvh_import"]
    # glTF: animation channels for bones (rotation) and the head's morph weights
    from pygltflib import GLTF2
    g = GLTF2().load(str(out / "demo.gltf"))
    paths = {(g.nodes[c.target.node].name, c.target.path) for a in g.animations for c in a.channels}
    assert ("left_elbow", "rotation") in paths and ("pelvis", "translation") in paths
    weights = [(a, c) for a in g.animations for c in a.channels if c.target.path == "weights"]
    assert weights, paths
    anim, chan = weights[0]
    acc = g.accessors[anim.samplers[chan.sampler].output]
    view = g.bufferViews[acc.bufferView]
    raw = (out / g.buffers[view.buffer].uri).read_bytes()
    start = (view.byteOffset or 0) + (acc.byteOffset or 0)
    vals = np.frombuffer(raw[start:start + acc.count * 4], np.float32)
    mesh = g.meshes[g.nodes[chan.target.node].mesh]
    names = (mesh.extras or {}).get("targetNames") or res["keys"]
    w = vals.reshape(-1, len(names))
    np.testing.assert_allclose(w[:t, names.index("jawOpen")], arkit[:, 17], atol=1e-4)
    np.testing.assert_allclose(w[:t, names.index("mouthSmileLeft")], 0.25, atol=1e-4)


def test_import_beat2_npz_at_scene_rate_onto_demo(tmp_path):
    npz = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.npz"
    if not npz.exists():
        pytest.skip(f"shared data not available: {npz}")
    clip = tmp_path / "clip.npz"
    d = np.load(npz)
    np.savez(clip, **{k: (d[k][:60] if d[k].ndim and d[k].shape[0] == 1906 else d[k]) for k in d.files})
    res, _ = run_scenario("import_motion", path=str(clip), fps=24)
    assert res["r"] == ["FINISHED"]
    assert res["first"] == 1 and res["last"] == 48  # 60 frames @30 fps = 2 s = 48 frames @24 fps
    assert res["face"]  # face keys baked too (zeros from a file without ARKit curves)


def test_import_bvh_without_bvhio_matches_the_written_motion(tmp_path):
    """The installed zip has no bvhio: Import Motion reads .bvh with Blender's own parser."""
    pytest.importorskip("bvhio")  # only to write the test file
    from inference.formats.bvh import write_smplx_bvh
    from inference.performance import Performance
    from rigs.rotations import axis_angle_to_quat

    rng = np.random.default_rng(5)
    t = 12
    poses = rng.normal(0, 0.35, (t, 55, 3)).astype(np.float32)
    transl = np.cumsum(rng.normal(0, 0.01, (t, 3)), axis=0).astype(np.float32)
    write_smplx_bvh(tmp_path / "take.bvh", Performance(30.0, np.zeros((t, 52), np.float32), smplx_poses=poses,
                                                       jaw_pose=poses[:, 22].copy(), transl=transl))
    res, _ = run_scenario("import_motion", path=str(tmp_path / "take.bvh"), fps=30, block=["bvhio"],
                          reimport_reduced=True)
    assert res["r"] == ["FINISHED"] and res["blocked_loaded"] == []
    assert (res["first"], res["last"], res["read_frames"]) == (1, t, t) and res["read_fps"] == pytest.approx(30.0)
    read = np.array(res["read_poses"])
    dots = np.abs(np.sum(axis_angle_to_quat(read) * axis_angle_to_quat(poses), -1))
    assert dots.min() > 1 - 1e-6  # every joint's rotation as written (6-decimal Euler text)
    np.testing.assert_allclose(res["read_transl"], transl, atol=1e-5)
    from rigs.smplx_rest import smplx_global_rotations

    g0, g1 = smplx_global_rotations(poses), smplx_global_rotations(np.array(res["baked_poses"], np.float32))
    cos = (np.trace(np.einsum("tjab,tjac->tjbc", g0[:, :22], g1[:, :22]), axis1=2, axis2=3) - 1) / 2
    assert np.degrees(np.arccos(np.clip(cos, -1, 1))).max() < 0.5  # baked onto the demo armature
    # Import Motion bakes through Generate's pipeline: the panel's Reduce Keys and Replace Generated apply
    assert res["r2"] == ["FINISHED"] and res["keys_reduced"] < res["keys_dense"]
    assert res["actions_added"] == 0
