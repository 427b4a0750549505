"""Measure conversation behaviour on real speech (bpy-free): gaze on the speaker, nods, stereo split.

    .venv/bin/python -m tools.eval.conversation [--data ../shared/data] [--json out.json]

Scene: two characters alternating LJ Speech lines (``speech/en/ljspeech_LJ001-000{1,2,4,8}``,
turns 0.35-0.5 s apart), at three placements: 3/4 facing (each turned 45 degrees towards the
other, 1.6 m apart), face to face, and side by side facing the camera. Reported per placement:

* ``listener_gaze_15deg``: share of listener frames (the other holds the floor) whose gaze
  (head-joint forward kinematics turned by the eyeLook angles, :func:`listening.gaze_directions`)
  points within 15 degrees of the speaker's eyes; ``..._no_turn_prep`` leaves out the 0.5 s before
  the character's own turns (where it looks away on purpose);
* ``listener_head_25deg``: the same for the head joint's own forward direction within 25 degrees;
* ``speaker_gaze_15deg``: share of speaking frames looking at the addressee (the rest are look-aways);
* ``nods_per_listening_min``.

Stereo: the same dialogue as one two-channel file with -20 dB and -12 dB cross-talk; frame agreement of
the per-channel speech (bleed removed) with the speech found from the separate files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from tools.bake import ROOT

sys.path.insert(0, str(ROOT))

LINES = (("Ann", "ljspeech_LJ001-0001.wav"), ("Ben", "ljspeech_LJ001-0002.wav"),
         ("Ann", "ljspeech_LJ001-0004.wav"), ("Ben", "ljspeech_LJ001-0008.wav"))
GAPS_S = (0.4, 0.35, 0.5)
PLACEMENTS = {"three_quarter": ((-0.8, 45.0), (0.8, -45.0)), "face_to_face": ((-0.8, 90.0), (0.8, -90.0)),
              "side_by_side": ((-0.8, 0.0), (0.8, 0.0))}


def scene_dict(data: Path, placement) -> dict:
    import soundfile as sf

    t, lines = 0.0, {"Ann": [], "Ben": []}
    for i, (who, name) in enumerate(LINES):
        path = data / "speech" / "en" / name
        lines[who].append({"audio": str(path), "start_s": round(t, 3)})
        t += sf.info(str(path)).duration + (GAPS_S[i] if i < len(GAPS_S) else 0.0)
    (xa, ya), (xb, yb) = placement
    return {"characters": [{"name": "Ann", "position": [xa, 0.0, 0.0], "yaw_deg": ya, "lines": lines["Ann"]},
                           {"name": "Ben", "position": [xb, 0.0, 0.0], "yaw_deg": yb, "lines": lines["Ben"]}]}


def gaze_metrics(conv) -> dict:
    from inference.body import listening
    from rigs import smplx_rest

    fps = conv.fps
    change = np.flatnonzero(np.diff(conv.floor) != 0) + 1
    out = {"listener_gaze_15deg": [], "listener_gaze_15deg_no_turn_prep": [], "listener_head_25deg": [],
           "speaker_gaze_15deg": [], "nods_per_listening_min": []}
    for me, perf in enumerate(conv.performances):
        other = 1 - me
        want = listening.direction(*conv.angles[me, other])
        gaze = listening.gaze_directions(perf)
        err = np.degrees(np.arccos(np.clip(gaze @ want, -1, 1)))
        rot = smplx_rest.smplx_global_rotations(perf.smplx_poses.astype(np.float64))[:, 15]
        head_err = np.degrees(np.arccos(np.clip(rot[:, :, 2] @ want, -1, 1)))
        listen, speak = conv.floor == other, conv.floor == me
        out["listener_gaze_15deg"].append(float(np.mean(err[listen] < 15)))
        prep = np.zeros(conv.floor.size, bool)      # the 0.5 s before this character's own turns
        for c in change:
            if conv.floor[c] == me:
                prep[max(0, c - int(0.5 * fps)):c] = True
        out["listener_gaze_15deg_no_turn_prep"].append(float(np.mean(err[listen & ~prep] < 15)))
        out["listener_head_25deg"].append(float(np.mean(head_err[listen] < 25)))
        out["speaker_gaze_15deg"].append(float(np.mean(err[speak] < 15)))
        out["nods_per_listening_min"].append(float(len(conv.plans[me].nods_s) / max(listen.sum() / fps / 60, 1e-9)))
    return {k: round(float(np.mean(v)), 3) for k, v in out.items()}


def stereo_agreement(conv, tracks, bleed_db: float, tmp: Path) -> float:
    import soundfile as sf

    from inference.conversation import generate_conversation, parse_scene
    from inference.options import GenerateOptions

    g = 10 ** (bleed_db / 20)
    a, b = tracks[0].samples, tracks[1].samples
    sf.write(str(tmp / "stereo.wav"), np.stack([a + g * b, b + g * a], 1), 16000)
    scene = parse_scene({"stereo": str(tmp / "stereo.wav"), "characters": [
        {"name": "Ann", "channel": 0, "position": [-0.8, 0, 0], "yaw_deg": 45},
        {"name": "Ben", "channel": 1, "position": [0.8, 0, 0], "yaw_deg": -45}]})
    st = generate_conversation(scene, GenerateOptions(face_model="fast"))
    n = min(st.speaking.shape[1], conv.speaking.shape[1])
    return round(float(np.mean(st.speaking[:, :n] == conv.speaking[:, :n])), 4)


def main(argv=None) -> int:
    import tempfile

    from inference.conversation import character_audio, generate_conversation, parse_scene
    from inference.options import GenerateOptions

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=os.environ.get("SPEECHANIM_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "speech" / "en").is_dir():
        print(f"no speech data under {data}", file=sys.stderr)
        return 2
    report = {}
    opts = GenerateOptions(face_model="fast")
    for name, placement in PLACEMENTS.items():
        scene = parse_scene(scene_dict(data, placement))
        tracks = character_audio(scene)
        conv = generate_conversation(scene, opts, audio=tracks)
        report[name] = gaze_metrics(conv)
        if name == "three_quarter":
            with tempfile.TemporaryDirectory() as tmp:
                report["stereo_frame_agreement"] = {f"{db:g}dB": stereo_agreement(conv, tracks, db, Path(tmp))
                                                    for db in (-20.0, -12.0)}
            report["frames"] = int(conv.floor.size)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
