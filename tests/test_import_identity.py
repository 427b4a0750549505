"""The same source is ``inference`` in plain Python and ``<package>.inference`` inside Blender:
objects made under one name must be accepted under the other (no ``isinstance`` across them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = """
import numpy as np
from tools.bake import load_extension
load_extension(register=False)
import inference.audio as plain
from speech_animator.inference import audio as ext_audio, prosody as ext_prosody
from speech_animator.inference.body.procedural import ProceduralBody
from speech_animator.inference.options import GenerateOptions
assert plain.Audio is not ext_audio.Audio  # two import identities of one file
t = np.arange(32000) / 16000
x = (0.3 * np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)
a = plain.prepare_audio(x, 16000)
p = ext_prosody.analyze_prosody(a)
track = ProceduralBody().run(a, GenerateOptions(), None, None)
assert ext_audio.is_audio(a) and not ext_audio.is_audio(x)
try:
    ext_prosody.analyze_prosody(x)
except ext_audio.AudioError as exc:
    assert "expected an inference.audio.Audio, found ndarray" in str(exc)
else:
    raise SystemExit("a bare array was accepted as Audio")
print("ok", p.num_frames, track.poses.shape[0])
"""


def test_audio_from_the_other_import_identity_is_accepted():
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    words = out.stdout.split()
    assert words[0] == "ok" and int(words[1]) == 200 and int(words[2]) == 60  # 2 s at 100 and 30 fps
