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

import hashlib
import logging

import numpy as np

from ..rigs.body_collision import Capsules, fit_capsule, fit_hull, hull_bones, resolve
from . import mesh_watch

log = logging.getLogger(__name__)

#: Bones with fewer vertices than this get no capsule.
MIN_VERTICES = 8
#: Fitted proxies kept (:func:`fit_proxies`), one per distinct vertex set and hull choice: a
#: few characters, each with and without hulls.
FIT_CACHE_SIZE = 8
_FIT_CACHE: dict = {}
#: ``{armature pointer: (key, points)}``: the last :func:`bone_points` of each armature.
_POINTS_CACHE: dict = {}


def meshes_of(armature):
    """``[(mesh object, skinned)]``: the meshes ``armature`` deforms (Armature modifier: ``skinned``
    True) or carries (bone-parented: False)."""
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


def vertex_owners(ob, skinned: bool, code: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(coords (N, 3) float64 object space, owner (N,) int64)``: each vertex's bone as its index
    in ``code`` (``{bone name: index}``), -1 for none.

    The one per-vertex Python read of the proxies: Blender has no bulk access to vertex-group
    weights (``MeshVertex.groups`` is a collection per vertex), so one comprehension reads every
    ``(vertex, group, weight)`` and numpy picks each vertex's bone: the largest positive weight
    of a group named like a bone, the first listed on a tie; else the parent bone of a
    bone-parented mesh."""
    me = ob.data
    n = len(me.vertices)
    co = np.empty(n * 3, np.float64)
    me.vertices.foreach_get("co", co)
    co = co.reshape(n, 3)
    if not skinned:
        return co, np.full(n, code.get(ob.parent_bone, -1), np.int64)
    group_code = np.full(max((g.index for g in ob.vertex_groups), default=-1) + 2, -1, np.int64)
    for g in ob.vertex_groups:
        group_code[g.index] = code.get(g.name, -1)
    fallback = code.get(ob.parent_bone, -1) if ob.parent_type == 'BONE' else -1
    owner = np.full(n, fallback, np.int64)
    # one flat read of every (vertex, group, weight); the owner is then found with numpy
    flat = np.array([(i, g.group, g.weight) for i, v in enumerate(me.vertices) for g in v.groups],
                    np.float64).reshape(-1, 3)
    vert, group, weight = flat[:, 0].astype(np.int64), flat[:, 1].astype(np.int64), flat[:, 2]
    bone = group_code[np.clip(group, -1, group_code.shape[0] - 1)]   # a stale group index: no bone
    keep = (bone >= 0) & (weight > 0.0)
    vert, bone, weight = vert[keep], bone[keep], weight[keep]
    # per vertex the largest weight, the first listed on a tie (as a strict ``>`` scan picks)
    order = np.lexsort((np.arange(vert.shape[0]), -weight, vert))
    first = np.ones(order.shape[0], bool)
    first[1:] = vert[order][1:] != vert[order][:-1]
    owner[vert[order][first]] = bone[order][first]
    return co, owner


def bone_points(armature) -> dict:
    """Rest-pose vertices per bone of ``armature``, each in its bone's ``matrix_local`` frame.

    Returns:
        ``{bone name: (N, 3) float64}`` (armature units) for every bone that owns at least
        :data:`MIN_VERTICES` vertices (see the module docstring for which vertices a bone owns);
        empty when the armature deforms no mesh. Bones are in the order they are first met (meshes
        in ``bpy.data.objects`` order, bones by name within a mesh); points in vertex order. The
        arrays are read-only: while the add-on is registered the last result per armature is
        returned again as long as nothing it was read from changed (:func:`_points_key`).
    """
    import bpy

    bones = armature.data.bones
    names = sorted(b.name for b in bones)
    code = {name: k for k, name in enumerate(names)}
    keep = armature.data.pose_position
    armature.data.pose_position = 'REST'
    bpy.context.view_layer.update()
    try:
        meshes = meshes_of(armature)
        key = _points_key(armature, meshes)
        cached = _POINTS_CACHE.get(armature.as_pointer())
        if key is not None and cached is not None and cached[0] == key:
            return dict(cached[1])
        arm_inv = np.linalg.inv(np.array(armature.matrix_world, np.float64))
        pts: dict[str, list] = {}
        for ob, skinned in meshes:
            co, owner = vertex_owners(ob, skinned, code)
            m = arm_inv @ np.array(ob.matrix_world, np.float64)
            arm_co = co @ m[:3, :3].T + m[:3, 3]
            valid = owner >= 0
            order = np.argsort(owner[valid], kind="stable")
            sorted_codes = owner[valid][order]
            sorted_co = arm_co[valid][order]
            here, starts = np.unique(sorted_codes, return_index=True)
            bounds = list(starts) + [sorted_codes.shape[0]]
            for j, k in enumerate(here):   # codes follow sorted names: bones by name, as before
                pts.setdefault(names[int(k)], []).append(sorted_co[bounds[j]:bounds[j + 1]])
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
        out[name].setflags(write=False)
    if key is not None:
        _POINTS_CACHE[armature.as_pointer()] = (key, out)
    return dict(out)


def _points_key(armature, meshes) -> tuple | None:
    """What :func:`bone_points` reads, in a form that is cheap to compare (read at rest pose,
    after ``view_layer.update()``): the armature's bones (names, rest matrices) and placement; per
    mesh its object, data, parenting, placement, vertex positions (one bulk read, hashed) and
    vertex-group names; the skin weights by :func:`addon.mesh_watch.token` (Blender's reports of
    each mesh's edits). ``None`` (do not cache) when edits are not being counted or a mesh is
    outside the view layer."""
    import bpy

    tok = mesh_watch.token([ob.data for ob, _ in meshes])
    if tok is None or not mesh_watch.in_view_layer([armature] + [ob for ob, _ in meshes], bpy.context.view_layer):
        return None
    h = hashlib.blake2b(digest_size=16)
    bones = armature.data.bones
    rest = np.empty(16 * len(bones), np.float32)
    bones.foreach_get("matrix_local", rest)
    h.update("\n".join(b.name for b in bones).encode())
    h.update(rest)
    h.update(np.ascontiguousarray(np.array(armature.matrix_world, np.float64)))
    for ob, skinned in meshes:
        me = ob.data
        h.update(f"{ob.name}\n{me.name}\n{skinned}\n{ob.parent_type}\n{ob.parent_bone}\n".encode())
        h.update(np.ascontiguousarray(np.array(ob.matrix_world, np.float64)))
        co = np.empty(3 * len(me.vertices), np.float32)
        me.vertices.foreach_get("co", co)
        h.update(co)
        h.update("\n".join(f"{g.index}:{g.name}" for g in ob.vertex_groups).encode())
    return tok, tuple(ob.as_pointer() for ob, _ in meshes), h.hexdigest()


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

    The fit is cached on an exact fingerprint of what it is fitted to: every bone's rest-frame
    points as :func:`bone_points` reads them again on each call (so a moved vertex, a changed
    weight, a new mesh or a moved bone gives new points and a new fit), ``hulls_for`` and the
    armature's name; the same
    points, bit for bit, return the same :class:`Capsules` object, whose arrays are read-only,
    and the same ``notes`` lines again.

    Returns:
        :class:`rigs.body_collision.Capsules` in bone rest frames (armature units); empty when the
        armature deforms no mesh.
    """
    points = bone_points(armature)
    key = (armature.name,) + _fingerprint(points, hulls_for)   # the name is in the notes
    hit = _FIT_CACHE.get(key)
    if hit is None:
        hit = _fit(armature.name, points, hulls_for)
        if len(_FIT_CACHE) >= FIT_CACHE_SIZE:
            _FIT_CACHE.pop(next(iter(_FIT_CACHE)))
        _FIT_CACHE[key] = hit
    caps, lines = hit
    for line in lines:
        log.warning("%s", line)
    if notes is not None:
        notes.extend(lines)
    return caps


def clear_cache() -> None:
    """Forget every fit :func:`fit_proxies` cached and the points :func:`bone_points` cached (the
    next call reads and fits again)."""
    _FIT_CACHE.clear()
    _POINTS_CACHE.clear()


def _fingerprint(points: dict, hulls_for) -> tuple:
    """``(BLAKE2b-128 hex of every bone's name and float64 points in order, hull bones)``."""
    h = hashlib.blake2b(digest_size=16)
    for name, p in points.items():
        h.update(name.encode())
        h.update(np.int64(p.shape[0]).tobytes())
        h.update(np.ascontiguousarray(p, np.float64))
    return h.hexdigest(), None if hulls_for is None else frozenset(hulls_for)


def _fit(armature_name: str, points: dict, hulls_for) -> tuple:
    """``(Capsules with read-only arrays, note lines)`` fitted to ``points`` (see :func:`fit_proxies`)."""
    out_b, out_a, out_e, out_r, out_h, out_reach = [], [], [], [], [], []
    capsule_only, skipped = [], []
    for name, local in points.items():
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
        lines.append(f"body: {armature_name!r}: no collision hull for {len(capsule_only)} bone(s), their "
                     f"capsules are used alone: {', '.join(capsule_only)}")
    if skipped:
        lines.append(f"body: {armature_name!r}: no collision proxy for {len(skipped)} bone(s): {', '.join(skipped)}")
    z = np.zeros((0, 3))
    caps = Capsules(tuple(out_b), np.array(out_a) if out_a else z, np.array(out_e) if out_e else z,
                    np.array(out_r, np.float64), tuple(out_h), np.array(out_reach, np.float64))
    for arr in (caps.a, caps.b, caps.radius, caps.reach):
        arr.setflags(write=False)
    return caps, tuple(lines)


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
