"""RobotExpressive's head (only Angry/Surprised/Sad morphs, no jaw bone) as a face target.

Params: ``characters``.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

import rigs_fixtures as rf
from speech_animator.addon.errors import TargetError
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance

rf.load_rig("robot", scenario.CHARS)
head = next(o for o in bpy.data.objects if o.type == "MESH" and o.data.shape_keys is not None)
try:
    build_face_targets([head], Performance(30.0, np.zeros((3, 52), np.float32)))
    scenario.emit({"error": None})
except TargetError as exc:
    scenario.emit({"error": str(exc), "mesh": head.name})
scenario.finish()
