"""Exchange formats through Blender: bake on the demo character, export .npz / .csv / BVH / glTF,
read them back; import a BEAT2 .npz at another frame rate."""

import json

import numpy as np
import pytest

from conftest import run_bpy
from tests.conftest import SHARED_DATA

SETUP = """
import numpy as np, bpy
from tools.bake import load_extension
load_extension(register=True)
from speech_animator.addon import bake, exports, mapping_ui
from speech_animator.addon.demo_character import build_demo_character
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.inference.performance import Performance
import rigs_fixtures as rf
rf.ensure_registered()
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
scene.render.fps, scene.render.fps_base = 30, 1.0
demo = build_demo_character()
s = scene.speech_animator
s.face_object, s.armature, s.frame_start = demo.head, demo.armature, 1
"""


def test_export_npz_csv_bvh_gltf_read_back(tmp_path):
    pytest.importorskip("pygltflib")
    bvhio = pytest.importorskip("bvhio")
    out = tmp_path
    res, _ = run_bpy(SETUP + f"""
poses = rf.test_poses(num_random=4)
T = poses.shape[0]
arkit = np.zeros((T, 52), np.float32); arkit[:, 17] = np.linspace(0, 1, T); arkit[:, 23] = 0.25
transl = np.zeros((T, 3), np.float32); transl[:, 0] = np.linspace(0, 0.2, T)
perf = Performance(30.0, arkit, smplx_poses=poses, transl=transl, jaw_pose=poses[:, 22].copy())
np.save({str(out / 'poses.npy')!r}, poses); np.save({str(out / 'arkit.npy')!r}, arkit); np.save({str(out / 'transl.npy')!r}, transl)
ft, _ = build_face_targets([demo.head], perf)
bt, _ = build_body_targets(demo.armature, perf)
bake.bake(ft + bt, 1, "")  # one action per datablock (bake.merge_by_datablock)
r = {{}}
r["npz"] = bpy.ops.speechanim.export_motion(filepath={str(out / 'take.npz')!r}, format='NPZ', frame_start=1, frame_end=T)
r["csv"] = bpy.ops.speechanim.export_motion(filepath={str(out / 'take.csv')!r}, format='CSV', frame_start=1, frame_end=T)
r["bvh"] = bpy.ops.speechanim.export_motion(filepath={str(out / 'take.bvh')!r}, format='BVH', frame_start=1, frame_end=T)
bpy.ops.export_scene.gltf(filepath={str(out / 'demo.gltf')!r}, export_format='GLTF_SEPARATE', export_animations=True,
                          export_force_sampling=True)
r = {{k: list(v) for k, v in r.items()}}
r["T"] = T
r["keys"] = [k.name for k in demo.head.data.shape_keys.key_blocks][1:]
emit(r)
""")
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
    # BVH (Blender's exporter), parsed by bvhio
    bvh = bvhio.readAsBvh(str(out / "take.bvh"))
    names = {j.Name for j, _i, _d in bvh.Root.layout()}
    assert bvh.FrameCount == t and {"pelvis", "left_elbow", "head"} <= names
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
    res, _ = run_bpy(SETUP + f"""
scene.render.fps = 24
r = bpy.ops.speechanim.import_motion(filepath={str(clip)!r})
from speech_animator.addon import compat
action, slot = compat.assigned(demo.armature)
fc = [f for f in compat.action_fcurves(action, slot) if f.data_path == 'pose.bones["left_elbow"].rotation_quaternion']
frames = sorted({{int(k.co[0]) for f in fc for k in f.keyframe_points}})
face_action, _ = compat.assigned(demo.head.data.shape_keys)
emit({{"r": list(r), "first": frames[0], "last": frames[-1], "face": face_action is not None}})
""")
    assert res["r"] == ["FINISHED"]
    assert res["first"] == 1 and res["last"] == 48  # 60 frames @30 fps = 2 s = 48 frames @24 fps
    assert res["face"]  # face keys baked too (zeros from a file without ARKit curves)
