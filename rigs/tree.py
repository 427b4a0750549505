"""Topology of joint / bone trees given as parent indices (``-1`` for roots), numpy only.

The one place for the hierarchy walks that the SMPL-X chain (:mod:`rigs.smplx_rest`), the
retargeter (:mod:`rigs.retarget`, :mod:`rigs.retarget_inverse`) and the bone-map guesser
(:mod:`rigs.bone_maps`) need.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def depth_levels(parents) -> tuple:
    """Joint indices grouped by depth, parents first.

    Args:
        parents: parent index per joint, ``-1`` for roots (any order, no cycles).

    Returns:
        tuple of ``int`` arrays; level 0 holds the roots, level ``d`` the joints whose parent is
        in level ``d - 1``.

    Raises:
        ValueError: ``parents`` has an index out of range or a cycle.
    """
    parents = [int(p) for p in parents]
    n = len(parents)
    depth = [-1] * n
    for i in range(n):
        chain, j = [], i
        while j >= 0 and depth[j] < 0:
            if j in chain or not -1 <= parents[j] < n:
                raise ValueError(f"parents: joint {j} has parent {parents[j]} (cycle or out of range 0..{n - 1})")
            chain.append(j)
            j = parents[j]
        d = depth[j] if j >= 0 else -1
        for k in reversed(chain):
            d += 1
            depth[k] = d
    if not n:
        return ()
    depth = np.array(depth)
    return tuple(np.flatnonzero(depth == d) for d in range(int(depth.max()) + 1))


def parents_first(parents: Sequence[int]) -> tuple:
    """All indices ordered so that every parent comes before its children (depth-first from each
    index in turn: index order is kept where the tree allows). Returns a tuple of ints."""
    order, seen = [], set()

    def visit(i):
        if i in seen:
            return
        if parents[i] >= 0:
            visit(parents[i])
        seen.add(i)
        order.append(i)

    for i in range(len(parents)):
        visit(i)
    return tuple(order)


def is_ancestor(ancestor: int, node: int, parents: Sequence[int], proper: bool = False) -> bool:
    """True when ``ancestor`` is ``node`` itself (unless ``proper``) or one of its ancestors."""
    j = parents[node] if proper else node
    while j >= 0:
        if j == ancestor:
            return True
        j = parents[j]
    return False


def nearest_ancestor(node: int, parents: Sequence[int], accept) -> int:
    """The closest proper ancestor ``a`` of ``node`` with ``accept(a)`` true, or ``-1``."""
    a = parents[node]
    while a >= 0 and not accept(a):
        a = parents[a]
    return a


def with_ancestors(nodes, parents: Sequence[int]) -> np.ndarray:
    """``(J,)`` bool mask of ``nodes`` and all their ancestors (``J = len(parents)``)."""
    need = np.zeros(len(parents), bool)
    for j in np.asarray(nodes, int).ravel():
        while j >= 0 and not need[j]:
            need[j] = True
            j = parents[j]
    return need


def subset_levels(levels: tuple, mask: np.ndarray) -> tuple:
    """``levels`` (from :func:`depth_levels`) restricted to the indices where ``mask`` is True."""
    return tuple(lvl[mask[lvl]] for lvl in levels)
