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
