"""Face and body targets on real third-party rigs (bpy 5.0 module, one subprocess per scenario).

World-space assertion: after baking, the directions of the target's upper arms, forearms, thighs,
spine and head follow the SMPL-X source's (FK on rigs/smplx_rest.py) within TOL_DEG.
"""

import pytest

from conftest import run_bpy
from tests.conftest import SHARED_DATA

TOL_DEG = 2.0
CHARS = SHARED_DATA / "characters"

LOAD = f"""
import numpy as np, bpy
from pathlib import Path
from tools.bake import load_extension
load_extension(register=False)
import rigs_fixtures as rf
CHARS = Path({str(CHARS)!r})
"""


@pytest.mark.parametrize("kind", ["robot", "kaykit", "rigify", "demo"])
def test_retarget_follows_source_directions_in_world_space(kind):
    if kind in ("robot", "kaykit") and not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    beat2 = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.npz"
    res, _ = run_bpy(LOAD + f"""
try:
    arm = rf.load_rig({kind!r}, CHARS)
except Exception as exc:
    emit({{"skip": f"{{type(exc).__name__}}: {{exc}}"}}); raise SystemExit(0)
poses = rf.test_poses()
if Path({str(beat2)!r}).exists():  # 20 real motion-capture frames
    poses = np.concatenate([poses, np.load({str(beat2)!r})["poses"][::95][:20].reshape(-1, 55, 3).astype(np.float32)])
errs, warnings, bmap = rf.direction_errors(arm, None, poses)
emit({{"errs": {{k: max(v) for k, v in errs.items()}}, "n": len(poses), "mapped": len(bmap),
      "warnings": warnings}})
""")
    if "skip" in res:
        pytest.skip(res["skip"])
    print(kind, res)
    assert res["n"] >= 12
    assert set(res["errs"]) >= {"upper_arm_L", "upper_arm_R", "forearm_L", "forearm_R", "head_up", "head_forward"}
    bad = {k: v for k, v in res["errs"].items() if v > TOL_DEG}
    assert not bad, bad


def test_face_on_arkit_reference_head_bakes_51_keys_and_reports_tongue():
    if not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_bpy(LOAD + """
from speech_animator.addon import bake
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance
head = rf.load_rig("arkit_head", CHARS)
T = 20
arkit = np.zeros((T, 52), np.float32)
arkit[:, 17] = np.linspace(0, 1, T)   # jawOpen
arkit[:, 51] = 1.0                     # tongueOut: the head has no such key
targets, warnings = build_face_targets([head], Performance(30.0, arkit))
bake.bake(targets, 1, "")
bpy.context.scene.frame_set(11)
kb = head.data.shape_keys.key_blocks
emit({"n": len(targets[0].channels), "warnings": warnings, "jaw": kb["jawOpen"].value,
      "others": max(k.value for k in kb if k.name not in ("jawOpen", "Basis"))})
""")
    assert res["n"] == 51
    assert any("tongueOut" in w for w in res["warnings"])
    assert res["jaw"] == pytest.approx(10 / 19, abs=1e-4) and res["others"] == 0.0


MESHES = LOAD + """
from speech_animator.addon import bake
from speech_animator.addon.errors import TargetError
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance
bpy.ops.wm.read_factory_settings(use_empty=True)
def mesh(name, keys):
    me = bpy.data.meshes.new(name)
    me.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    if keys:
        ob.shape_key_add(name="Basis")
        for k in keys:
            ob.shape_key_add(name=k)
    return ob
T = 10
arkit = np.zeros((T, 52), np.float32); arkit[:, 17] = 0.8; arkit[:, 19] = 0.5
perf = Performance(30.0, arkit)
"""


