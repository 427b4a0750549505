"""Arm interpenetration on real characters, measured on the evaluated mesh, before and after the push-out.

Usage (from the repository root; needs the ``bpy`` module of the venv)::

    .venv/bin/python -m tools.eval.collision [--json out.json] [--real] [--step 1] [--render docs/images]

For RobotExpressive, the KayKit mannequin and our demo character, two motions are retargeted with the
same code as the add-on (:func:`rigs.retarget.retarget`): our procedural body on the held-out half of
the BEAT2 take's audio (32-64 s, seed 0; ``--part tune``: the tuning half, 0-32 s, on which the
solver's constants were tuned) and, with ``--real``, the real BEAT2 capture (64 s). Each is
measured before and after :func:`rigs.body_collision.resolve` (the push-out the add-on runs, on
proxies fitted by :func:`addon.body_proxies.fit_proxies`) in two ways:

* **mesh** (the honest figure): every frame is posed on the armature and Blender evaluates the
  character's meshes (Armature modifiers, bone-parented meshes) through the depsgraph. Each vertex
  belongs to one bone (largest skin weight, or the parent bone; the same rule as the proxies) and
  so to one body part (:func:`rigs.body_contacts.body_parts`). *Obstacle*: the faces whose
  vertices all belong to the torso or the head. *Arm points*: the vertices of each side's hand,
  forearm and upper arm, except the arm's own attachment: the upper arm's vertices whose rest
  position lies in the proximal half of the bone (shoulder cap and armpit, which skinning folds
  into the torso whatever the gesture) and any arm vertex already inside the obstacle in the rest
  pose. A point is *inside* when the nearest obstacle face's normal points away from it and at
  least 4 of 6 axis-aligned rays from it first hit an obstacle face from the back (the vote keeps
  open borders and thin plates from counting); its depth is the distance to the nearest obstacle
  face (:class:`mathutils.bvhtree.BVHTree`). Reported per segment (hand, forearm, upper arm): the
  largest depth over the motion and the share of frames deeper than 1 cm, in centimetres on the
  character (armature units x the armature object's scale, Blender metres).
* **proxies** (what the solver sees): the share of frames where :func:`resolve` still finds an
  overlap past its tolerance.

Also reported: how much the push changes the arm (mean/max rotation of the upper-arm bone, degrees).
Shared data (CC0 characters, BEAT2 CC BY-NC 4.0) is read from ``../shared/data`` and never copied.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "blender"))
SHARED = ROOT.parent / "shared" / "data"
BEAT2 = SHARED / "beat2_sample" / "2_scott_0_1_1"
SEGMENTS = ("hand", "forearm", "upperarm")
#: Upper-arm vertices whose rest position projects on the proximal share of the bone are the arm's
#: attachment (shoulder cap, armpit), not a collision.
UPPERARM_FROM: float = 0.5
_RAYS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]], np.float64)


def motions(real: bool = False, part: str = "held"):
    from inference.audio import Audio, load_audio
    from inference.backends import get_body_backend
    from inference.options import GenerateOptions

    audio = load_audio(BEAT2.with_suffix(".wav"))
    sr = audio.sample_rate_hz
    cut = audio.samples[32 * sr:] if part == "held" else audio.samples[:32 * sr]
    ours = get_body_backend("procedural").run(Audio(cut, sr, sr, part), GenerateOptions(seed=0))
    out = {f"ours, {'held-out' if part == 'held' else 'tuning'} audio (32 s)": (ours.poses, ours.transl, ours.fps)}
    if real:
        z = np.load(BEAT2.with_suffix(".npz"))
        out["BEAT2 real (64 s)"] = (z["poses"].reshape(-1, 55, 3).astype(np.float32), z["trans"].astype(np.float32), 30.0)
    return out


class MeshProbe:
    """The character's evaluated meshes, split into arm points and torso/head obstacle faces."""

    def __init__(self, armature, skel, bone_map):
        import bpy

        from speech_animator.addon.body_proxies import meshes_of, vertex_owners
        from speech_animator.rigs.body_contacts import body_parts

        self.arm = armature
        part_of = dict(zip(skel.names, body_parts(skel.names, skel.parents, bone_map)))
        names = {b.name for b in armature.data.bones}
        self.meshes = [ob for ob, _ in meshes_of(armature)]
        keep = armature.data.pose_position
        armature.data.pose_position = 'REST'
        bpy.context.view_layer.update()
        try:
            rest = self.coords()
        finally:
            armature.data.pose_position = keep
            bpy.context.view_layer.update()
        owner, faces, off = [], [], 0
        for ob, skinned in meshes_of(armature):
            sorted_names = sorted(names)
            _, own_i = vertex_owners(ob, skinned, {n: k for k, n in enumerate(sorted_names)})
            own = [sorted_names[k] if k >= 0 else None for k in own_i]
            owner += own
            faces += [[off + i for i in p.vertices] for p in ob.data.polygons]
            off += len(own)
        parts = [part_of.get(o, ("", "")) if o else ("", "") for o in owner]
        obst_v = np.array([p[0] in ("torso", "head") for p in parts])
        self.faces = [f for f in faces if obst_v[f].all()]
        used = np.unique(np.concatenate([np.asarray(f) for f in self.faces])) if self.faces else np.zeros(0, int)
        self.obst_idx = used
        remap = np.full(len(owner), -1)
        remap[used] = np.arange(used.size)
        self.obst_faces = [[int(remap[i]) for i in f] for f in self.faces]
        inv_arm = np.linalg.inv(np.array(armature.matrix_world, np.float64))
        self.points = {}
        for side in ("L", "R"):
            for seg in SEGMENTS:
                idx = np.array([i for i, p in enumerate(parts) if p == (seg, side)], int)
                if seg == "upperarm" and idx.size:
                    b = armature.data.bones[owner[idx[0]]]
                    head = np.array(b.head_local)
                    axis = np.array(b.tail_local) - head
                    t = (rest[idx] - head) @ axis / max(float(axis @ axis), 1e-12)
                    idx = idx[t >= UPPERARM_FROM]
                if idx.size:
                    inside, _ = self.depths(rest, idx)
                    idx = idx[~inside]
                self.points[(side, seg)] = idx
        self.inv_arm = inv_arm

    def coords(self) -> np.ndarray:
        """``(V, 3)`` evaluated vertex positions of every mesh, armature space."""
        import bpy

        dg = bpy.context.evaluated_depsgraph_get()
        inv = np.linalg.inv(np.array(self.arm.matrix_world, np.float64))
        out = []
        for ob in self.meshes:
            ev = ob.evaluated_get(dg)
            me = ev.data
            co = np.empty(len(me.vertices) * 3, np.float64)
            me.vertices.foreach_get("co", co)
            m = inv @ np.array(ev.matrix_world, np.float64)
            out.append(co.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3])
        return np.concatenate(out)

    def depths(self, co: np.ndarray, idx: np.ndarray):
        """``(inside (N,) bool, depth (N,) armature units)`` of vertices ``idx`` of ``co``."""
        from mathutils import Vector
        from mathutils.bvhtree import BVHTree

        inside = np.zeros(idx.size, bool)
        depth = np.zeros(idx.size)
        if not self.faces or not idx.size:
            return inside, depth
        tree = BVHTree.FromPolygons([tuple(v) for v in co[self.obst_idx]], self.obst_faces)
        rays = [Vector(r) for r in _RAYS]
        for k, p in enumerate(co[idx]):
            v = Vector(p)
            loc, nrm, _, dist = tree.find_nearest(v)
            if loc is None or (v - loc).dot(nrm) >= 0:
                continue
            back = 0
            for r in rays:
                hit, n, _, _ = tree.ray_cast(v, r)
                back += hit is not None and n.dot(r) > 0
            if back >= 4:
                inside[k], depth[k] = True, dist
        return inside, depth

    def posed(self, res, frames):
        """Yield each frame of ``frames`` after posing ``res`` on the armature (evaluated);
        restores the armature's pose when done."""
        import bpy

        pbs = [self.arm.pose.bones[n] for n in res.bone_names]
        saved = [(pb.rotation_mode, tuple(pb.rotation_quaternion), tuple(pb.location)) for pb in pbs]
        root = self.arm.pose.bones[res.root_bone] if res.root_bone and res.root_location is not None else None
        root_loc = tuple(root.location) if root else None
        try:
            for pb in pbs:
                pb.rotation_mode = 'QUATERNION'
            for t in frames:
                for k, pb in enumerate(pbs):
                    pb.rotation_quaternion = res.quats[t, k]
                if root:
                    root.location = res.root_location[t]
                bpy.context.view_layer.update()
                yield t
        finally:
            for pb, (mode, q, loc) in zip(pbs, saved):
                pb.rotation_mode, pb.rotation_quaternion, pb.location = mode, q, loc
            if root:
                root.location = root_loc
            bpy.context.view_layer.update()

    def measure(self, res, step: int = 1) -> dict:
        """Pose every ``step``-th frame of ``res`` and return ``{(side, segment): (T',) depth}``
        (armature units, 0 outside); restores the armature's pose afterwards."""
        frames = range(0, res.quats.shape[0], step)
        out = {key: np.zeros(len(frames)) for key in self.points}
        for j, _ in enumerate(self.posed(res, frames)):
            co = self.coords()
            for key, idx in self.points.items():
                _, d = self.depths(co, idx)
                out[key][j] = d.max() if d.size else 0.0
        return out


