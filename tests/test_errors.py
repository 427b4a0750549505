"""The user-facing error contract: stable codes, rebuilt across the process boundary."""

from inference.audio import AudioError
from inference.errors import InputError, SpeechAnimatorError, error_classes, error_from_code
from inference.face.flame import FlameMapError
from inference.formats.beat2 import FormatError
from inference.runtime import ModelFileError


def test_user_errors_share_one_base_with_unique_codes():
    for cls in (AudioError, FormatError, FlameMapError, ModelFileError):
        assert issubclass(cls, SpeechAnimatorError)
    codes = [c.code for c in (AudioError, FormatError, FlameMapError, ModelFileError)]
    assert len(set(codes)) == len(codes)
    assert error_classes()["audio"] is AudioError


def test_error_from_code_rebuilds_type_and_message():
    err = error_from_code("audio", "clip.wav: expected audio, found 0 samples")
    assert type(err) is AudioError and isinstance(err, ValueError)
    assert str(err) == "clip.wav: expected audio, found 0 samples"
    assert type(error_from_code("no-such-code", "x")) is SpeechAnimatorError
    assert isinstance(error_from_code("input", "x"), InputError)


def test_errors_cross_a_boundary_by_code_and_bugs_keep_their_traceback():
    import json
    import traceback

    from inference.errors import BackendError, WorkerBug, error_from_dict, error_to_dict, user_message

    d = json.loads(json.dumps(error_to_dict(BackendError("face_model: expected one of ['fast'], found 'x'"))))
    back = error_from_dict(d)
    assert type(back) is BackendError and d["code"] == "backend" and "found 'x'" in user_message(back)
    try:
        {}["missing"]
    except KeyError as exc:
        d = json.loads(json.dumps(error_to_dict(exc, traceback.format_exc())))
    bug = error_from_dict(d)
    assert d["code"] is None and isinstance(bug, WorkerBug) and not isinstance(bug, SpeechAnimatorError)
    assert bug.type_name == "builtins.KeyError"
    text = user_message(bug)
    assert text.startswith("builtins.KeyError: 'missing'") and "Traceback (most recent call last)" in text
    assert "test_errors.py" in text  # the worker-side frames are kept


def test_target_error_is_an_input_error_with_its_own_code():
    """addon.errors.TargetError (bpy side) joins the contract: rebuilt by code across processes."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from tools.bake import load_extension\n"
        "load_extension(register=False)\n"
        "from speech_animator.addon.errors import BakeError, TargetError, check_editable\n"
        "from speech_animator.inference.errors import InputError, error_from_code\n"
        "assert issubclass(TargetError, InputError) and issubclass(TargetError, ValueError)\n"
        "e = error_from_code('target', 'Head: no shape keys')\n"
        "assert type(e) is TargetError and str(e) == 'Head: no shape keys'\n"
        "assert type(error_from_code('bake', 'x')) is BakeError and issubclass(BakeError, InputError)\n"
        "class Lib: filepath = '//lib.blend'\n"
        "class Linked: name, library, override_library = 'Head', Lib(), None\n"
        "try:\n"
        "    check_editable(Linked())\n"
        "except TargetError as exc:\n"
        "    assert 'linked from library' in str(exc) and '//lib.blend' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('linked object accepted')\n"
        "class Local: name, library, override_library, data = 'Head', None, None, None\n"
        "check_editable(Local())\n"
        "print('ok', TargetError.code)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-2:] == ["ok", "target"]
