"""Collision proxies of a character, fitted to its own mesh (bpy side of :mod:`rigs.body_collision`).

For every mesh that an armature deforms (Armature modifier) or carries (parented to a bone), each
vertex is given to one bone: the bone of its largest skin weight (vertex group named like a bone),
or the parent bone of a bone-parented mesh. The vertices are taken in the *rest* pose (the
armature's Pose Position is switched to Rest while reading, then restored), expressed in each
bone's ``matrix_local`` frame, and per bone a capsule (:func:`rigs.body_collision.fit_capsule`)
and a convex hull (:func:`rigs.body_collision.fit_hull`, numpy only) are fitted. A bone whose
hull cannot be built keeps its capsule alone, one whose capsule cannot be fitted gets no proxy;
both are reported (:func:`fit_proxies`). The solver then runs bpy-free on the retargeted pose.
"""

from __future__ import annotations

import logging

import numpy as np

from ..rigs.body_collision import Capsules, fit_capsule, fit_hull, hull_bones, resolve

log = logging.getLogger(__name__)

#: Bones with fewer vertices than this get no capsule.
MIN_VERTICES = 8


def _meshes_of(armature):
    import bpy

    out = []
    for ob in bpy.data.objects:
        if ob.type != 'MESH':
            continue
        mod = any(m.type == 'ARMATURE' and m.object == armature for m in ob.modifiers)
        bone_parented = ob.parent == armature and ob.parent_type == 'BONE' and ob.parent_bone
        if mod or bone_parented:
            out.append((ob, bool(mod)))
    return out


def _vertex_bones(ob, skinned: bool, bone_names: set) -> tuple[np.ndarray, list]:
    """``(coords (N, 3) object space, bone name per vertex or None)``."""
    me = ob.data
    n = len(me.vertices)
    co = np.empty(n * 3, np.float64)
    me.vertices.foreach_get("co", co)
    co = co.reshape(n, 3)
    if not skinned:
        return co, [ob.parent_bone] * n
    group_bone = {g.index: g.name for g in ob.vertex_groups if g.name in bone_names}
    owner = []
    for v in me.vertices:
        best, w_best = None, 0.0
        for g in v.groups:
            name = group_bone.get(g.group)
            if name is not None and g.weight > w_best:
                best, w_best = name, g.weight
        if best is None and ob.parent_type == 'BONE' and ob.parent_bone in bone_names:
            best = ob.parent_bone
        owner.append(best)
    return co, owner


def bone_points(armature) -> dict:
    """Rest-pose vertices per bone of ``armature``, each in its bone's ``matrix_local`` frame.

    Returns:
        ``{bone name: (N, 3) float64}`` (armature units) for every bone that owns at least
        :data:`MIN_VERTICES` vertices (see the module docstring for which vertices a bone owns);
        empty when the armature deforms no mesh.
    """
    import bpy

    bones = armature.data.bones
    names = {b.name for b in bones}
    keep = armature.data.pose_position
    armature.data.pose_position = 'REST'
    bpy.context.view_layer.update()
    try:
        arm_inv = np.linalg.inv(np.array(armature.matrix_world, np.float64))
        pts: dict[str, list] = {}
        for ob, skinned in _meshes_of(armature):
            co, owner = _vertex_bones(ob, skinned, names)
            m = arm_inv @ np.array(ob.matrix_world, np.float64)
            arm_co = co @ m[:3, :3].T + m[:3, 3]
            names_here = sorted(set(o for o in owner if o))
            code = {n: k for k, n in enumerate(names_here)}
            ids = np.fromiter((code.get(o, -1) for o in owner), np.int64, len(owner))
            for k, name in enumerate(names_here):
                pts.setdefault(name, []).append(arm_co[ids == k])
    finally:
        armature.data.pose_position = keep
        bpy.context.view_layer.update()
    out = {}
    for name, chunks in pts.items():
        p = np.concatenate(chunks)
        if p.shape[0] < MIN_VERTICES:
            continue
        inv = np.linalg.inv(np.array(bones[name].matrix_local, np.float64))
        out[name] = p @ inv[:3, :3].T + inv[:3, 3]
    return out