def render_shots(probe, plan, shots, path: Path, samples: int = 8) -> None:
    """Cycles renders (CPU, front view) of ``shots`` = ``[(label, result, frame)]`` side by side,
    saved as a small PNG at ``path``."""
    import tempfile

    import bpy
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt
    from mathutils import Vector

    from tools.images.figures import save_small

    scene = bpy.context.scene
    m = np.array(probe.arm.matrix_world, np.float64)
    co = probe.coords() @ m[:3, :3].T + m[:3, 3]
    lo, hi = co.min(axis=0), co.max(axis=0)
    centre, height = 0.5 * (lo + hi), float(hi[2] - lo[2])
    cam = bpy.data.objects.new("CollideCam", bpy.data.cameras.new("CollideCam"))
    scene.collection.objects.link(cam)
    eye = Vector(centre + plan.frame[:, 2] * 1.9 * height + np.array([0.0, 0.0, 0.15 * height]))
    cam.location = eye
    cam.rotation_euler = (Vector(centre) - eye).to_track_quat("-Z", "Y").to_euler()
    scene.camera = cam
    sun = bpy.data.objects.new("CollideSun", bpy.data.lights.new("CollideSun", "SUN"))
    sun.data.energy = 3.0
    sun.rotation_euler = (0.8, 0.0, 0.5)
    scene.collection.objects.link(sun)
    scene.world = scene.world or bpy.data.worlds.new("CollideWorld")
    scene.render.engine = "CYCLES"
    scene.cycles.samples = samples
    scene.render.resolution_x, scene.render.resolution_y = 260, 300
    images = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (_, res, frame) in enumerate(shots):
            for _ in probe.posed(res, [frame]):
                scene.render.filepath = str(Path(tmp) / f"{i}.png")
                bpy.ops.render.render(write_still=True)
            images.append(mpimg.imread(str(Path(tmp) / f"{i}.png")))
    fig, axes = plt.subplots(1, len(shots), figsize=(2.2 * len(shots), 2.9), dpi=100)
    for ax, img, (label, _, _) in zip(np.atleast_1d(axes), images, shots):
        ax.imshow(img)
        ax.axis("off")
        ax.set_title(label, fontsize=7)
    fig.tight_layout(pad=0.3)
    save_small(fig, path)
    plt.close(fig)


