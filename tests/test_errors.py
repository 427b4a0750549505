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