def fit_proxies(armature, notes: list | None = None, hulls_for=None) -> Capsules:
    """One capsule (and, where one can be made, a convex hull) per bone of ``armature`` that owns
    at least :data:`MIN_VERTICES` vertices.

    ``hulls_for`` (optional set of bone names): only these bones get a hull (the others ``None``,
    not reported): the solver reads hulls of the torso and head only
    (:func:`rigs.body_collision.hull_bones`), and a hull costs tens of milliseconds to fit the
    first time (cached after that).

    A failure never stops the caller: a bone whose hull cannot be built (a flat or degenerate
    vertex set, or any error of the hull code) keeps its capsule alone; a bone whose capsule
    cannot be fitted (non-finite vertices) gets no proxy. Each such case appends one line naming
    the bone and the reason to ``notes`` (when given) and is logged.

    Returns:
        :class:`rigs.body_collision.Capsules` in bone rest frames (armature units); empty when the
        armature deforms no mesh.
    """
    out_b, out_a, out_e, out_r, out_h, out_reach = [], [], [], [], [], []
    capsule_only, skipped = [], []
    for name, local in bone_points(armature).items():
        try:
            a, b, r = fit_capsule(local)
        except ValueError as exc:
            skipped.append(f"{name!r} ({exc})")
            continue
        try:
            hull = fit_hull(local) if hulls_for is None or name in hulls_for else None
        except Exception as exc:    # noqa: BLE001  (optional refinement: any failure keeps the capsule)
            hull = None
            capsule_only.append(f"{name!r} ({exc.__class__.__name__}: {exc})")
        out_b.append(name)
        out_a.append(a)
        out_e.append(b)
        out_r.append(r)
        out_h.append(hull)
        out_reach.append(float(np.linalg.norm(local - 0.5 * (a + b), axis=1).max()))
    lines = []
    if capsule_only:
        lines.append(f"body: {armature.name!r}: no collision hull for {len(capsule_only)} bone(s), their "
                     f"capsules are used alone: {', '.join(capsule_only)}")
    if skipped:
        lines.append(f"body: {armature.name!r}: no collision proxy for {len(skipped)} bone(s): {', '.join(skipped)}")
    for line in lines:
        log.warning("%s", line)
    if notes is not None:
        notes.extend(lines)
    z = np.zeros((0, 3))
    return Capsules(tuple(out_b), np.array(out_a) if out_a else z, np.array(out_e) if out_e else z,
                    np.array(out_r, np.float64), tuple(out_h), np.array(out_reach, np.float64))


def avoid_self_collisions(armature, skel, bone_map: dict, plan, res, fps: float, cache: dict | None = None):
    """Fit proxies on ``armature`` and push the retargeted arms out of the body.

    ``cache`` (optional dict): the proxies fitted by an earlier call with the same dict are reused
    (one Generate baking a long clip window by window, :mod:`addon.windowed_bake`); the caller
    keeps it no longer than the armature and its meshes stay unchanged.

    Returns:
        ``(result, notes)``; ``result`` is ``res`` unchanged when the armature deforms no mesh.
    """
    notes: list = []
    key = ("proxies", armature.as_pointer())
    if cache is not None and key in cache:
        caps, notes = cache[key][0], list(cache[key][1])
    else:
        caps = fit_proxies(armature, notes, hulls_for=hull_bones(skel.names, skel.parents, bone_map))
        if cache is not None:
            cache[key] = (caps, tuple(notes))
    if not caps.bones:
        return res, notes
    new, before, after = resolve(skel, bone_map, res, caps, plan.scale, fps)
    b, a = float(np.mean(before > 0)), float(np.mean(after > 0))
    if b > 0:
        notes.append(f"body: hands/forearms kept out of {armature.name!r}'s body "
                     f"({100 * b:.1f}% of frames touched it, {100 * a:.1f}% after)")
    log.info("self-collision on %s: %.2f%% -> %.2f%% of frames", armature.name, 100 * b, 100 * a)
    return new, notes
