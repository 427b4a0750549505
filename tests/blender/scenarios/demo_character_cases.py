"""The demo character in bpy: its measurements, the demo script's .blend, baked SMPL-X motion vs FK.

The bpy side of tests/blender/test_demo_character.py.

Params: ``case``: ``"measure"`` (build the character, measure bones, skinning, shape keys, lips,
eyes), ``"demo_blend"`` (open ``blend`` written by tools.demo and read ``frames`` frames of its face
curves) or ``"fk"`` (bake random SMPL-X poses, read back joint positions).
"""

import scenario  # noqa: I001  (first: sets sys.path)

emit = scenario.emit
P = scenario.PARAMS
CASES = ("measure", "demo_blend", "fk")
if P["case"] not in CASES:
    raise ValueError(f"case: expected one of {CASES}, found {P['case']!r}")

if P["case"] == "measure":
    import bpy, numpy as np
    from speech_animator.addon.demo_character import build_demo_character
    from speech_animator.addon import demo_head
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ch = build_demo_character()
    bpy.context.view_layer.update()
    arm = ch.armature
    head = ch.head
    o = np.array(ch.head_origin)
    def local(co):  # Blender armature space -> head-local (x, f, z)
        d = co - o
        return np.stack([d[:, 0], -d[:, 1], d[:, 2]], -1)
    n = len(head.data.vertices)
    kbs = head.data.shape_keys.key_blocks
    def co_of(kb):
        a = np.zeros(n * 3, np.float32); kb.data.foreach_get("co", a); return a.reshape(-1, 3).astype(np.float64)
    basis = local(co_of(kbs["Basis"]))
    part_of = np.empty(n, object)
    for name, (a, b) in ch.head_parts.items():
        part_of[a:b] = name
    keys = {}
    deltas = {}
    for kb in kbs[1:]:
        d = local(co_of(kb)) - basis
        deltas[kb.name] = d
        mag = np.linalg.norm(d, axis=1)
        moved = mag > 5e-4
        w = mag / max(mag.sum(), 1e-12)
        keys[kb.name] = {"max": float(mag.max()), "parts": sorted(set(part_of[moved])),
                         "centroid": (w @ basis).tolist(), "mean_delta": (w @ d).tolist()}
    def lip_gap(d):
        # vertical gap between the lips at the front centre column (skin vertices near x=0 at the mouth)
        s0, s1 = ch.head_parts["skin"]
        p = basis[s0:s1] + d[s0:s1]
        b = basis[s0:s1]
        near = (np.abs(b[:, 0]) < 0.0015) & (b[:, 1] > 0.08) & (np.abs(b[:, 2] - demo_head.MOUTH_Z_M) < 0.004)
        z = p[near, 2]; zb = b[near, 2]
        line = np.median(zb)
        return float(z[zb >= line].min() - z[zb < line].max())
    zero = np.zeros_like(basis)
    gaps = {"rest": lip_gap(zero), "jawOpen": lip_gap(deltas["jawOpen"]),
            "jawOpen+mouthClose": lip_gap(deltas["jawOpen"] + deltas["mouthClose"])}
    e0, e1 = ch.head_parts["eye_L"]
    front_L = e0 + int(np.argmax(basis[e0:e1, 1]))
    r0, r1 = ch.head_parts["eye_R"]
    front_R = r0 + int(np.argmax(basis[r0:r1, 1]))
    iris = {k: deltas[k][front_L if k.endswith("Left") else front_R].tolist() for k in deltas if k.startswith("eyeLook")}
    bones = {b.name: {"parent": b.parent.name if b.parent else None,
                      "head": list(arm.matrix_world @ b.head_local)} for b in arm.data.bones}
    body = ch.body
    groups = {g.index: g.name for g in body.vertex_groups}
    per_vertex = [[groups[g.group] for g in v.groups if g.weight > 0] for v in body.data.vertices]
    emit({"keys": keys, "key_order": [kb.name for kb in kbs], "gaps": gaps, "iris": iris, "bones": bones,
          "body_groups": sorted(set(groups.values())), "body_vertex_group_counts": sorted({len(p) for p in per_vertex}),
          "body_mods": [(m.type, m.object.name if m.object else None) for m in body.modifiers],
          "head_mods": [(m.type, m.object.name if m.object else None) for m in head.modifiers],
          "head_groups": [g.name for g in head.vertex_groups], "arm_name": arm.name,
          "head_verts": n, "parts": ch.head_parts, "values": {kb.name: kb.value for kb in kbs[1:]}})
elif P["case"] == "demo_blend":
    import bpy, numpy as np
    from speech_animator.addon import compat
    bpy.ops.wm.open_mainfile(filepath=P["blend"])
    key = bpy.data.objects["SpeechAnimDemo_Head"].data.shape_keys
    action, slot = compat.assigned(key)
    fcs = {fc.data_path: fc for fc in compat.action_fcurves(action, slot)}
    jaw = fcs['key_blocks["jawOpen"].value']
    mouth = [[fcs[f'key_blocks["{n}"].value'].evaluate(f) for n in ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker")]
             for f in range(1, P["frames"] + 1)]
    strips = compat.sound_strips(bpy.context.scene)
    emit({"n_fcurves": len(fcs), "keys": len(jaw.keyframe_points), "mouth": mouth, "strips": len(strips),
          "audaspace": compat.has_audaspace()})
elif P["case"] == "fk":
    import bpy, numpy as np
    from speech_animator.addon.demo_character import build_demo_character
    from speech_animator.addon import bake
    from speech_animator.addon.targets_body import build_body_targets
    from speech_animator.inference.performance import Performance
    from speech_animator.rigs import smplx, smplx_rest
    bpy.ops.wm.read_factory_settings(use_empty=True)
    ch = build_demo_character()
    rng = np.random.default_rng(7)
    T = 4
    poses = (rng.standard_normal((T, 55, 3)) * 0.25).astype(np.float32)
    transl = (rng.standard_normal((T, 3)) * 0.02).astype(np.float32)
    perf = Performance(fps=30.0, arkit=np.zeros((T, 52), np.float32), smplx_poses=poses, transl=transl)
    targets, _ = build_body_targets(ch.armature, perf)
    bake.bake(targets, 1, "synthetic.wav")
    fk = smplx_rest.forward_kinematics(poses)
    errs = []
    for t in range(T):
        bpy.context.scene.frame_set(1 + t)
        arm = ch.armature
        got = np.array([list(arm.pose.bones[n].head) for n in smplx.JOINT_NAMES])
        want = np.stack([fk[t][:, 0], -fk[t][:, 2], fk[t][:, 1]], -1)
        errs.append(float(np.abs((got - got[0]) - (want - want[0])).max()))
    emit({"errs": errs})
scenario.finish()