def test_same_curves_on_every_mesh_that_carries_the_keys_and_fallbacks():
    res, _ = run_bpy(MESHES + """
head = mesh("Head", ["jawOpen", "mouthFunnel", "Custom"])
teeth = mesh("Teeth", ["JawOpen"])
vrm = mesh("VRM", ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O"])
rpm = mesh("Simple", ["mouthOpen", "Blink"])
targets, warnings = build_face_targets([head, teeth, vrm, rpm], perf)
paths = {t.label: sorted(c.data_path for c in t.channels) for t in targets}
vals = {t.label: {c.data_path: float(c.values[0]) for c in t.channels} for t in targets}
emit({"paths": paths, "vals": vals, "warnings": warnings})
""")
    p, v = res["paths"], res["vals"]
    assert p["Face (Head)"] == ['key_blocks["jawOpen"].value', 'key_blocks["mouthFunnel"].value']
    assert p["Face (Teeth)"] == ['key_blocks["JawOpen"].value'] and v["Face (Teeth)"]['key_blocks["JawOpen"].value'] == pytest.approx(0.8)
    assert len(p["Face (VRM)"]) == 5 and max(v["Face (VRM)"].values()) > 0.3
    assert p["Face (Simple)"] == ['key_blocks["mouthOpen"].value']  # "Blink" untouched
    assert any("viseme" in w for w in res["warnings"]) and any("open-mouth" in w for w in res["warnings"])


def test_flame_keys_and_jaw_bone_fallback():
    res, _ = run_bpy(MESHES + """
arm_data = bpy.data.armatures.new("Rig")
arm = bpy.data.objects.new("Rig", arm_data)
bpy.context.scene.collection.objects.link(arm)
bpy.context.view_layer.objects.active = arm
bpy.ops.object.mode_set(mode="EDIT")
for name, head, tail, parent in (("head", (0, 0, 1.5), (0, 0, 1.7), None), ("jaw", (0, -0.02, 1.5), (0, -0.1, 1.45), "head")):
    b = arm_data.edit_bones.new(name); b.head = head; b.tail = tail
    if parent: b.parent = arm_data.edit_bones[parent]
bpy.ops.object.mode_set(mode="OBJECT")
flame = mesh("Flame", [f"Exp{i:03d}" for i in range(10)])
flame.parent = arm
expr = np.zeros((T, 100), np.float32); expr[:, 3] = 0.7
jaw = np.zeros((T, 3), np.float32); jaw[:, 0] = 0.3
targets, warnings = build_face_targets([flame], Performance(30.0, arkit, expression=expr, jaw_pose=jaw))
byl = {t.label: t for t in targets}
f = byl["Face (Flame)"]
j = byl["Face jaw (Rig)"]
q = np.array([c.values[0] for c in j.channels])
emit({"labels": sorted(byl), "n": len(f.channels), "jaw_angle": float(2 * np.arccos(min(1.0, abs(q[0])))),
      "exp3": float([c for c in f.channels if c.data_path == 'key_blocks["Exp003"].value'][0].values[0]),
      "warnings": warnings})
""")
    assert res["n"] == 10 and res["exp3"] == pytest.approx(0.7)
    # FLAME expressions do not open the jaw: the jaw bone gets jaw_pose (0.3 rad)
    assert res["labels"] == ["Face (Flame)", "Face jaw (Rig)"]
    assert res["jaw_angle"] == pytest.approx(0.3, abs=1e-4)


def test_jaw_bone_drives_the_jaw_when_no_key_can():
    res, _ = run_bpy(MESHES + """
arm_data = bpy.data.armatures.new("Rig")
arm = bpy.data.objects.new("Rig", arm_data)
bpy.context.scene.collection.objects.link(arm)
bpy.context.view_layer.objects.active = arm
bpy.ops.object.mode_set(mode="EDIT")
b = arm_data.edit_bones.new("head"); b.head = (0, 0, 1.5); b.tail = (0, 0, 1.7)
j = arm_data.edit_bones.new("Jaw"); j.head = (0, -0.02, 1.5); j.tail = (0, -0.1, 1.45); j.parent = b
bpy.ops.object.mode_set(mode="OBJECT")
face = mesh("Robot", ["Angry", "Sad"])
face.parent = arm
targets, warnings = build_face_targets([face], perf)
bake.bake(targets, 1, "")
bpy.context.scene.frame_set(2)
pb = arm.pose.bones["Jaw"]
mw = np.array(arm.matrix_world)
tail0 = np.array(arm.data.bones["Jaw"].tail_local); tail1 = np.array(pb.tail)
emit({"labels": [t.label for t in targets], "drop": float(tail0[2] - tail1[2]), "warnings": warnings})
""")
    assert res["labels"] == ["Face jaw (Rig)"]
    assert res["drop"] > 0.01  # jaw tip moved down: the mouth opens


