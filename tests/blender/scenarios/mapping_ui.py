"""Rig Mapping panel operators on a Rigify metarig and a small head: auto-fill, edit, the stored
maps read by the target builders, presets (save / clear / load)."""

import scenario  # noqa: I001  (first: sets sys.path)

import os

import bpy
import numpy as np

import rigs_fixtures as rf
from speech_animator.addon import mapping_ui
from speech_animator.addon.stored_maps import stored_map
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance

scenario.register()
arm = rf.load_rig("rigify")
me = bpy.data.meshes.new("Head")
me.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
head = bpy.data.objects.new("Head", me)
bpy.context.scene.collection.objects.link(head)
head.shape_key_add(name="Basis")
for k in ("Jaw_Open", "mouthFunnel", "MyOpen", "Brow_Raise_Inner_L", "Brow_Raise_Inner_R"):
    head.shape_key_add(name=k)
s = bpy.context.scene.speech_animator
s.face_object, s.armature = head, arm
out = {"stored_before": [stored_map(head, 'FACE'), stored_map(arm, 'BODY')]}
out["auto_face"] = bpy.ops.speechanim.map_auto(kind='FACE')
fm = {i.source: i.target for i in head.speech_animator_face_map}
out["rows"], out["jaw_auto"] = len(fm), fm["jawOpen"]
next(i for i in head.speech_animator_face_map if i.source == "jawOpen").target = "MyOpen"
T = 4
arkit = np.zeros((T, 52), np.float32)
arkit[:, 17] = 0.5
perf = Performance(30.0, arkit, smplx_poses=np.zeros((T, 55, 3), np.float32))
targets, _ = build_face_targets([head], perf)
out["face_paths"] = sorted(c.data_path for c in targets[0].channels)
out["brow_row"] = [(i.target, i.extra) for i in head.speech_animator_face_map if i.source == "browInnerUp"]
face = stored_map(head, 'FACE')
out["stored_face"] = [face["jawOpen"], face["browInnerUp"], len(face)]
out["auto_body"] = bpy.ops.speechanim.map_auto(kind='BODY')
bm = {i.source: i.target for i in arm.speech_animator_bone_map}
out["elbow"] = bm["left_elbow"]
next(i for i in arm.speech_animator_bone_map if i.source == "left_wrist").target = ""
body = stored_map(arm, 'BODY')
out["stored_body"] = [body["left_elbow"], body["left_wrist"], len(body)]
targets, _ = build_body_targets(arm, perf)
out["body_bones"] = sorted(targets[0].quaternion_bones)
out["save"] = bpy.ops.speechanim.map_save_preset(kind='BODY', name="rigify test")
folder = mapping_ui.presets_dir('BODY')
out["files"] = sorted(os.listdir(folder))
out["clear"] = bpy.ops.speechanim.map_clear(kind='BODY')
out["after_clear"] = [len(arm.speech_animator_bone_map), stored_map(arm, 'BODY')]
out["load"] = bpy.ops.speechanim.map_load_preset(kind='BODY', preset="rigify test.json")
out["after_load"] = {i.source: i.target for i in arm.speech_animator_bone_map}["left_wrist"]
scenario.emit({k: (sorted(v) if isinstance(v, set) else v) for k, v in out.items()})
scenario.finish()
