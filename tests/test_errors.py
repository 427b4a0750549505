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
