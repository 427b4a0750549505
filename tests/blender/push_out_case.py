"""The push-out test case of a character (bpy side, extension loaded as ``speech_animator``):
12 s of procedural body motion retargeted onto its armature, before the collision push-out.

Used by tests/blender/test_body_proxies.py and test_hull_parity.py.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np


def retargeted_motion(arm, beat2: Path) -> SimpleNamespace:
    """Procedural body motion (seed 1) retargeted onto ``arm``.

    The audio is 12 s (40-52 s) of the held-out half of the BEAT2 take ``beat2`` when that file
    exists, else 12 s of ``tests.test_body.speech_like`` (seed 4).

    Returns:
        ``skel``, ``bmap``, ``plan`` (the add-on's skeleton, bone map and retarget plan of ``arm``),
        ``body`` (the :class:`BodyTrack`), ``raw`` (its retargeted rotations, no push-out yet) and
        ``perf`` (a :class:`Performance` of it with a neutral face, for ``build_body_targets``).
    """
    from speech_animator.addon.targets_body import deform_positions, resolve_bone_map, skeleton_of
    from speech_animator.inference.audio import Audio, load_audio, prepare_audio
    from speech_animator.inference.backends import get_body_backend
    from speech_animator.inference.options import GenerateOptions
    from speech_animator.inference.performance import Performance
    from speech_animator.rigs.retarget import plan_retarget, retarget

    skel = skeleton_of(arm)
    bmap, _ = resolve_bone_map(arm, None, skel)
    plan = plan_retarget(skel, bmap, position_map=deform_positions(arm, bmap))
    if Path(beat2).exists():
        a = load_audio(beat2)
        audio = Audio(a.samples[40 * 16000:52 * 16000], 16000, 16000)
    else:
        from tests.test_body import speech_like

        audio = prepare_audio(speech_like(12.0, seed=4), 16000)
    body = get_body_backend("procedural").run(audio, GenerateOptions(seed=1))
    raw = retarget(plan, body.poses, body.transl, body.transl_origin)
    perf = Performance(fps=body.fps, arkit=np.zeros((body.poses.shape[0], 52), np.float32),
                       smplx_poses=body.poses, transl=body.transl, transl_origin=body.transl_origin)
    return SimpleNamespace(skel=skel, bmap=bmap, plan=plan, body=body, raw=raw, perf=perf)