def mesh_summary(depths: dict, metres_per_unit: float) -> dict:
    """Per segment (both sides): max depth (cm on the character) and share of frames deeper than 1 cm (%)."""
    out = {}
    for seg in SEGMENTS:
        d = np.maximum(depths[("L", seg)], depths[("R", seg)]) * metres_per_unit
        out[seg] = {"max cm": round(100 * float(d.max()), 2), "> 1 cm %": round(100 * float(np.mean(d > 0.01)), 1)}
    worst = np.max([depths[k] for k in depths], axis=0) * metres_per_unit
    out["any"] = {"max cm": round(100 * float(worst.max()), 2), "> 1 cm %": round(100 * float(np.mean(worst > 0.01)), 1),
                  "worst frame": int(np.argmax(worst))}
    return out


def evaluate(kinds=("robot", "kaykit", "demo"), extra: dict | None = None, real: bool = False, step: int = 1,
             part: str = "held", render: Path | None = None) -> dict:
    """``{character: {motion: metrics}}``; ``extra`` adds ``{name: (poses, transl, fps)}`` motions.
    ``render``: a folder where each character's worst frame of our motion before the push-out is
    rendered without and with it, and the worst frame after it, as ``collision_<kind>.png``."""
    from tools.bake import load_extension

    load_extension(register=False)
    import rigs_fixtures as rf
    from speech_animator.addon.body_proxies import fit_proxies
    from speech_animator.addon.targets_body import deform_positions, resolve_bone_map, skeleton_of
    from speech_animator.rigs.body_collision import hull_bones, resolve
    from speech_animator.rigs.retarget import plan_retarget, retarget
    from speech_animator.rigs.rotations import quat_conj, quat_mul, quat_to_axis_angle

    mot = motions(real, part)
    mot.update(extra or {})
    out = {}
    for kind in kinds:
        arm = rf.load_rig(kind, SHARED / "characters")
        skel = skeleton_of(arm)
        bmap, _ = resolve_bone_map(arm, None, skel)
        plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
        caps = fit_proxies(arm, hulls_for=hull_bones(skel.names, skel.parents, bmap))
        probe = MeshProbe(arm, skel, bmap)
        m_per_unit = float(np.cbrt(abs(np.linalg.det(np.array(arm.matrix_world)[:3, :3]))))   # world metres
        row = {"capsules": len(caps.bones), "arm points": {f"{s} {g}": int(v.size) for (s, g), v in probe.points.items()}}
        for name, (poses, transl, fps) in mot.items():
            res = retarget(plan, poses, transl)
            t0 = time.perf_counter()
            new, before, after = resolve(skel, bmap, res, caps, plan.scale, fps)
            solve_s = time.perf_counter() - t0
            sh = [list(res.bone_names).index(bmap[f"{s}_shoulder"]) for s in ("left", "right")]
            d = quat_mul(np.asarray(new.quats, np.float64)[:, sh], quat_conj(np.asarray(res.quats, np.float64)[:, sh]))
            ang = np.degrees(np.linalg.norm(quat_to_axis_angle(d), axis=-1))
            row[name] = {"mesh before": mesh_summary(probe.measure(res, step), m_per_unit),
                         "mesh after": mesh_summary(probe.measure(new, step), m_per_unit),
                         "proxies before %": round(100 * float(np.mean(before > 0)), 1),
                         "proxies after %": round(100 * float(np.mean(after > 0)), 1),
                         "upper-arm change mean deg": round(float(ang.mean()), 1), "max deg": round(float(ang.max()), 1),
                         "push-out s": round(solve_s, 3), "frames": int(res.quats.shape[0]), "step": step}
            if render is not None and name.startswith("ours"):
                f, g = (step * row[name][k]["any"]["worst frame"] for k in ("mesh before", "mesh after"))
                render_shots(probe, plan, [(f"no push-out, frame {f}", res, f), (f"push-out, frame {f}", new, f),
                                           (f"push-out, frame {g} (its worst)", new, g)],
                             Path(render) / f"collision_{kind}.png")
                row[name]["render"] = f"collision_{kind}.png: frame {f} (deepest before the push) and {g} (after)"
        out[kind] = row
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", default="")
    ap.add_argument("--real", action="store_true", help="also measure the real BEAT2 capture (64 s)")
    ap.add_argument("--part", choices=("held", "tune"), default="held",
                    help="our motion from the held-out (32-64 s, reported) or the tuning half (0-32 s) of the audio")
    ap.add_argument("--step", type=int, default=1, help="measure the mesh on every STEP-th frame")
    ap.add_argument("--render", default="", help="folder for before/after renders of each character's worst frame")
    ap.add_argument("--kind", action="append", default=[], help="robot, kaykit, demo (default: all three)")
    ap.add_argument("--motion", action="append", default=[], metavar="NAME=FILE.npz",
                    help="extra motion to measure (npz with poses (T,55,3), transl (T,3), fps), e.g. an "
                         "older version's output")
    args = ap.parse_args(argv)
    if not BEAT2.with_suffix(".npz").exists() or not (SHARED / "characters").exists():
        print(f"shared data not found under {SHARED}")
        return 1
    extra = {}
    for spec in args.motion:
        name, _, path = spec.partition("=")
        z = np.load(path)
        extra[name] = (z["poses"].astype(np.float32), z["transl"].astype(np.float32), float(z["fps"]))
    res = evaluate(tuple(args.kind) or ("robot", "kaykit", "demo"), extra=extra, real=args.real, step=max(1, args.step),
                   part=args.part, render=Path(args.render) if args.render else None)
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
