"""Collision-hull fitting time: the numpy hull (:func:`rigs.body_collision.fit_hull`, what the add-on
runs) against scipy's Qhull (the former implementation, dev venv only) on the real bone vertex sets
of the shared characters (KayKit mannequin, RobotExpressive, our demo character).

    .venv/bin/python -m benchmarks.bench_hull [--repeats 3]

Needs the ``bpy`` module (the vertex sets come from :func:`addon.body_proxies.bone_points`) and
``../shared/data/characters`` for the third-party rigs (skipped when absent). Prints one
``RESULT:<json>`` line: per character the bone count and the best-of-``repeats`` total seconds of
both hulls over all its bones (each on the same seeded subset of at most
:data:`rigs.body_collision.HULL_MAX_POINTS` vertices, numpy uncached), the facet counts, and
``fit_hull_cached_s``: the add-on's call again for the same character (its hull cache).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from .measure import timed

ROOT = Path(__file__).resolve().parents[1]
CHARS = Path(os.environ.get("SPEECHANIM_SHARED_DATA", ROOT.parent / "shared" / "data")) / "characters"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "tests" / "blender"))
    from scipy.spatial import ConvexHull

    from tools.bake import load_extension

    load_extension(register=False)
    import rigs_fixtures as rf

    from speech_animator.addon.body_proxies import bone_points
    from speech_animator.rigs import body_collision as bc
    from speech_animator.rigs.convex_hull import convex_hull_planes

    out = {}
    for kind in ("demo", "robot", "kaykit"):
        if kind != "demo" and not CHARS.exists():
            continue
        sets = list(bone_points(rf.load_rig(kind, CHARS)).values())
        subsets = [p[np.random.default_rng(0).choice(p.shape[0], bc.HULL_MAX_POINTS, replace=False)]
                   if p.shape[0] > bc.HULL_MAX_POINTS else p for p in sets]
        t_np, hulls = timed(lambda: [convex_hull_planes(p) for p in subsets], args.repeats)
        t_qh, ref = timed(lambda: [ConvexHull(p).equations for p in subsets], args.repeats)
        [bc.fit_hull(p) for p in sets]
        t_cached, _ = timed(lambda: [bc.fit_hull(p) for p in sets], args.repeats)
        out[kind] = {"bones": len(sets), "points": int(sum(p.shape[0] for p in subsets)),
                     "numpy_s": round(t_np, 4), "qhull_s": round(t_qh, 4),
                     "numpy_ms_per_bone": round(1e3 * t_np / len(sets), 2),
                     "fit_hull_cached_s": round(t_cached, 4),
                     "facets_numpy": int(sum(h.shape[0] for h in hulls)),
                     "facets_qhull": int(sum(h.shape[0] for h in ref))}
    print("RESULT:" + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
