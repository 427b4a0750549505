"""Convex hull of a 3-D point set in numpy (incremental quickhull), as facet planes (bpy-free).

Blender ships no scipy, so the collision proxies (:func:`rigs.body_collision.fit_hull`) cannot use
Qhull. This is the incremental algorithm of Barber, Dobkin & Huhdanpaa (1996, "The Quickhull
algorithm for convex hulls", the method behind Qhull): start from a tetrahedron of extreme
points, then repeatedly add the point furthest outside the current hull, replacing the facets it
sees by a fan from the horizon to it. Facets are triangles; a flat face of the hull comes out as
several triangles in (up to rounding) one plane, as in Qhull's triangulated output
(``scipy.spatial.ConvexHull.equations``).

Robustness, as in Qhull, through a distance tolerance ``tol`` (a multiple of float64 rounding at
the point set's size, the order of Qhull's ``DISTround``): a point within ``tol`` of the hull is
not added, so near-duplicate, collinear and coplanar vertices (seams, boxy low-poly meshes) never
make needle facets whose rounded planes point anywhere; a facet next to the visible region whose
plane the new point lies on (within ``tol``) is replaced too (Qhull merges such "coplanar horizon"
facets), so no sliver facet is made nearly in another's plane. Slivers that remain (float32
vertices of rotated flat faces lie ~1e-7 off their plane) get their plane recomputed from an
exact cross product where a point lies outside it. The result is checked (closed surface of a
sphere's topology, every input point inside every plane within ``4 tol``); if a check fails the
hull is rebuilt with a 10x larger tolerance, up to :data:`TOL_FACTORS`' last.
Deterministic: no randomness, ties go to the lowest index.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

#: Tolerances tried, as multiples of ``float64 eps x max |centred coordinate|`` (Qhull's
#: roundoff estimate is of the same order: ~ eps x max |coordinate| x dimension).
TOL_FACTORS: tuple = (1e2, 1e3, 1e4)


class HullError(ValueError):
    """No 3-D convex hull: too few points, a flat or collinear set, or no robust hull."""


def convex_hull_planes(points) -> np.ndarray:
    """Facet planes of the convex hull of ``points``.

    Args:
        points: ``(N, 3)`` finite coordinates, N >= 4 (any units).

    Returns:
        ``(F, 4)`` float64: per triangular facet the outward unit normal ``n`` and offset ``o``,
        so ``n . x + o <= 0`` for points inside (the layout of ``scipy.spatial.ConvexHull.equations``).

    Raises:
        HullError (a ValueError): wrong shape, non-finite values, fewer than 4 points, all
            points (within rounding) on one plane or line, or no hull passed the checks at any
            tolerance of :data:`TOL_FACTORS`.
    """
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 4 or not np.isfinite(p).all():
        raise HullError(f"points: expected (N >= 4, 3) finite values, found shape {p.shape}")
    centre = 0.5 * (p.min(axis=0) + p.max(axis=0))
    q = p - centre
    scale = float(np.abs(q).max())
    if scale == 0.0:
        raise HullError("points: all points are the same point")
    reason = ""
    for factor in TOL_FACTORS:
        tol = factor * np.finfo(np.float64).eps * scale
        try:
            faces, planes = _Hull(q, tol).run()
            _repair_slivers(q, faces, planes, 4 * tol)
            _check(q, faces, planes, 4 * tol)
        except _Retry as exc:
            reason = str(exc)
            continue
        out = planes.copy()
        out[:, 3] -= out[:, :3] @ centre          # back from centred coordinates
        return out
    raise HullError(f"points: no robust 3-D hull ({reason})")


class _Retry(Exception):
    """A numerical failure at one tolerance (a larger one may succeed)."""


def _plane(a, b, c) -> list:
    """Unit-normal plane ``[nx, ny, nz, o]`` of the triangle ``a, b, c`` (3-sequences of floats,
    counter-clockwise seen from outside). Plain floats: faster than numpy for one triangle."""
    u0, u1, u2 = b[0] - a[0], b[1] - a[1], b[2] - a[2]
    v0, v1, v2 = c[0] - a[0], c[1] - a[1], c[2] - a[2]
    n0, n1, n2 = u1 * v2 - u2 * v1, u2 * v0 - u0 * v2, u0 * v1 - u1 * v0
    length = math.sqrt(n0 * n0 + n1 * n1 + n2 * n2)
    if not length > 0.0:
        raise _Retry("a facet with no area")
    n0, n1, n2 = n0 / length, n1 / length, n2 / length
    return [n0, n1, n2, -(n0 * (a[0] + b[0] + c[0]) + n1 * (a[1] + b[1] + c[1]) + n2 * (a[2] + b[2] + c[2])) / 3.0]


class _Hull:
    def __init__(self, q: np.ndarray, tol: float):
        self.q, self.tol = q, tol
        self.ql = q.tolist()
        self.faces: list = []              # (a, b, c) per facet ever made
        self.planes = np.zeros((max(64, 8 * q.shape[0]), 4))
        self.alive = np.zeros(self.planes.shape[0], bool)
        self.edge_face: dict = {}          # directed edge -> live facet holding it

    def add_faces(self, tris: list) -> None:
        f0, k = len(self.faces), len(tris)
        while f0 + k > self.planes.shape[0]:
            self.planes = np.concatenate([self.planes, np.zeros_like(self.planes)])
            self.alive = np.concatenate([self.alive, np.zeros_like(self.alive)])
        self.planes[f0:f0 + k] = [_plane(self.ql[a], self.ql[b], self.ql[c]) for a, b, c in tris]
        self.alive[f0:f0 + k] = True
        for f, (a, b, c) in enumerate(tris, f0):
            self.faces.append((a, b, c))
            for e in ((a, b), (b, c), (c, a)):
                if e in self.edge_face:
                    raise _Retry("an edge shared by three facets")
                self.edge_face[e] = f

    def assign(self, pts: np.ndarray) -> None:
        """Give each point of ``pts`` to the live facet it is furthest above (by more than
        ``tol``), or to none (-1): it is inside the hull within ``tol``."""
        live = np.flatnonzero(self.alive[:len(self.faces)])
        d = self.q[pts] @ self.planes[live, :3].T + self.planes[live, 3]
        k = d.argmax(axis=1)
        best = d[np.arange(pts.size), k]
        hit = best > self.tol
        self.owner[pts] = np.where(hit, live[k], -1)
        self.dist[pts] = np.where(hit, best, -np.inf)

    def run(self):
        n = self.q.shape[0]
        simplex = self.initial_simplex()
        self.owner = np.full(n, -1, np.int64)
        self.dist = np.full(n, -np.inf)
        self.assign(np.setdiff1d(np.arange(n), simplex))
        while True:
            # points outside the hull have a finite distance, all others -inf (assign): the first
            # furthest one, as over the outside points alone
            i = int(self.dist.argmax())
            if self.owner[i] < 0:
                break
            self.add_point(i)
        idx = np.flatnonzero(self.alive[:len(self.faces)])
        return np.asarray(self.faces, np.int64)[idx], self.planes[idx].copy()

    def initial_simplex(self) -> list:
        q, tol = self.q, self.tol
        ext = np.unique(np.concatenate([q.argmin(axis=0), q.argmax(axis=0)]))
        d = np.linalg.norm(q[ext][:, None] - q[ext][None], axis=2)
        i, j = np.unravel_index(int(d.argmax()), d.shape)
        i0, i1 = int(ext[i]), int(ext[j])
        u = (q[i1] - q[i0]) / np.linalg.norm(q[i1] - q[i0])
        v = q - q[i0]
        off_line = np.linalg.norm(v - (v @ u)[:, None] * u, axis=1)
        i2 = int(off_line.argmax())
        if off_line[i2] <= tol:
            raise HullError("points: all points lie on one line (no 3-D hull)")
        nrm = np.cross(u, q[i2] - q[i0])
        off_plane = v @ (nrm / np.linalg.norm(nrm))
        i3 = int(np.abs(off_plane).argmax())
        if abs(off_plane[i3]) <= tol:
            raise HullError("points: all points lie on one plane (no 3-D hull: a flat mesh part)")
        if off_plane[i3] > 0:          # the base (i0, i1, i2) must face away from the apex
            i1, i2 = i2, i1
        self.add_faces([(i0, i1, i2), (i0, i3, i1), (i1, i3, i2), (i2, i3, i0)])
        return [i0, i1, i2, i3]

    def add_point(self, i: int) -> None:
        faces, edge_face, tol = self.faces, self.edge_face, self.tol
        nf = len(faces)
        d_all = (self.planes[:nf, :3] @ self.q[i] + self.planes[:nf, 3]).tolist()
        start = int(self.owner[i])
        visible, stack = {start}, [start]
        while stack:    # facets that see point i, and those it lies on (within tol) next to them
            a, b, c = faces[stack.pop()]
            for e in ((b, a), (c, b), (a, c)):
                g = edge_face[e]
                if g not in visible and d_all[g] > -tol:
                    visible.add(g)
                    stack.append(g)
        horizon = []
        for f in sorted(visible):
            a, b, c = faces[f]
            for e in ((a, b), (b, c), (c, a)):
                if edge_face[(e[1], e[0])] not in visible:
                    horizon.append(e)
        nxt = dict(horizon)
        if len(nxt) != len(horizon) or set(nxt.values()) != set(nxt):
            raise _Retry("the visible region is not a disk")
        v, steps = nxt[horizon[0][0]], 1
        while v != horizon[0][0]:
            v, steps = nxt[v], steps + 1
        if steps != len(horizon):
            raise _Retry("the horizon is not one loop")
        for f in visible:
            self.alive[f] = False
            a, b, c = faces[f]
            for e in ((a, b), (b, c), (c, a)):
                del edge_face[e]
        self.add_faces([(a, b, i) for a, b in horizon])
        self.owner[i], self.dist[i] = -1, -np.inf
        gone = np.zeros(len(faces) + 1, bool)     # index -1 (no facet) reads the last, False
        gone[list(visible)] = True
        moved = np.flatnonzero(gone[self.owner])
        if moved.size:
            # against every live facet, not only the new ones: a point dropped here is inside
            # the whole hull (within tol), so it stays inside every later, larger one
            self.assign(moved)


def _exact_plane(a, b, c) -> list:
    """:func:`_plane` with the normal from an exact cross product (rational arithmetic), rounded
    once: a sliver triangle's float cross product loses ~``eps / sin(angle)`` of its direction."""
    fa, fb, fc = ([Fraction(float(v)) for v in x] for x in (a, b, c))
    u = [fb[k] - fa[k] for k in range(3)]
    v = [fc[k] - fa[k] for k in range(3)]
    n = [float(u[1] * v[2] - u[2] * v[1]), float(u[2] * v[0] - u[0] * v[2]), float(u[0] * v[1] - u[1] * v[0])]
    big = max(abs(x) for x in n)
    if big == 0.0 or not math.isfinite(big):
        raise _Retry("a facet with no area")
    n = [x / big for x in n]
    length = math.sqrt(sum(x * x for x in n))
    n = [x / length for x in n]
    return n + [-sum(n[k] * (float(a[k]) + float(b[k]) + float(c[k])) for k in range(3)) / 3.0]


def _repair_slivers(q, faces, planes, tol) -> None:
    """Recompute, in place, the planes of facets that some input point lies more than ``tol``
    outside of, with an exact cross product (see :func:`_exact_plane`)."""
    bad = np.flatnonzero((q @ planes[:, :3].T + planes[:, 3]).max(axis=0) > tol)
    for f in bad.tolist():
        planes[f] = _exact_plane(*(q[i] for i in faces[f]))


def _check(q, faces, planes, tol):
    f = faces.shape[0]
    edges = {(int(a), int(b)) for a, b, c in faces for a, b in ((a, b), (b, c), (c, a))}
    if len(edges) != 3 * f or any((b, a) not in edges for a, b in edges):
        raise _Retry("the facets do not close up")
    if np.unique(faces).size - len(edges) // 2 + f != 2:
        raise _Retry("the surface is not a sphere")
    # every input point (so every facet's vertex: every edge is convex) inside every plane
    worst = float((q @ planes[:, :3].T + planes[:, 3]).max())
    if worst > tol:
        raise _Retry(f"a point {worst:.3g} outside a facet plane")
