"""The backend API: third-party modules, channel ownership, devices, progress, backend options,
and the one options builder / serialisers (all in this process; the worker process is tested in
``test_worker_process.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference import backends
from inference.audio import prepare_audio
from inference.errors import BackendError, InputError
from inference.generate import generate
from inference.options import FrozenMapping, GenerateOptions, GestureStyle
from inference.performance import Performance
from rigs.arkit import ARKIT_INDEX

PLUGIN_SOURCE = Path(__file__).with_name("backend_plugin_source.py")


@pytest.fixture
def plugin(tmp_path):
    """The plugin copied to a folder outside the package; unregistered afterwards."""
    path = tmp_path / "outside" / f"echo_plugin_{tmp_path.name}.py"
    path.parent.mkdir()
    shutil.copy(PLUGIN_SOURCE, path)
    yield str(path)
    backends.unregister_backend("face", "echo")
    backends.unregister_backend("body", "still")


def speech(seconds=2.0, rate=16000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    env = 0.5 * (1 + np.sin(2 * np.pi * 3 * t)) * (t > 0.3)
    return prepare_audio((0.3 * env * rng.standard_normal(t.size)).astype(np.float32), rate, "clip.wav")


def test_options_from_and_to_mapping_round_trip():
    o = GenerateOptions.from_mapping({"what": "FACE", "fps": 30, "fps_base": 1.001, "device": "CPU",
                                      "body_parts": "upper,hands", "gesture": {"energy": 1.5},
                                      "backend_options": {"echo": {"gain": 0.5, "list": [1, 2]}},
                                      "backend_modules": ["pkg.mod"], "seed": None})
    assert (o.face, o.body, o.device, o.seed) == (True, False, "cpu", 0)
    assert o.fps == pytest.approx(30 / 1.001)
    assert o.body_parts == ("upper", "hands") and o.gesture == GestureStyle(energy=1.5)
    assert isinstance(o.backend_options, FrozenMapping) and o.backend_options["echo"]["list"] == (1, 2)
    assert o.backend_modules == ("pkg.mod",)
    hash(o)  # frozen and hashable, backend_options included
    again = GenerateOptions.from_mapping(json.loads(json.dumps(o.to_mapping())))
    assert again == o and hash(again) == hash(o)
    import pickle

    assert pickle.loads(pickle.dumps(o)) == o  # e.g. for distributed workers
    assert GenerateOptions.from_mapping({}) == GenerateOptions()


@pytest.mark.parametrize("bad,match", [
    ({"fsp": 30}, r"unknown option\(s\) \['fsp'\]; expected some of \[.*'fps'"),
    ({"what": "legs"}, r"what: expected one of 'face', 'body', 'both', found 'legs'"),
    ({"gesture": {"energy": 1, "mood": "x"}}, r"gesture: unknown key\(s\) \['mood'\]"),
    ({"backend_options": {"echo": 3}}, r"backend_options\['echo'\]: expected a mapping"),
    ({"backend_options": {"echo": {"f": object()}}}, r"expected a str, number"),
    ({"face": "yes"}, r"face: expected true or false"),
    ({"intensity": 3}, r"intensity: expected a number in \[0.0, 2.0\], found 3"),
])
def test_options_builder_rejects_bad_input_naming_valid_choices(bad, match):
    with pytest.raises(InputError, match=match):
        GenerateOptions.from_mapping(bad)


def test_backend_from_a_module_outside_the_package(plugin):
    progress = []
    opts = GenerateOptions(fps=25.0, face_model="echo", body_model="still", backend_modules=(plugin,),
                           backend_options={"echo": {"chunks": 5}})
    perf = generate(speech(), opts, progress=lambda f, m: progress.append((f, m)))
    prov = perf.provenance
    assert (prov.face_model, prov.body_model) == ("echo-v1", "still-v1")
    assert prov.face_device.startswith("echo-device:") and prov.body_device == "fake-gpu:0"
    assert prov.device == prov.face_device
    assert perf.num_frames == 50 and perf.smplx_poses.shape == (50, 55, 3)
    assert perf.arkit[:, ARKIT_INDEX["jawOpen"]].max() > 0.3
    # Fine-grained: one message per backend chunk, mapped inside the face span, never going back.
    chunks = [m for _, m in progress if m.startswith("face: chunk")]
    assert chunks == [f"face: chunk {i}/5" for i in range(1, 6)]
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(set(fractions)) >= 8
    assert "echo" in backends.face_backend_names() and plugin in backends.carried_modules()


def test_owned_channels_get_no_procedural_blinks(plugin):
    blinks = [ARKIT_INDEX["eyeBlinkLeft"], ARKIT_INDEX["eyeBlinkRight"]]
    audio = speech(seconds=8.0)
    base = dict(face_model="echo", body=False, backend_modules=(plugin,), procedural_face=True)
    owned = generate(audio, GenerateOptions(**base))
    not_owned = generate(audio, GenerateOptions(**base, backend_options={"echo": {"own_blinks": False}}))
    assert np.all(owned.arkit[:, blinks] == 0.0)  # the backend's own (zero) blinks, nothing added
    assert not_owned.arkit[:, blinks].max() > 0.5  # the procedural layer blinks on channels it may use
    others = [i for i in range(52) if i not in blinks]
    assert np.array_equal(owned.arkit[:, others], not_owned.arkit[:, others])


def test_backend_options_are_validated_by_the_backend(plugin):
    backends.load_backend_modules([plugin])
    with pytest.raises(BackendError, match=r"unknown option\(s\) \['gian'\]; face backend 'echo' accepts "
                                           r"\['bug', 'chunks', 'crash', 'gain', 'own_blinks', 'sleep_s', 'stderr_bytes'\]"):
        backends.check_options(GenerateOptions(face_model="echo", backend_options={"echo": {"gian": 1}}))
    with pytest.raises(BackendError, match=r"\['gain'\]: expected 0..2, found 5"):
        backends.check_options(GenerateOptions(face_model="echo", backend_options={"echo": {"gain": 5}}))
    with pytest.raises(BackendError, match=r"\['chunks'\]: expected a int \(default 4\), found 'many'"):
        backends.check_options(GenerateOptions(backend_options={"echo": {"chunks": "many"}}))
    with pytest.raises(BackendError, match=r"'nope' is not a registered backend; expected some of \[.*'echo'"):
        backends.check_options(GenerateOptions(backend_options={"nope": {}}))
    with pytest.raises(BackendError, match=r"face_model: expected one of \['default', .*'echo'.*found 'ech'"):
        backends.check_options(GenerateOptions(face_model="ech"))
    with pytest.raises(BackendError, match="no such file"):
        backends.check_options(GenerateOptions(backend_modules=("/no/such/backend.py",)))
    with pytest.raises(BackendError, match="importable from sys.path"):
        backends.check_options(GenerateOptions(backend_modules=("no_such_backend_pkg.mod",)))
    backends.check_options(GenerateOptions(face_model="echo", body_model="still",
                                           backend_options={"echo": {"gain": 1, "own_blinks": False}}))


def test_builtin_devices_and_silence_warning_in_provenance():
    silent = prepare_audio(np.zeros(16000, np.float32), 16000, "quiet.wav")
    perf = generate(silent, GenerateOptions(face_model="fast"))
    prov = perf.provenance
    assert (prov.face_device, prov.body_device, prov.device) == ("numpy", "numpy", "numpy")
    assert prov.warnings == ("quiet.wav: no speech (peak level -240 dBFS); the face stays at rest",)
    assert generate(speech(), GenerateOptions(face_model="fast", body=False)).provenance.warnings == ()


def test_performance_arrays_round_trip(tmp_path):
    perf = generate(speech(), GenerateOptions(face_model="fast", fps=24.0))
    np.savez(tmp_path / "p.npz", **perf.to_arrays())
    with np.load(tmp_path / "p.npz", allow_pickle=False) as z:
        back = Performance.from_arrays(z)
    assert back.fps == 24.0 and back.provenance == perf.provenance
    for name in ("arkit", "smplx_poses", "transl"):
        assert np.array_equal(getattr(back, name), getattr(perf, name))
    assert back.expression is None
    assert perf.transl_origin == back.transl_origin == "rest"  # the procedural body is rest-relative
    old = {k: v for k, v in perf.to_arrays().items() if k != "transl_origin"}  # written before the key
    assert Performance.from_arrays(old).transl_origin == "first_frame"
    with pytest.raises(ValueError, match=r"transl_origin: expected one of \['rest', 'first_frame'\], found 'up'"):
        Performance(24.0, perf.arkit, transl_origin="up")
    with pytest.raises(ValueError, match=r"missing key\(s\) \['provenance'\]"):
        Performance.from_arrays({"fps": np.array(30.0), "arkit": perf.arkit})


def test_parse_backend_options_for_the_command_lines():
    from inference.options import parse_backend_options

    got = parse_backend_options(["echo.gain=0.5", "echo.own_blinks=false", "echo.name=plain text", "still.n=[1,2]"])
    assert got == {"echo": {"gain": 0.5, "own_blinks": False, "name": "plain text"}, "still": {"n": [1, 2]}}
    assert GenerateOptions.from_mapping({"backend_options": got}).backend_options["still"]["n"] == (1, 2)
    for bad in ("gain=0.5", "echo.gain", ".gain=1", "echo.=1"):
        with pytest.raises(InputError, match="expected BACKEND.OPTION=VALUE"):
            parse_backend_options([bad])


def test_face_track_owned_channels_must_be_arkit_names():
    with pytest.raises(ValueError, match=r"owned_channels: \['blink'\] are not ARKit names"):
        backends.FaceTrack(fps=30.0, arkit=np.zeros((2, 52), np.float32), device="numpy", model="x",
                           owned_channels=("eyeBlinkLeft", "blink"))
