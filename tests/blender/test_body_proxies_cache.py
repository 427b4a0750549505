"""The fitted collision proxies are cached on the exact vertex sets they are fitted to
(addon/body_proxies.py): a second Generate on an unchanged character fits nothing again, and a
moved vertex or a changed skin weight gives a new fit equal to one made from scratch."""

from conftest import run_bpy


def test_fit_cache_hits_when_unchanged_and_refits_on_a_vertex_move_or_weight_edit():
    res, _ = run_bpy("""
import numpy as np
from tools.bake import load_extension
load_extension(register=False)
import rigs_fixtures as rf
from speech_animator.addon import body_proxies as bp

def same(a, b):
    return (a.bones == b.bones and all(np.array_equal(x, y) for x, y in
            ((a.a, b.a), (a.b, b.b), (a.radius, b.radius), (a.reach, b.reach)))
            and all((h is None and g is None) or np.array_equal(h, g) for h, g in zip(a.hulls, b.hulls)))

def fresh(arm):
    bp.clear_cache()
    return bp.fit_proxies(arm)

arm = rf.load_rig("demo")
body = max((ob for ob, skinned in bp.meshes_of(arm) if skinned), key=lambda ob: len(ob.vertex_groups))
c1 = bp.fit_proxies(arm)
c2 = bp.fit_proxies(arm)
out = {"hit": c2 is c1, "read_only": not c1.a.flags.writeable and not c1.reach.flags.writeable}

# move the vertex farthest from its bone's capsule centre: that bone's reach must change
bone = c1.bones[0]
k = c1.bones.index(bone)
groups = {g.index: g.name for g in body.vertex_groups}
owned = [v.index for v in body.data.vertices if v.groups and max(v.groups, key=lambda g: g.weight).group
         in [i for i, n in groups.items() if n == bone]]
vi = owned[0]
body.data.vertices[vi].co.x += 0.5
c3 = bp.fit_proxies(arm)
out["moved_refit"] = c3 is not c1 and not same(c3, c1)
out["moved_equals_fresh"] = same(c3, fresh(arm))
out["moved_bone_changed"] = float(c3.reach[k]) != float(c1.reach[k])

# move weight: the vertex now belongs to another bone
c4 = bp.fit_proxies(arm)
other = next(n for n in c1.bones if n != bone and n in body.vertex_groups)
body.vertex_groups[bone].add([vi], 0.2, 'REPLACE')
body.vertex_groups[other].add([vi], 0.9, 'REPLACE')
c5 = bp.fit_proxies(arm)
out["weight_refit"] = c5 is not c4 and not same(c5, c4)
out["weight_equals_fresh"] = same(c5, fresh(arm))
emit(out)
""")
    assert res["hit"] and res["read_only"], res
    assert res["moved_refit"] and res["moved_equals_fresh"] and res["moved_bone_changed"], res
    assert res["weight_refit"] and res["weight_equals_fresh"], res


def test_bone_points_cached_while_registered_and_reread_after_any_edit_blender_reports():
    res, _ = run_bpy("""
import bpy, numpy as np
from tools.bake import load_extension
load_extension(register=True)           # addon.mesh_watch counts mesh edits only while registered
import rigs_fixtures as rf
from speech_animator.addon import body_proxies as bp, mesh_watch

def cached(a, b):
    return list(a) == list(b) and all(a[k] is b[k] for k in a)

def equal_to_fresh(p):
    bp.clear_cache()
    q = bp.bone_points(arm)
    return list(p) == list(q) and all(np.array_equal(p[k], q[k]) for k in p)

arm = rf.load_rig("demo")
body = max((ob for ob, skinned in bp.meshes_of(arm) if skinned), key=lambda ob: len(ob.vertex_groups))
p1 = bp.bone_points(arm)
p2 = bp.bone_points(arm)
out = {"hit": cached(p1, p2), "read_only": not next(iter(p1.values())).flags.writeable}
pb = arm.pose.bones[0]
pb.rotation_mode = 'QUATERNION'
pb.rotation_quaternion = (0.9, 0.3, 0.0, 0.0)      # posing deforms the mesh but edits nothing read
bpy.context.view_layer.update()
p3 = bp.bone_points(arm)
out["pose_hit"] = cached(p1, p3)
names = [g.name for g in body.vertex_groups if g.name in p1]
vi = next(v.index for v in body.data.vertices if len(v.groups) == 1 and body.vertex_groups[v.groups[0].group].name in p1)
g0 = body.vertex_groups[body.data.vertices[vi].groups[0].group].name
other = next(n for n in names if n != g0)
body.vertex_groups[g0].add([vi], 0.2, 'REPLACE')           # VertexGroup.add: no update() called
body.vertex_groups[other].add([vi], 0.9, 'REPLACE')        # the vertex now belongs to the other bone
p4 = bp.bone_points(arm)
out["vg_add_reread"] = not cached(p3, p4) and p4[other].shape[0] == p3[other].shape[0] + 1
out["vg_add_fresh"] = equal_to_fresh(p4)
p5 = bp.bone_points(arm)
body.data.vertices[vi].groups[1].weight = 0.1              # VertexGroupElement.weight
p6 = bp.bone_points(arm)
out["weight_reread"] = not cached(p5, p6) and p6[g0].shape[0] == p5[g0].shape[0] + 1
co = np.empty(3 * len(body.data.vertices), np.float32)
body.data.vertices.foreach_get("co", co)
co[3 * vi] += 0.25
body.data.vertices.foreach_set("co", co)                   # bulk write, no update tag: the key's co hash
p7 = bp.bone_points(arm)
out["co_reread"] = not cached(p6, p7) and equal_to_fresh(p7)
p8 = bp.bone_points(arm)
mesh_watch.unregister()                                    # not counting: never cached
p9 = bp.bone_points(arm)
out["unregistered_no_cache"] = not cached(p8, p9) and mesh_watch.token([body.data]) is None
emit(out)
""")
    assert all(res.values()), res
