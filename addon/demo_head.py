"""Geometry of the demo head and its 52 ARKit shape keys, in numpy (no bpy).

The head is our own procedural model: a latitude/longitude surface around a centre inside the
skull, its radius the smooth union of a cranium and a face ellipsoid, with Gaussian bumps and dents
for nose, brows, cheekbones, lips, chin, ears and eye sockets, and a mouth slit cut between two
rows. Separate parts: eyeballs (iris/pupil by material), upper/lower eyelid shells, upper/lower
teeth arcs, a tongue and a dark mouth cavity. Every ARKit shape key is a real deformation of its
region: ``jawOpen`` rotates the lower face, teeth, tongue and cavity floor about a jaw hinge;
``eyeLook*`` rotate the eyeballs; ``eyeBlink*`` rotate the lid shells over the eye; the mouth keys
move lips and mouth corners; brows, cheeks, nose and ``tongueOut`` move their regions.

Coordinates: metres, head-local, relative to the SMPL-X ``head`` joint, axes ``(x, f, z)`` with
``x`` the subject's left, ``f`` forward, ``z`` up. :func:`to_blender` maps them to Blender's
``(x, -f, z)`` (a character facing -Y). Dimensions are adult anthropometric approximations
(head length ~21 cm, crown ~12 cm above the head joint, eyes at the ``left_eye_smplhf`` /
``right_eye_smplhf`` offsets of :mod:`rigs.smplx_rest`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..rigs.arkit import ARKIT_NAMES
from ..rigs.face_coupling import JAW_OPEN_RAD  # the one ARKit -> jaw mapping (jawOpen = 1: ~20 degrees)

#: Material slots of the head mesh (index = material_index of a polygon).
MATERIALS: tuple[str, ...] = ("skin", "eye_white", "iris", "pupil", "mouth", "teeth", "tongue")
#: Per-vertex masks in [0, 1] on the skin (mesh point attributes of these names) that the skin
#: material thresholds at 0.5 per pixel, so hairline, brows and lips have smooth outlines.
SKIN_MASKS: tuple[str, ...] = ("hair", "brow", "lips")
EYE_RADIUS_M = 0.0120
EYE_CENTRES_M = {"L": np.array([0.032, 0.085, 0.030]), "R": np.array([-0.032, 0.085, 0.030])}
MOUTH_Z_M = -0.050          # height of the lip line
MOUTH_HALF_WIDTH_M = 0.024  # centre to corner
JAW_PIVOT_M = np.array([0.0, 0.0, -0.005])  # temporomandibular hinge (x ignored)
_CENTRE = np.array([0.0, 0.02, 0.0])  # centre of the lat/long parametrisation


@dataclass
class HeadGeometry:
    """Rest mesh and shape-key offsets. ``verts`` (N,3) float64 head-local; ``faces`` list of
    index tuples; ``face_mat`` (F,) int material index; ``parts`` name -> (start, stop) vertex range;
    ``deltas`` ARKit name -> (N,3) offsets; ``mouth_line_z`` (float) z of the lips at rest;
    ``masks`` name -> (N,) float32 in [0, 1] (:data:`SKIN_MASKS`, zero off the skin)."""

    verts: np.ndarray
    faces: list
    face_mat: np.ndarray
    parts: dict
    deltas: dict = field(default_factory=dict)
    mouth_line_z: float = MOUTH_Z_M
    masks: dict = field(default_factory=dict)


def to_blender(p: np.ndarray) -> np.ndarray:
    """Head-local ``(x, f, z)`` -> Blender ``(x, -f, z)``; any leading shape."""
    return np.stack([p[..., 0], -p[..., 1], p[..., 2]], axis=-1)


def _smooth(e0, e1, x):
    t = np.clip((np.asarray(x, float) - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _gauss(x, z, cx, cz, sx, sz):
    return np.exp(-((x - cx) / sx) ** 2 - ((z - cz) / sz) ** 2)


def _dense_samples(n, lo, hi, bumps):
    """``n`` increasing samples in [lo, hi], denser near each (centre, width, gain) of ``bumps``."""
    t = np.linspace(lo, hi, 4001)
    dens = np.ones_like(t)
    for c, w, g in bumps:
        dens += g * np.exp(-((t - c) / w) ** 2)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]) * np.diff(t))])
    return np.interp(np.linspace(0, cdf[-1], n), cdf, t)


def _ray_ellipsoid(d, centre, axes):
    """Distance from :data:`_CENTRE` along unit rays ``d`` to an ellipsoid containing it."""
    o = (_CENTRE - centre) / axes
    dd = d / axes
    a = (dd * dd).sum(-1)
    b = (o * dd).sum(-1)
    c = (o * o).sum() - 1.0
    return (-b + np.sqrt(b * b - a * c)) / a


def _grid_faces(rows, cols, start, closed=True, skip=None):
    faces = []
    for i in range(rows - 1):
        for j in range(cols if closed else cols - 1):
            if skip is not None and skip(i, j):
                continue
            j1 = (j + 1) % cols
            faces.append((start + i * cols + j, start + i * cols + j1,
                          start + (i + 1) * cols + j1, start + (i + 1) * cols + j))
    return faces


def _skin(rows=84, cols=104):
    """The skin surface; returns verts, faces, split (0 above lips .. 1 below), lip-row info."""
    theta = _dense_samples(rows, 0.12, np.pi - 0.10, [(2.0, 0.45, 2.5), (1.35, 0.35, 1.2)])
    phi = _dense_samples(cols + 1, -np.pi, np.pi, [(0.0, 0.75, 2.2)])[:-1]
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    d = np.stack([np.sin(th) * np.sin(ph), np.sin(th) * np.cos(ph), np.cos(th)], -1)
    r1 = _ray_ellipsoid(d, np.array([0.0, 0.002, 0.040]), np.array([0.071, 0.103, 0.074]))
    r2 = _ray_ellipsoid(d, np.array([0.0, 0.028, -0.022]), np.array([0.064, 0.070, 0.080]))
    r = (r1 ** 10 + r2 ** 10) ** 0.1
    p = _CENTRE + r[..., None] * d
    x, f, z = p[..., 0], p[..., 1], p[..., 2]
    front = _smooth(0.15, 0.55, d[..., 1])
    zm = MOUTH_Z_M
    bump = np.zeros_like(r)
    for cx, cz, sx, sz, amp in (
        (0.0, 0.014, 0.008, 0.020, 0.010),      # nose bridge
        (0.0, -0.012, 0.010, 0.011, 0.022),     # nose tip
        (0.011, -0.019, 0.007, 0.006, 0.008), (-0.011, -0.019, 0.007, 0.006, 0.008),  # nostril wings
        (0.030, 0.050, 0.022, 0.007, 0.005), (-0.030, 0.050, 0.022, 0.007, 0.005),   # brow ridges
        (0.032, 0.030, 0.015, 0.011, -0.019), (-0.032, 0.030, 0.015, 0.011, -0.019),  # eye sockets
        (0.046, 0.008, 0.018, 0.014, 0.005), (-0.046, 0.008, 0.018, 0.014, 0.005),  # cheekbones
        (0.0, zm + 0.005, 0.021, 0.006, 0.004),  # upper lip
        (0.0, zm - 0.007, 0.019, 0.006, 0.007),  # lower lip
        (0.0, -0.086, 0.020, 0.012, 0.010),      # chin
    ):
        bump += amp * _gauss(x, z, cx, cz, sx, sz) * front
    side = _smooth(0.75, 0.95, np.abs(d[..., 0]))
    bump += 0.013 * _gauss(f, z, -0.005, 0.020, 0.012, 0.026) * side  # ears
    p = p + bump[..., None] * d
    # mouth slit: the two rows straddling the lip line at the front column
    front_col = int(np.argmin(np.abs(phi)))
    zf = p[:, front_col, 2]
    k = int(np.flatnonzero(zf < zm)[0]) - 1          # last row above the lip line
    half_w = np.abs(p[k, :, 0])
    in_mouth = (half_w < MOUTH_HALF_WIDTH_M) & (p[k, :, 1] > 0)
    corner_cols = np.flatnonzero(in_mouth)
    jlo, jhi = int(corner_cols.min()), int(corner_cols.max())
    line = 0.5 * (p[k, :, 2] + p[k + 1, :, 2])
    e = np.sqrt(np.clip(1.0 - (p[k, :, 0] / MOUTH_HALF_WIDTH_M) ** 2, 0.0, 1.0)) * in_mouth
    gap = 0.0016 * e
    for row, sgn, pull in ((k, 1, 1.0), (k + 1, -1, 1.0), (k - 1, 1, 0.45), (k + 2, -1, 0.45)):
        target = line + sgn * (gap / 2.0 + (0.0 if row in (k, k + 1) else 0.003))
        w = pull * _smooth(MOUTH_HALF_WIDTH_M + 0.012, MOUTH_HALF_WIDTH_M - 0.004, np.abs(p[row, :, 0])) * (p[row, :, 1] > 0)
        p[row, :, 2] += w * (target - p[row, :, 2])
    # split: 0 on/above the upper lip, 1 on/below the lower lip, smooth away from the slit
    s = np.arange(rows)[:, None] - (k + 0.5)
    width = 0.5 + (1.0 - e[None, :]) * 5.0
    split = _smooth(-1.0, 1.0, s / width)
    skip = lambda i, j: i == k and jlo <= j < jhi
    faces = _grid_faces(rows, cols, 0, skip=skip)
    verts = p.reshape(-1, 3)
    n = verts.shape[0]
    top, bot = n, n + 1
    verts = np.vstack([verts, _CENTRE + [0, 0, 0.118], p[-1].mean(0)])
    faces += [(top, (j + 1) % cols, j) for j in range(cols)]
    faces += [(bot, (rows - 1) * cols + j, (rows - 1) * cols + (j + 1) % cols) for j in range(cols)]
    split = np.concatenate([split.reshape(-1), [0.0, 0.0]])
    return verts, faces, split, float(line[front_col])


def skin_masks(p: np.ndarray, line: float) -> dict:
    """Smooth hair / brow / lips masks ``(N,)`` float32 in [0, 1] of skin points ``p`` (N, 3);
    0.5 is the outline (hairline by azimuth, arched brows, upper and lower lip shapes)."""
    x, f, z = p[:, 0], p[:, 1], p[:, 2]
    azimuth = np.abs(np.arctan2(x, f - _CENTRE[1]))
    hairline = np.interp(azimuth, [0.0, 0.55, 1.3, 1.75, 2.4, np.pi], [0.082, 0.076, 0.058, 0.040, -0.005, -0.035])
    hair = _smooth(-0.0015, 0.0015, z - hairline)
    ax = np.abs(x)
    arch = 0.049 + 0.005 * (1.0 - ((ax - 0.030) / 0.020) ** 2)
    thick = 0.0030 * (1.0 - 0.5 * np.clip((ax - 0.012) / 0.038, 0, 1))
    brow = _smooth(0.0006, -0.0006, np.abs(z - arch) - thick) * _smooth(0.008, 0.012, ax) \
        * _smooth(0.052, 0.047, ax) * _smooth(0.055, 0.065, f)
    u = np.clip(ax / (MOUTH_HALF_WIDTH_M + 0.003), 0.0, 1.0)
    dz = z - line
    up_lim = (0.0075 - 0.003 * u ** 2) * (1 - u ** 2) ** 0.35
    lo_lim = 0.0095 * (1 - u ** 2) ** 0.5
    margin = np.where(dz >= 0, up_lim - dz, lo_lim + dz)
    lips = _smooth(-0.0006, 0.0006, margin) * (u < 1.0) * _smooth(0.05, 0.06, f)
    return {"hair": hair.astype(np.float32), "brow": brow.astype(np.float32), "lips": lips.astype(np.float32)}


def face_centroids(verts: np.ndarray, faces: list) -> np.ndarray:
    """``(F, 3)`` centroid of each polygon (index tuples of any length), vectorised per size."""
    out = np.empty((len(faces), 3))
    sizes = np.array([len(f) for f in faces])
    for n in np.unique(sizes):
        idx = np.flatnonzero(sizes == n)
        out[idx] = verts[np.array([faces[i] for i in idx])].mean(axis=1)
    return out


def _sphere(rings, segs, radius, centre, lat_range=(-np.pi / 2, np.pi / 2), lon_range=None, axis="f"):
    """Sphere patch with its pole along ``axis`` ("f" forward or "z" up); verts, faces."""
    lat = np.linspace(lat_range[0], lat_range[1], rings)
    closed = lon_range is None
    lon = np.linspace(-np.pi, np.pi, segs + 1)[:-1] if closed else np.linspace(*lon_range, segs)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    if axis == "z":
        v = np.stack([np.cos(la) * np.sin(lo), np.cos(la) * np.cos(lo), np.sin(la)], -1)
    else:
        v = np.stack([np.cos(la) * np.sin(lo), np.sin(la), np.cos(la) * np.cos(lo)], -1)
    return centre + radius * v.reshape(-1, 3), _grid_faces(rings, segs, 0, closed=closed)


def _rotate(p, centre, axis, angle):
    """Rotate points ``p`` (N,3) about ``axis`` through ``centre`` by ``angle`` radians (Rodrigues)."""
    k = np.asarray(axis, float) / np.linalg.norm(axis)
    v = p - centre
    c, s = np.cos(angle), np.sin(angle)
    return centre + v * c + np.cross(k, v) * s + np.outer(v @ k, k) * (1 - c)


def _arc(centre_f, z0, z1, rx, rf, thick, n=24, span=1.35):
    """A U-shaped band (teeth): closed rectangular tube along an elliptic arc; verts, faces."""
    g = np.linspace(-span, span, n)
    ring = []
    for dr, z in ((0.0, z0), (0.0, z1), (-thick, z1), (-thick, z0)):
        ring.append(np.stack([(rx + dr) * np.sin(g), centre_f + (rf + dr) * np.cos(g), np.full(n, z)], -1))
    v = np.stack(ring, 1).reshape(-1, 3)   # (n*4, 3), index = i*4 + c
    faces = [(i * 4 + c, i * 4 + (c + 1) % 4, (i + 1) * 4 + (c + 1) % 4, (i + 1) * 4 + c)
             for i in range(n - 1) for c in range(4)]
    faces += [(0, 3, 2, 1), ((n - 1) * 4, (n - 1) * 4 + 1, (n - 1) * 4 + 2, (n - 1) * 4 + 3)]
    return v, faces


def build_head() -> HeadGeometry:
    """Build the demo head: rest vertices, faces, materials, parts and all 52 ARKit offsets."""
    verts, faces, mats, parts, jaw_w = [], [], [], {}, []

    def add(name, v, fc, mat, jaw):
        start = sum(len(a) for a in verts)
        verts.append(np.asarray(v, float))
        faces.extend(tuple(i + start for i in f) for f in fc)
        mats.extend([mat] * len(fc) if np.isscalar(mat) else list(mat))
        parts[name] = (start, start + len(v))
        jaw_w.append(np.broadcast_to(np.asarray(jaw, float), (len(v),)).copy())

    skin_v, skin_f, split, line = _skin()
    f_fade = _smooth(-0.01, 0.035, skin_v[:, 1])
    add("skin", skin_v, skin_f, MATERIALS.index("skin"), split * f_fade)
    for side, c in EYE_CENTRES_M.items():
        v, fc = _sphere(12, 18, EYE_RADIUS_M, c)
        ang = np.arccos(np.clip((face_centroids(v, fc) - c)[:, 1] / EYE_RADIUS_M, -1, 1))
        mat = np.where(ang < 0.20, MATERIALS.index("pupil"),
                       np.where(ang < 0.48, MATERIALS.index("iris"), MATERIALS.index("eye_white")))
        add(f"eye_{side}", v, fc, mat, 0.0)
        for lid, lat in (("up", (0.42, 1.35)), ("lo", (-1.30, -0.38))):
            v, fc = _sphere(7, 15, EYE_RADIUS_M * 1.06, c, lat_range=lat, lon_range=(-1.45, 1.45), axis="z")
            add(f"lid_{side}_{lid}", v, fc, MATERIALS.index("skin"), 0.0)
    v, fc = _arc(0.070, line - 0.0040, line + 0.0060, 0.021, 0.021, 0.004)
    add("teeth_up", v, fc, MATERIALS.index("teeth"), 0.0)
    v, fc = _arc(0.066, line - 0.0085, line + 0.0020, 0.019, 0.020, 0.004)
    add("teeth_lo", v, fc, MATERIALS.index("teeth"), 1.0)
    v, fc = _sphere(8, 14, 1.0, np.zeros(3), axis="z")
    add("tongue", np.array([0.0, 0.056, line - 0.008]) + v * [0.015, 0.022, 0.005], fc, MATERIALS.index("tongue"), 1.0)
    v, fc = _sphere(10, 16, 1.0, np.zeros(3), axis="z")
    cav = np.array([0.0, 0.060, line - 0.004]) + v * [0.024, 0.028, 0.020]
    add("cavity", cav, fc, MATERIALS.index("mouth"), _smooth(line + 0.004, line - 0.010, cav[:, 2]))
    geo = HeadGeometry(np.vstack(verts), faces, np.asarray(mats, np.int32), parts, mouth_line_z=line)
    geo.deltas = _shape_key_deltas(geo, split, np.concatenate(jaw_w))
    s0, s1 = parts["skin"]
    for name, m in skin_masks(geo.verts[s0:s1], line).items():
        geo.masks[name] = np.zeros(len(geo.verts), np.float32)
        geo.masks[name][s0:s1] = m
    return geo


def _shape_key_deltas(geo: HeadGeometry, split: np.ndarray, jaw_w: np.ndarray) -> dict:
    """ARKit name -> (N, 3) offsets (head-local metres). Region weights are smooth masks."""
    p = geo.verts
    n = p.shape[0]
    out = {name: np.zeros((n, 3)) for name in ARKIT_NAMES}
    s0, s1 = geo.parts["skin"]
    skin = np.zeros(n, bool)
    skin[s0:s1] = True
    x, f, z = p[:, 0], p[:, 1], p[:, 2]
    line, wm = geo.mouth_line_z, MOUTH_HALF_WIDTH_M
    sp = np.zeros(n)
    sp[s0:s1] = split
    front = _smooth(0.035, 0.075, f) * skin
    vec = lambda m, d: m[:, None] * np.asarray(d, float)[None, :]

    # jaw: rotation about the hinge, weighted (teeth/tongue/cavity floor included)
    jaw_rot = _rotate(p, JAW_PIVOT_M, (1, 0, 0), -JAW_OPEN_RAD) - p
    out["jawOpen"] = jaw_w[:, None] * jaw_rot
    out["jawForward"] = vec(jaw_w, (0, 0.007, 0))
    out["jawLeft"] = vec(jaw_w, (0.007, 0, 0))
    out["jawRight"] = vec(jaw_w, (-0.007, 0, 0))
    t0, t1 = geo.parts["tongue"]
    tf = p[t0:t1, 1] - p[t0:t1, 1].mean()
    out["tongueOut"][t0:t1] = np.stack([0 * tf, 0.030 + 0.35 * tf, -0.004 + 0 * tf], -1)

    # lips
    lip_front = _smooth(0.07, 0.085, f) * skin
    area = np.exp(-(x / (wm + 0.008)) ** 4) * np.exp(-((z - line) / 0.016) ** 2) * lip_front
    tight = np.exp(-(x / (wm + 0.003)) ** 6) * np.exp(-((z - line) / 0.007) ** 2) * lip_front
    up_w, lo_w = area * (1 - sp), area * sp
    up_t, lo_t = tight * (1 - sp), tight * sp
    centre = np.sqrt(np.clip(1 - (x / wm) ** 2, 0, 1))
    left = _smooth(-0.006, 0.006, x)
    mid = s0 + int(np.argmin(np.where(skin[s0:s1], np.abs(x[s0:s1]) + 10 * np.abs(z[s0:s1] - line + 0.002) - f[s0:s1], 9)))
    jaw_drop = float(np.linalg.norm(out["jawOpen"][mid]))
    # Lip-gap responses of the mouth keys follow Apple's ARKit reference head (per unit weight, in
    # units of jawOpen's lip opening, measured by tools/eval/reference_head.py at the inner-lip midline:
    # mouthClose -1.01, mouthFunnel +0.23, mouthPucker +0.04, mouthRollLower -0.07, mouthRollUpper
    # -0.12, mouthShrugLower -0.14, mouthShrugUpper +0.13, mouthPress* -0.007, mouthLowerDown*
    # +0.11, mouthUpperUp* +0.12); tests/blender/test_demo_head_lips.py compares every mouth key.
    # mouthClose ("closure of the lips independent of jaw position", ARFaceAnchor.BlendShapeLocation)
    # cancels exactly jawOpen's lip opening, so mouthClose > jawOpen crosses the lips here too.
    out["mouthClose"] = -0.8 * lo_w[:, None] * out["jawOpen"] + vec(up_w, (0, 0.001, -0.178 * jaw_drop))
    out["mouthFunnel"] = vec(area, (0, 0.006, 0)) + vec(-0.25 * x * area, (1, 0, 0)) \
        + vec(up_t * centre, (0, 0, 0.003)) + vec(lo_t * centre, (0, 0, -0.004))
    out["mouthPucker"] = vec(area, (0, 0.010, 0)) + vec(-0.45 * x * area, (1, 0, 0)) \
        + vec(0.6 * (z - line) * area, (0, 0, 1))
    out["mouthRollLower"] = vec(lo_t, (0, -0.004, 0.002))
    out["mouthRollUpper"] = vec(up_t, (0, -0.004, -0.0033))
    chin = _gauss(x, z, 0.0, line - 0.022, 0.025, 0.02) * front * sp
    out["mouthShrugLower"] = vec(np.maximum(chin, lo_w), (0, 0.002, 0.004))
    out["mouthShrugUpper"] = vec(up_w, (0, 0.002, 0.0033))
    for side, sg in (("Left", 1.0), ("Right", -1.0)):
        wside = left if sg > 0 else 1 - left
        corner = _gauss(x, z, sg * wm, line, 0.011, 0.011) * _smooth(0.04, 0.07, f) * skin
        cheek = _gauss(x, z, sg * 0.040, line + 0.028, 0.015, 0.015) * front
        out[f"mouth{side}"] = vec(np.maximum(area, corner), (sg * 0.008, 0, 0))
        out[f"mouthSmile{side}"] = vec(corner, (sg * 0.005, -0.003, 0.006)) + vec(cheek, (0, 0.001, 0.003))
        out[f"mouthFrown{side}"] = vec(corner, (sg * 0.001, 0, -0.006))
        out[f"mouthDimple{side}"] = vec(corner, (sg * 0.003, -0.004, 0))
        out[f"mouthStretch{side}"] = vec(corner, (sg * 0.006, -0.001, -0.003))
        out[f"mouthPress{side}"] = vec(up_t * wside, (0, -0.001, -0.0002)) + vec(lo_t * wside, (0, -0.001, 0.0002))
        out[f"mouthLowerDown{side}"] = vec(lo_w * wside, (0, 0.001, -0.0059))
        out[f"mouthUpperUp{side}"] = vec(up_w * wside, (0, 0.001, 0.0066))
        # brows, cheeks, nose
        brow = _gauss(x, z, sg * 0.030, 0.052, 0.020, 0.012) * front
        out[f"browDown{side}"] = vec(brow, (-sg * 0.002, 0, -0.005))
        out[f"browOuterUp{side}"] = vec(_gauss(x, z, sg * 0.048, 0.050, 0.014, 0.012) * front, (0, 0, 0.006))
        out[f"cheekSquint{side}"] = vec(_gauss(x, z, sg * 0.036, 0.008, 0.016, 0.010) * front, (0, 0.001, 0.003))
        out[f"noseSneer{side}"] = vec(_gauss(x, z, sg * 0.011, -0.012, 0.008, 0.012) * front, (sg * 0.001, 0, 0.003)) \
            + vec(_gauss(x, z, sg * 0.012, 0.045, 0.01, 0.01) * front, (0, 0, -0.002))
        _eye_keys(out, geo, side, "L" if sg > 0 else "R", sg)
    out["browInnerUp"] = vec(_gauss(np.abs(x), z, 0.012, 0.052, 0.014, 0.014) * front, (0, 0, 0.006))
    puff = _gauss(np.abs(x), z, 0.042, line + 0.008, 0.016, 0.018) * _smooth(0.0, 0.04, f) * skin
    out["cheekPuff"] = puff[:, None] * np.stack([np.sign(x) * 0.8, np.full(n, 0.4), np.zeros(n)], -1) * 0.009
    return out


def _eye_keys(out, geo, side, s, sg):
    """Eye keys of one side: eyeball rotations (look), lid-shell rotations (blink/squint/wide)."""
    c = EYE_CENTRES_M[s]
    p = geo.verts
    e0, e1 = geo.parts[f"eye_{s}"]
    u0, u1 = geo.parts[f"lid_{s}_up"]
    l0, l1 = geo.parts[f"lid_{s}_lo"]
    ex, ez = (1, 0, 0), (0, 0, 1)

    def rot(name, a, b, axis, angle, weight=1.0):
        out[name][a:b] += weight * (_rotate(p[a:b], c, axis, angle) - p[a:b])

    rot(f"eyeLookUp{side}", e0, e1, ex, 0.35)
    rot(f"eyeLookUp{side}", u0, u1, ex, 0.15)
    rot(f"eyeLookDown{side}", e0, e1, ex, -0.40)
    rot(f"eyeLookDown{side}", u0, u1, ex, -0.20)
    # +x is the subject's left: "out" for the left eye, "in" for the right eye
    rot(f"eyeLookOut{side}", e0, e1, ez, -sg * 0.45)
    rot(f"eyeLookIn{side}", e0, e1, ez, sg * 0.45)
    rot(f"eyeBlink{side}", u0, u1, ex, -0.75)
    rot(f"eyeBlink{side}", l0, l1, ex, 0.08)
    rot(f"eyeSquint{side}", l0, l1, ex, 0.14)
    rot(f"eyeSquint{side}", u0, u1, ex, -0.06)
    rot(f"eyeWide{side}", u0, u1, ex, 0.22)
    rot(f"eyeWide{side}", l0, l1, ex, -0.05)