def test_clear_errors_for_unusable_inputs(tmp_path):
    lib = tmp_path / "lib.blend"
    res, _ = run_bpy(MESHES + f"""
out = {{}}
def err(fn):
    try:
        fn(); return "no error"
    except TargetError as exc:
        return str(exc)
bare = mesh("Bare", [])
out["no_keys"] = err(lambda: build_face_targets([bare], perf))
odd = mesh("Odd", ["Angry", "Surprised"])
out["nothing"] = err(lambda: build_face_targets([odd], perf))
out["empty"] = err(lambda: build_face_targets([], perf))
# linked library data
libm = mesh("LibHead", ["jawOpen"])
bpy.data.libraries.write({str(lib)!r}, {{libm}})
bpy.ops.wm.read_factory_settings(use_empty=True)
with bpy.data.libraries.load({str(lib)!r}, link=True) as (src, dst):
    dst.objects = ["LibHead"]
ob = bpy.data.objects["LibHead"]
bpy.context.scene.collection.objects.link(ob)
out["linked"] = err(lambda: build_face_targets([ob], perf))
# non-humanoid armature
from speech_animator.addon.targets_body import build_body_targets
arm_data = bpy.data.armatures.new("Crane")
arm = bpy.data.objects.new("Crane", arm_data)
bpy.context.scene.collection.objects.link(arm)
bpy.context.view_layer.objects.active = arm
bpy.ops.object.mode_set(mode="EDIT")
prev = None
for i, n in enumerate(("base", "boom", "hook")):
    b = arm_data.edit_bones.new(n); b.head = (0, 0, i); b.tail = (0, 0, i + 1); b.parent = prev; prev = b
bpy.ops.object.mode_set(mode="OBJECT")
body = Performance(30.0, arkit, smplx_poses=np.zeros((T, 55, 3), np.float32))
out["crane"] = err(lambda: build_body_targets(arm, body))
out["mesh_as_armature"] = err(lambda: build_body_targets(ob, body))
emit(out)
""")
    assert "'Bare' has no shape keys" in res["no_keys"]
    assert "nothing matched on 'Odd'" in res["nothing"]
    assert "expected at least one mesh" in res["empty"]
    assert "linked from library" in res["linked"]
    assert "does not look like a humanoid" in res["crane"]
    assert "expected an ARMATURE" in res["mesh_as_armature"]


def test_read_body_constraints_inverts_artist_keys():
    res, _ = run_bpy(LOAD + """
from speech_animator.addon.targets_body import read_body_constraints, resolve_bone_map, skeleton_of
from speech_animator.rigs.retarget import plan_retarget, retarget
from speech_animator.rigs.smplx_rest import smplx_global_rotations
from speech_animator.rigs.smplx import JOINT_INDEX
arm = rf.load_rig("rigify", CHARS)
bmap, _ = resolve_bone_map(arm)
poses = rf.test_poses(num_random=2)[2:5]          # 3 gesture poses
plan = plan_retarget(skeleton_of(arm), bmap)
r = retarget(plan, poses)
for f in range(3):                                  # the artist keys them at frames 11, 15, 19
    for k, name in enumerate(r.bone_names):
        pb = arm.pose.bones[name]
        pb.rotation_mode = "QUATERNION"
        pb.rotation_quaternion = r.quats[f, k].tolist()
        pb.keyframe_insert("rotation_quaternion", frame=11 + 4 * f)
c = read_body_constraints(arm, 10, 12, 30.0)
g_src = smplx_global_rotations(poses)
g_got = smplx_global_rotations(c.poses[[1, 5, 9]])
err = []
for name in ("left_shoulder", "right_elbow", "head", "spine3", "left_hip"):
    j = JOINT_INDEX[name]
    d = np.einsum("fij,fik->fjk", g_src[:, j], g_got[:, j])
    err.append(float(np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1) / 2, -1, 1))).max()))
emit({"mask_frames": np.flatnonzero(c.mask.any(axis=1)).tolist(), "err": max(err),
      "masked_joints": int(c.mask[1].sum()), "fps": c.fps, "shape": list(c.poses.shape)})
""")
    assert res["mask_frames"] == [1, 5, 9] and res["shape"] == [12, 55, 3] and res["fps"] == 30.0
    assert res["masked_joints"] >= 22
    assert res["err"] < 0.5


