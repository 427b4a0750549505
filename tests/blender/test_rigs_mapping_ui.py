"""Rig Mapping panel: register, auto-fill, edit, used by Generate's target builders, presets."""

from conftest import run_bpy


def test_mapping_operators_edit_and_presets(tmp_path):
    res, proc = run_bpy("""
import numpy as np, bpy, os
from tools.bake import load_extension
load_extension(register=True)
from speech_animator.addon import mapping_ui
import rigs_fixtures as rf
rf.ensure_registered()
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.inference.performance import Performance
import rigs_fixtures as rf
arm = rf.load_rig("rigify")
me = bpy.data.meshes.new("Head"); me.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
head = bpy.data.objects.new("Head", me); bpy.context.scene.collection.objects.link(head)
head.shape_key_add(name="Basis")
for k in ("Jaw_Open", "mouthFunnel", "MyOpen", "Brow_Raise_Inner_L", "Brow_Raise_Inner_R"):
    head.shape_key_add(name=k)
s = bpy.context.scene.speech_animator
s.face_object, s.armature = head, arm
out = {}
out["auto_face"] = bpy.ops.speechanim.map_auto(kind='FACE')
fm = {i.source: i.target for i in head.speech_animator_face_map}
out["rows"], out["jaw_auto"] = len(fm), fm["jawOpen"]
next(i for i in head.speech_animator_face_map if i.source == "jawOpen").target = "MyOpen"
T = 4
arkit = np.zeros((T, 52), np.float32); arkit[:, 17] = 0.5
perf = Performance(30.0, arkit, smplx_poses=np.zeros((T, 55, 3), np.float32))
targets, _ = build_face_targets([head], perf)
out["face_paths"] = sorted(c.data_path for c in targets[0].channels)
out["brow_row"] = [(i.target, i.extra) for i in head.speech_animator_face_map if i.source == "browInnerUp"]
out["auto_body"] = bpy.ops.speechanim.map_auto(kind='BODY')
bm = {i.source: i.target for i in arm.speech_animator_bone_map}
out["elbow"] = bm["left_elbow"]
next(i for i in arm.speech_animator_bone_map if i.source == "left_wrist").target = ""
targets, _ = build_body_targets(arm, perf)
out["body_bones"] = sorted(targets[0].quaternion_bones)
out["save"] = bpy.ops.speechanim.map_save_preset(kind='BODY', name="rigify test")
folder = mapping_ui.presets_dir('BODY')
out["files"] = sorted(os.listdir(folder))
out["clear"] = bpy.ops.speechanim.map_clear(kind='BODY')
out["after_clear"] = len(arm.speech_animator_bone_map)
out["load"] = bpy.ops.speechanim.map_load_preset(kind='BODY', preset="rigify test.json")
out["after_load"] = {i.source: i.target for i in arm.speech_animator_bone_map}["left_wrist"]
emit({k: (list(v) if isinstance(v, set) else v) for k, v in out.items()})
""", env={"BLENDER_USER_CONFIG": str(tmp_path / "cfg"), "BLENDER_USER_RESOURCES": str(tmp_path / "res")})
    assert res["auto_face"] == ["FINISHED"] and res["rows"] == 52 and res["jaw_auto"] == "Jaw_Open"
    assert res["face_paths"] == ['key_blocks["Brow_Raise_Inner_L"].value', 'key_blocks["Brow_Raise_Inner_R"].value',
                                 'key_blocks["MyOpen"].value', 'key_blocks["mouthFunnel"].value']
    assert res["brow_row"] == [["Brow_Raise_Inner_L", "Brow_Raise_Inner_R"]]  # one curve, two CC4 keys kept
    assert res["elbow"] == "forearm.L"
    assert "hand.L" not in res["body_bones"] and "forearm.L" in res["body_bones"]
    assert res["save"] == ["FINISHED"] and res["files"] == ["rigify test.json"]
    assert res["after_clear"] == 0 and res["load"] == ["FINISHED"]
    assert res["after_load"] == ""  # the unmapped wrist stays unmapped
