"""Consistency of the name/joint tables the runtime modules are built on (checked here, not by
``assert`` at import time)."""

from __future__ import annotations

import numpy as np

from inference.formats.arkit_csv import LIVE_LINK_FACE_ORDER
from rigs import arkit, shape_keys, smplx, smplx_rest


def test_arkit_has_52_distinct_names_in_every_table():
    assert arkit.NUM_ARKIT == len(set(arkit.ARKIT_NAMES)) == 52
    assert sorted(LIVE_LINK_FACE_ORDER) == sorted(arkit.ARKIT_NAMES)
    tokens = {shape_keys.name_tokens(n) for n in arkit.ARKIT_NAMES}
    assert len(tokens) == 52  # the token matcher can tell every ARKit name apart


def test_smplx_tree_and_parts():
    assert smplx.NUM_JOINTS == len(smplx.PARENTS) == len(set(smplx.JOINT_NAMES)) == 55
    assert smplx.PARENTS[0] == -1 and all(0 <= p < j for j, p in enumerate(smplx.PARENTS) if j)
    assert sorted(j for js in smplx.PART_JOINTS.values() for j in js) == list(range(55))
    assert smplx_rest.REST_OFFSETS_M.shape == (55, 3) and np.all(np.isfinite(smplx_rest.REST_OFFSETS_M))
    assert np.all(np.linalg.norm(smplx_rest.REST_OFFSETS_M[1:], axis=1) > 0.005)  # every joint placed