def test_generated_rigify_controls_refined_through_constraints():
    """A generated Rigify rig (controls on constraint-driven MCH bones): the FK controls are mapped
    (preset rigify_ctrl), refined through Blender's evaluation, measured on the
    DEF bones; 45 consecutive real frames, 12 refined, corrections slerped between (Rigify builds the lower spine downward from the torso pivot; the DEF bones' rest
    positions drive the rest alignment)."""
    beat2 = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.npz"
    res, _ = run_bpy(LOAD + f"""
import speech_animator.addon.targets_body as tb
from speech_animator.rigs.bone_presets import BONE_PRESETS
try:
    rig = rf.generate_rigify()
except Exception as exc:
    emit({{"skip": f"Rigify generate failed: {{type(exc).__name__}}: {{exc}}"}}); raise SystemExit(0)
if Path({str(beat2)!r}).exists():   # 60 consecutive real frames: corrections interpolated between refined ones
    poses = np.load({str(beat2)!r})["poses"][300:345].reshape(-1, 55, 3).astype(np.float32)
    tb.REFINE_MAX_FRAMES = 12
else:
    poses = rf.test_poses(num_random=4)
errs, warnings, bmap = rf.direction_errors(rig, None, poses, measure_map=BONE_PRESETS["rigify_def"])
# the artist keys three of those poses on the controls: read back as constraints (evaluated pose)
from speech_animator.addon import compat
from speech_animator.addon.targets_body import read_body_constraints
from speech_animator.rigs.smplx_rest import smplx_global_rotations
from speech_animator.rigs.smplx import JOINT_INDEX
baked, slot = compat.assigned(rig)
curves = {{(f.data_path, f.array_index): f for f in compat.action_fcurves(baked, slot)}}
rig.animation_data.action = None
picked = [5, 20, 41] if len(poses) > 41 else [1, len(poses) // 2, len(poses) - 2]  # keyed frames (0-based)
for f in picked:
    for name in set(BONE_PRESETS["rigify_ctrl"].values()):
        path = f'pose.bones["{{name}}"].rotation_quaternion'
        if (path, 0) in curves:
            rig.pose.bones[name].rotation_quaternion = [curves[(path, i)].evaluate(1 + f) for i in range(4)]
            rig.pose.bones[name].keyframe_insert("rotation_quaternion", frame=1 + f)
c = read_body_constraints(rig, 1, len(poses), 30.0)
g0, g1 = smplx_global_rotations(poses[picked]), smplx_global_rotations(c.poses[picked])
cerr = 0.0
for name in ("left_shoulder", "right_elbow", "head", "spine3", "left_hip", "pelvis"):
    j = JOINT_INDEX[name]
    d = np.einsum("fij,fik->fjk", g0[:, j], g1[:, j])
    cerr = max(cerr, float(np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1) / 2, -1, 1))).max()))
emit({{"errs": {{k: max(v) for k, v in errs.items()}}, "mean": {{k: float(np.mean(v)) for k, v in errs.items()}},
      "warnings": warnings, "n": len(poses), "constraint_err": cerr,
      "masked_frames": np.flatnonzero(c.mask.any(axis=1)).tolist(), "picked": picked}})
""", timeout=600)
    if "skip" in res:
        pytest.skip(res["skip"])
    print("rigify generated", res)
    assert any("refined through Blender's evaluation" in w for w in res["warnings"])
    assert {"upper_arm_L", "forearm_R", "thigh_L", "spine", "chest", "pelvis", "head_up"} <= set(res["errs"])
    bad = {k: v for k, v in res["errs"].items() if v > TOL_DEG}
    assert not bad, bad
    assert res["masked_frames"] == res["picked"] and res["constraint_err"] < TOL_DEG


