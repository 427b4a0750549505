"""rigs/convex_hull.py (numpy quickhull): planes of known solids, degenerate input, determinism,
and agreement with scipy's Qhull (the former implementation; scipy is a dev-only reference)."""

import numpy as np
import pytest

from rigs import body_collision as bc
from rigs.convex_hull import HullError, convex_hull_planes


def _max_sd(h, x):
    return (x @ h[:, :3].T + h[:, 3]).max(axis=1)


def _grid(n=6):
    return np.stack(np.meshgrid(*[np.linspace(-1, 1, n)] * 3), -1).reshape(-1, 3)


def test_box_grid_gives_its_six_planes():
    pts = _grid() * [0.15, 0.25, 0.1] + [0.0, 0.25, 0.0]      # 216 points, most coplanar/collinear
    h = convex_hull_planes(pts)
    assert h.shape == (12, 4)                                   # 6 faces, 2 triangles each
    assert np.allclose(np.linalg.norm(h[:, :3], axis=1), 1.0)
    planes = {tuple(np.round(r, 12)) for r in h}
    want = {(1.0, 0, 0, -0.15), (-1.0, 0, 0, -0.15), (0, 1.0, 0, -0.5), (0, -1.0, 0, 0.0),
            (0, 0, 1.0, -0.1), (0, 0, -1.0, -0.1)}
    assert {tuple(float(v) + 0.0 for v in r) for r in planes} == {tuple(float(v) for v in w) for w in want}
    assert _max_sd(h, pts).max() <= 1e-12                        # every point inside


def test_degenerate_sets_raise_a_clear_error():
    rng = np.random.default_rng(0)
    flat = np.c_[rng.uniform(size=(50, 2)), np.zeros(50)]
    with pytest.raises(HullError, match="one plane"):
        convex_hull_planes(flat)
    line = np.outer(rng.uniform(size=20), [1.0, 2.0, 3.0])
    with pytest.raises(HullError, match="one line"):
        convex_hull_planes(line)
    with pytest.raises(HullError, match="same point"):
        convex_hull_planes(np.ones((10, 3)))
    with pytest.raises(HullError, match=r"points: expected \(N >= 4, 3\)"):
        convex_hull_planes(np.zeros((3, 3)))
    bad = rng.normal(size=(10, 3))
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        convex_hull_planes(bad)
    with pytest.raises(ValueError, match="one plane"):                  # what fit_hull's caller catches
        bc.fit_hull(flat)


def _cases():
    rng = np.random.default_rng(3)
    sphere = rng.normal(size=(400, 3))
    sphere /= np.linalg.norm(sphere, axis=1, keepdims=True)
    box32 = (_grid(8) * [0.2, 0.3, 0.1]).astype(np.float32).astype(np.float64)
    box32 += rng.normal(scale=1e-8, size=box32.shape) * (np.abs(_grid(8)) == 1)   # float32-like noise
    seam = rng.normal(size=(200, 3)) * [0.1, 0.2, 0.1]
    seam[:40, 0] = rng.choice([-1, 1], 40) * 1e-18                  # a mirror seam: x = +-1e-18
    seam = np.concatenate([seam, seam[:30]])                         # duplicated seam vertices
    lattice = np.round(rng.uniform(-1, 1, (400, 3)) * 3) / 3
    thin = rng.uniform(size=(300, 3)) * [1.0, 1.0, 1e-6]
    return {"gauss": rng.normal(size=(300, 3)), "sphere": sphere, "box32": box32, "seam": seam,
            "lattice": lattice, "thin": thin}


@pytest.mark.parametrize("name", list(_cases()))
def test_same_half_spaces_as_qhull(name):
    spatial = pytest.importorskip("scipy.spatial")
    pts = _cases()[name]
    mine = convex_hull_planes(pts)
    ref = spatial.ConvexHull(pts).equations
    rng = np.random.default_rng(1)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    probes = rng.uniform(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), (5000, 3))
    for x in (pts, probes):
        dm, dr = _max_sd(mine, x), _max_sd(ref, x)
        assert np.abs(dm - dr).max() <= 1e-9
        clear = np.abs(dr) > 1e-9
        assert np.array_equal(dm[clear] <= 0, dr[clear] <= 0)
    assert np.allclose(np.linalg.norm(mine[:, :3], axis=1), 1.0)
    assert np.array_equal(mine, convex_hull_planes(pts.copy()))    # deterministic


def test_translation_and_scale_do_not_matter():
    pts = _cases()["gauss"]
    h = convex_hull_planes(pts)
    h2 = convex_hull_planes(pts * 100.0 + [5.0, -3.0, 2.0])
    x = np.random.default_rng(2).normal(size=(500, 3)) * 2
    assert np.allclose(_max_sd(h2, x * 100.0 + [5.0, -3.0, 2.0]) / 100.0, _max_sd(h, x), atol=1e-12)


def test_fit_hull_reuses_the_hull_of_the_same_vertices():
    pts = _cases()["gauss"]
    first = bc.fit_hull(pts)
    assert bc.fit_hull(pts.copy()) is first and not first.flags.writeable
    moved = pts.copy()
    moved[0] += 1e-3
    assert bc.fit_hull(moved) is not first
    assert np.array_equal(first, convex_hull_planes(pts))


def test_rotated_float32_boxes_build_a_hull():
    # float32 rounding of rotated grids leaves nominally coplanar points ~1e-7 off their plane:
    # sliver facets whose float cross products point ~1e-7 rad off (their planes are recomputed
    # exactly); none may fall back to "no hull"
    spatial = pytest.importorskip("scipy.spatial")
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(5)
    for seed in range(12):
        pts = _grid(int(rng.integers(3, 8))) * rng.uniform(0.01, 100, 3)
        pts = pts @ Rotation.random(random_state=seed).as_matrix().T + rng.normal(size=3) * 5
        pts = pts.astype(np.float32).astype(np.float64)
        scale = np.abs(pts - 0.5 * (pts.min(0) + pts.max(0))).max()
        h = convex_hull_planes(pts)
        ref = spatial.ConvexHull(pts).equations
        assert _max_sd(h, pts).max() <= 1e-12 * scale
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        probes = rng.uniform(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), (3000, 3))
        dm, dr = _max_sd(h, probes), _max_sd(ref, probes)
        assert np.abs(dm - dr).max() <= 1e-8 * scale       # near-coplanar facets: triangulated vs merged
        clear = np.abs(dr) > 1e-8 * scale
        assert np.array_equal(dm[clear] <= 0, dr[clear] <= 0)
