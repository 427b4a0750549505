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
body = max((ob for ob, skinned in bp._meshes_of(arm) if skinned), key=lambda ob: len(ob.vertex_groups))
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
