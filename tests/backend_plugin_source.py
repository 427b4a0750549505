"""Source of a third-party backend module used by the backend-API tests.

The tests copy this file to a temporary folder OUTSIDE the package (so it is found only through
``GenerateOptions.backend_modules``, the environment variable or ``sys.path``) and never import
it from here. It uses nothing of Speech Animator but the ``api`` handed to ``register_backends``.
"""

import os
import sys
import time

import numpy as np

#: Instances created in this process (a persistent worker keeps the count across jobs).
CREATED = [0]


def register_backends(api):
    names = list(api.ARKIT_NAMES)
    jaw = names.index("jawOpen")

    class EchoFace:
        """jawOpen follows the audio envelope at 50 fps; owns the blink channels (leaves them at 0)."""

        name = "echo"
        OPTION_DEFAULTS = {"gain": 1.0, "own_blinks": True, "chunks": 4, "sleep_s": 0.0,
                           # test switches: bytes to write to stderr, crash the process, raise a bug
                           "stderr_bytes": 0, "crash": False, "bug": False}

        @staticmethod
        def validate_options(opts):
            if not 0.0 <= float(opts.get("gain", 1.0)) <= 2.0:
                raise api.BackendError(f"backend_options['echo']['gain']: expected 0..2, found {opts['gain']!r}")

        def __init__(self):
            CREATED[0] += 1
            self.created = CREATED[0]

        def run(self, audio, options, progress=None):
            opts = api.options_for("face", self.name, options)
            if opts["stderr_bytes"]:
                sys.stderr.write("x" * opts["stderr_bytes"] + "\n")
                sys.stderr.flush()
            if opts["crash"]:
                sys.stderr.write("echo backend: crashing on purpose\n")
                sys.stderr.flush()
                os._exit(3)
            if opts["bug"]:
                {}["no such key"]
            hop = audio.sample_rate_hz // 50
            n = max(1, int(np.ceil(audio.samples.size / hop)))
            out = np.zeros((n, len(names)), np.float32)
            chunks = np.array_split(np.arange(n), int(opts["chunks"]))
            for i, idx in enumerate(chunks):
                for t in idx:
                    seg = audio.samples[t * hop:(t + 1) * hop]
                    out[t, jaw] = min(1.0, float(np.sqrt(np.mean(seg ** 2)) if seg.size else 0.0) * 4 * opts["gain"])
                time.sleep(opts["sleep_s"])
                if progress is not None:
                    progress((i + 1) / len(chunks), f"chunk {i + 1}/{len(chunks)}")
            owned = ("eyeBlinkLeft", "eyeBlinkRight") if opts["own_blinks"] else ()
            return api.FaceTrack(fps=50.0, arkit=out, device=f"echo-device:{self.created}", model="echo-v1",
                                 owned_channels=owned)

    class StillBody:
        name = "still"

        def run(self, audio, options, constraints=None, face=None):
            n = max(1, int(np.ceil(audio.duration_s * 15)))
            return api.BodyTrack(fps=15.0, poses=np.zeros((n, 55, 3), np.float32),
                                 transl=np.zeros((n, 3), np.float32), model="still-v1", device="fake-gpu:0")

    api.register_face_backend("echo", EchoFace)
    api.register_body_backend("still", StillBody)
