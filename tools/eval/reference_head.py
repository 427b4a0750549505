"""Lip geometry of a real ARKit head: weights -> inner-lip gap in millimetres.

The judge of the face is a third-party head, not our own numbers: Apple's ARKit reference head
(``../shared/data/characters/arkit_reference_head``, 1220 vertices, 51 ARKit-named morph targets,
no ``tongueOut``) is read with pygltflib; every frame's ARKit weights are applied vectorised to the
morph-target deltas (glTF morphing: ``p = base + sum_k w_k * delta_k``) and the vertical distance
between the upper and lower inner-lip vertices at the mouth midline is the lip gap. A negative gap
means the lower lip has passed through the upper one ("lips crossing").

The inner-lip midline pair is found from the mesh, not hard-coded (:func:`inner_lip_pair`): among
the midline vertices (``|x| <`` :data:`MIDLINE_TOL_M`, x lateral), those that ``jawOpen`` moves down by more
than half its largest displacement form the lower lip and chin; the highest of them is the lower
inner lip, and the nearest midline vertex at or above it that ``jawOpen`` leaves in place is the
upper inner lip. On the reference head this gives a rest gap of 0.15 mm and ``jawOpen`` = 1 opens
the lips by 40.5 mm.

Nothing here imports bpy; the glTF axes are used as stored (+Y up, metres).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES, NUM_ARKIT

REPO = Path(__file__).resolve().parents[2]
#: Apple's ARKit reference head in the shared data (never copied into the repository).
#: The shared data folder: ``$SPEECHANIM_SHARED_DATA``, default ``../shared/data`` beside the repository.
SHARED_DATA: Path = Path(os.environ.get("SPEECHANIM_SHARED_DATA", REPO.parent / "shared" / "data"))
REFERENCE_HEAD_GLB: Path = (SHARED_DATA / "characters" / "arkit_reference_head"
                            / "arkit_reference_head_51morphs.glb")
#: Vertices with ``|x|`` below this (metres) lie on the mouth midline.
MIDLINE_TOL_M: float = 1e-5

_DTYPES = {5126: np.float32, 5123: np.uint16, 5125: np.uint32, 5121: np.uint8}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}


@dataclass(frozen=True)
class MorphHead:
    """A morph-target head in ARKit order.

    Attributes:
        base: ``(V, 3)`` float64 rest positions, metres (glTF axes, +Y up).
        deltas: ``(52, V, 3)`` float64 displacement per unit weight of each ARKit shape, ARKit order
            (:data:`rigs.arkit.ARKIT_NAMES`); zeros for shapes the head lacks.
        present: ``(52,)`` bool, which ARKit shapes the head has.
        source: where it was read from.
    """

    base: np.ndarray
    deltas: np.ndarray
    present: np.ndarray
    source: str

    def positions(self, arkit: np.ndarray, vertices: np.ndarray | None = None) -> np.ndarray:
        """``(T, V', 3)`` posed positions (metres) of ``vertices`` (default all) for ``(T, 52)`` weights."""
        w = np.asarray(arkit, np.float64)
        idx = slice(None) if vertices is None else np.asarray(vertices)
        return self.base[idx][None] + np.einsum("tk,kvc->tvc", w, self.deltas[:, idx])


def _accessor(gltf, blob: bytes, index: int) -> np.ndarray:
    a = gltf.accessors[index]
    width = _WIDTH[a.type]
    out = np.zeros((a.count, width), np.float64)
    if a.bufferView is not None:
        bv = gltf.bufferViews[a.bufferView]
        dt = np.dtype(_DTYPES[a.componentType])
        stride = bv.byteStride or dt.itemsize * width
        off = (bv.byteOffset or 0) + (a.byteOffset or 0)
        raw = np.frombuffer(blob, np.uint8, count=stride * (a.count - 1) + dt.itemsize * width, offset=off)
        rows = np.lib.stride_tricks.as_strided(raw, (a.count, dt.itemsize * width), (stride, 1))
        out[:] = np.ascontiguousarray(rows).view(dt).reshape(a.count, width)
    if a.sparse is not None:
        s = a.sparse
        ib = gltf.bufferViews[s.indices.bufferView]
        idx = np.frombuffer(blob, _DTYPES[s.indices.componentType], count=s.count,
                            offset=(ib.byteOffset or 0) + (s.indices.byteOffset or 0))
        vb = gltf.bufferViews[s.values.bufferView]
        vals = np.frombuffer(blob, _DTYPES[a.componentType], count=s.count * width,
                             offset=(vb.byteOffset or 0) + (s.values.byteOffset or 0))
        out[idx.astype(np.int64)] = vals.reshape(s.count, width)
    return out


def load_morph_head(path: str | Path = REFERENCE_HEAD_GLB) -> MorphHead:
    """Read the first mesh primitive of a .glb with ARKit-named morph targets.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: no morph targets, or fewer than 20 of them carry ARKit names (the message
            lists the names found).
    """
    import pygltflib

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ARKit head: {path} does not exist")
    gltf = pygltflib.GLTF2().load(str(path))
    blob = gltf.binary_blob()
    mesh = gltf.meshes[0]
    prim = mesh.primitives[0]
    names = list((mesh.extras or {}).get("targetNames") or [])
    if not prim.targets or len(names) != len(prim.targets):
        raise ValueError(f"{path}: expected morph targets with extras.targetNames, found "
                         f"{len(prim.targets or [])} targets, {len(names)} names")
    base = _accessor(gltf, blob, prim.attributes.POSITION)
    deltas = np.zeros((NUM_ARKIT,) + base.shape)
    present = np.zeros(NUM_ARKIT, bool)
    for name, target in zip(names, prim.targets):
        pos = target["POSITION"] if isinstance(target, dict) else target.POSITION
        if name in ARKIT_INDEX and pos is not None:
            deltas[ARKIT_INDEX[name]] = _accessor(gltf, blob, pos)
            present[ARKIT_INDEX[name]] = True
    if present.sum() < 20:
        raise ValueError(f"{path}: expected ARKit-named morph targets, found {names[:10]}")
    return MorphHead(base=base, deltas=deltas, present=present, source=str(path))


def inner_lip_pair(head: MorphHead, up_axis: int = 1, candidates=None) -> tuple[int, int]:
    """``(upper, lower)`` vertex indices of the inner lips at the mouth midline (module docstring).

    Args:
        head: the head; x (axis 0) is lateral, ``up_axis`` points up (1 in glTF, 2 in Blender).
        candidates: vertex indices to search (default all; e.g. only the skin of a head whose
            teeth and tongue are in the same mesh).

    Raises:
        ValueError: the head has no ``jawOpen`` or no midline vertices above/below the lip line.
    """
    if not head.present[ARKIT_INDEX["jawOpen"]]:
        raise ValueError(f"{head.source}: no jawOpen shape; cannot find the lips")
    pool = np.arange(len(head.base)) if candidates is None else np.asarray(candidates)
    mid = pool[np.abs(head.base[pool, 0]) < MIDLINE_TOL_M]
    drop = -head.deltas[ARKIT_INDEX["jawOpen"], mid, up_axis]
    moved = drop > 0.5 * drop.max()
    if not moved.any() or moved.all():
        raise ValueError(f"{head.source}: cannot split the midline into upper face and jaw")
    y = head.base[mid, up_axis]
    lower = mid[moved][int(np.argmax(y[moved]))]
    above = ~moved & (y >= head.base[lower, up_axis])
    if not above.any():
        raise ValueError(f"{head.source}: no midline vertex above the lower inner lip")
    dist = np.linalg.norm(head.base[mid[above]] - head.base[lower], axis=1)
    upper = mid[above][int(np.argmin(dist))]
    return int(upper), int(lower)


@dataclass(frozen=True)
class LipGauge:
    """Inner-lip gap of one head.

    Attributes:
        head: the :class:`MorphHead`.
        upper, lower: inner-lip midline vertex indices.
        rest_gap_mm: gap at all weights 0.
        response_mm: ``(52,)`` gap change per unit weight of each ARKit shape (mm; the gap is
            linear in the weights because glTF/Blender morphing is linear).
        up_axis: the vertical axis of the head's coordinates.
    """

    head: MorphHead
    upper: int
    lower: int
    rest_gap_mm: float
    response_mm: np.ndarray
    up_axis: int = 1

    def gap_mm(self, arkit: np.ndarray) -> np.ndarray:
        """``(T,)`` float64 lip gap in mm for ``(T, 52)`` ARKit weights (negative = lips crossing).

        Raises:
            ValueError: ``arkit`` is not ``(T, 52)``.
        """
        a = np.asarray(arkit, np.float64)
        if a.ndim != 2 or a.shape[1] != NUM_ARKIT:
            raise ValueError(f"arkit: expected shape (T, {NUM_ARKIT}), found {a.shape}")
        p = self.head.positions(a, [self.upper, self.lower])
        return (p[:, 0, self.up_axis] - p[:, 1, self.up_axis]) * 1000.0


def lip_gauge(head: MorphHead | None = None, up_axis: int = 1, candidates=None) -> LipGauge:
    """:class:`LipGauge` of ``head`` (default: Apple's reference head from the shared data)."""
    head = head if head is not None else load_morph_head()
    u, l = inner_lip_pair(head, up_axis, candidates)
    rest = (head.base[u, up_axis] - head.base[l, up_axis]) * 1000.0
    resp = (head.deltas[:, u, up_axis] - head.deltas[:, l, up_axis]) * 1000.0
    return LipGauge(head=head, upper=u, lower=l, rest_gap_mm=float(rest), response_mm=resp, up_axis=up_axis)


def mouth_key_response(gauge: LipGauge) -> dict[str, float]:
    """Lip-gap change (mm per unit weight) of every ``jaw*``/``mouth*`` key the head has."""
    return {n: float(gauge.response_mm[i]) for i, n in enumerate(ARKIT_NAMES)
            if n.startswith(("jaw", "mouth")) and gauge.head.present[i]}


def demo_head_gauge() -> LipGauge:
    """:class:`LipGauge` of the project's demo head (``addon/demo_head.py``, numpy geometry, no bpy;
    head-local axes x left, f forward, z up), searched on its skin only."""
    import importlib
    import sys

    if "speech_animator" not in sys.modules:
        from tools.bake import load_extension

        load_extension(register=False)
    demo_head = importlib.import_module("speech_animator.addon.demo_head")
    geo = demo_head.build_head()
    deltas = np.stack([geo.deltas[n] for n in ARKIT_NAMES]).astype(np.float64)
    head = MorphHead(base=geo.verts.astype(np.float64), deltas=deltas, present=np.ones(NUM_ARKIT, bool),
                     source="addon/demo_head.py")
    s0, s1 = geo.parts["skin"]
    return lip_gauge(head, up_axis=2, candidates=np.arange(s0, s1))
