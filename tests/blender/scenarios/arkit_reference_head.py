"""Bake a jawOpen ramp and tongueOut onto Apple's ARKit reference head (51 morphs, no tongue).

Params: ``characters``.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

import rigs_fixtures as rf
from speech_animator.addon import bake
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance

head = rf.load_rig("arkit_head", scenario.CHARS)
T = 20
arkit = np.zeros((T, 52), np.float32)
arkit[:, 17] = np.linspace(0, 1, T)   # jawOpen
arkit[:, 51] = 1.0                     # tongueOut: the head has no such key
targets, warnings = build_face_targets([head], Performance(30.0, arkit))
bake.bake(targets, 1, "")
bpy.context.scene.frame_set(11)
kb = head.data.shape_keys.key_blocks
scenario.emit({"n": len(targets[0].channels), "warnings": warnings, "jaw": kb["jawOpen"].value,
               "others": max(k.value for k in kb if k.name not in ("jawOpen", "Basis"))})
scenario.finish()