def test_robot_head_without_arkit_keys_or_jaw_bone_is_refused_clearly():
    """RobotExpressive's head has only Angry/Surprised/Sad morphs and no jaw bone."""
    if not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_bpy(LOAD + """
from speech_animator.addon.errors import TargetError
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance
rf.load_rig("robot", CHARS)
head = next(o for o in bpy.data.objects if o.type == "MESH" and o.data.shape_keys is not None)
try:
    build_face_targets([head], Performance(30.0, np.zeros((3, 52), np.float32)))
    emit({"error": None})
except TargetError as exc:
    emit({"error": str(exc), "mesh": head.name})
""")
    assert res["error"] is not None and "nothing matched" in res["error"] and res["mesh"] in res["error"]


def test_bone_rotation_reads_keys_in_bulk_like_evaluate():
    """Rotation curves read at keys in bulk (key values) equal ``FCurve.evaluate`` frame by frame:
    Bezier/constant/linear keys, a component keyed on other frames, a key just off the integer
    frame, a curve with a modifier, Euler and axis-angle modes (numpy conversion vs mathutils)."""
    res, _ = run_bpy(LOAD + """
from mathutils import Euler
from speech_animator.addon import compat
from speech_animator.addon.targets_body import bone_rotation
arm = rf.load_rig("rigify", CHARS)
rng = np.random.default_rng(0)
frames = np.arange(1, 41)
out = {}
for name, mode, path, n in (("upper_arm.L", "QUATERNION", "rotation_quaternion", 4),
                            ("forearm.R", "ZXY", "rotation_euler", 3), ("spine", "AXIS_ANGLE", "rotation_axis_angle", 4)):
    pb = arm.pose.bones[name]
    pb.rotation_mode = mode
    for i in range(n):
        keys = sorted(set(rng.choice(np.arange(1, 41), 8, replace=False).tolist()) | {1})
        for f in keys:
            pb.rotation_quaternion[i] = pb.rotation_euler[i % 3] = pb.rotation_axis_angle[i] = 0.0
            setattr(pb, path, [float(v) for v in rng.uniform(-1, 1, n)])
            pb.keyframe_insert(path, index=i, frame=f + (0.0004 if (f == keys[-1] and i == 1) else 0.0))
    action, slot = compat.assigned(arm)
    fcs = [f for f in compat.action_fcurves(action, slot) if f.data_path.endswith(path) and name in f.data_path]
    fcs[0].keyframe_points[1].interpolation = "CONSTANT"
    fcs[-1].keyframe_points[2].interpolation = "LINEAR"
    if mode == "QUATERNION":
        fcs[2].modifiers.new("NOISE")
    q, keyed = bone_rotation(compat.action_fcurves(action, slot), name, mode, frames)
    vals = np.array([[fcs[i].evaluate(float(f)) for i in range(n)] for f in frames])
    if mode == "QUATERNION":
        ref = vals / np.linalg.norm(vals, axis=1, keepdims=True)
    elif mode == "AXIS_ANGLE":
        from speech_animator.rigs.rotations import axis_angle_to_quat
        ref = axis_angle_to_quat(vals[:, 1:] / np.linalg.norm(vals[:, 1:], axis=1, keepdims=True) * vals[:, :1])
    else:
        ref = np.array([tuple(Euler(v, mode).to_quaternion()) for v in vals])
    kp = {round(k.co[0]) for f in fcs for k in f.keyframe_points}
    out[mode] = {"err": float(np.abs(q - ref).max()), "keyed": frames[keyed].tolist(), "want_keyed": sorted(kp)}
emit(out)
""")
    for mode, r in res.items():
        assert r["keyed"] == r["want_keyed"], mode
        assert r["err"] < 1e-6, (mode, r["err"])
