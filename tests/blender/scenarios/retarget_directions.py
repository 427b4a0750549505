"""Retarget test poses (and 20 real BEAT2 frames when available) onto a rig; report the worst
world-space direction error per segment (``rigs_fixtures.direction_errors``).

Params: ``kind`` (``robot``, ``kaykit``, ``rigify``, ``demo``), ``characters``, ``beat2`` (.npz path).
"""

import scenario  # noqa: I001  (first: sets sys.path)

from pathlib import Path

import numpy as np

import rigs_fixtures as rf

try:
    arm = rf.load_rig(scenario.PARAMS["kind"], scenario.CHARS)
except Exception as exc:  # e.g. a glTF the importer cannot read: the test skips with the reason
    scenario.emit({"skip": f"{type(exc).__name__}: {exc}"})
    scenario.finish()
poses = rf.test_poses()
beat2 = scenario.PARAMS.get("beat2")
if beat2 and Path(beat2).exists():  # 20 real motion-capture frames
    real = np.load(beat2)["poses"][::95][:20].reshape(-1, 55, 3).astype(np.float32)
    poses = np.concatenate([poses, real])
errs, warnings, bmap = rf.direction_errors(arm, None, poses)
scenario.emit({"errs": {k: max(v) for k, v in errs.items()}, "n": len(poses), "mapped": len(bmap),
               "warnings": warnings})
scenario.finish()
