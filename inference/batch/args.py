"""Command-line options shared by ``python -m inference`` and the Blender batch (``-c speech_animator``).

One parser fragment and one options builder, so both CLIs accept the same spellings, validate
everything before the first file is touched and exit with code 2 naming the valid choices.
"""

from __future__ import annotations

import argparse
import math

from ..errors import InputError
from ..face.emotion import CATEGORIES as EMOTION_CATEGORIES
from ..options import BODY_PARTS, DEVICES, GESTURE_PRESETS, GenerateOptions, GestureStyle, parse_backend_options
from .errors import UsageError

#: Accepted output frame rates (frames per second), inclusive.
FPS_RANGE: tuple[float, float] = (1.0, 1000.0)
#: Re-run policies: what to do with outputs that already exist.
RERUN_POLICIES: tuple[str, ...] = ("refuse", "overwrite", "skip")
#: ``--gesture-preset`` spellings (:data:`inference.options.GESTURE_PRESETS` names, spaces as hyphens).
GESTURE_PRESET_CHOICES: tuple[str, ...] = tuple(name.replace(" ", "-") for name in GESTURE_PRESETS)
#: Command-line flag of each :class:`GestureStyle` field (each overrides the preset's value).
GESTURE_FLAGS: dict[str, str] = {"energy": "--gesture-energy", "rate": "--gesture-rate",
                                 "handedness": "--handedness", "posture": "--posture",
                                 "two_handed": "--two-handed", "stepping": "--stepping", "stance": "--stance"}


def add_generate_arguments(ap: argparse.ArgumentParser, *, fps_default: float | None) -> None:
    """Add the generation options (``--fps``, ``--what``, models, device, style, seed).

    Args:
        fps_default: default of ``--fps``; ``None`` means "use the scene's rate" (Blender CLI).
    """
    fps_help = (f"output frame rate, {FPS_RANGE[0]:g}..{FPS_RANGE[1]:g}"
                + (f" (default {fps_default:g})" if fps_default else " (default: the scene's rate)"))
    ap.add_argument("--fps", type=float, default=fps_default, help=fps_help)
    ap.add_argument("--what", choices=("both", "face", "body"), default="both",
                    help="generate the face, the body or both (default both)")
    ap.add_argument("--face-model", default="default", help="face backend (default: the best installed)")
    ap.add_argument("--body-model", default="default", help="body backend (default: the best installed)")
    ap.add_argument("--device", choices=DEVICES, default="auto",
                    help="onnxruntime device (default auto: CUDA when available, else CPU)")
    ap.add_argument("--seed", type=int, default=0, help="seed of blinks, gaze and gesture choice")
    ap.add_argument("--intensity", type=float, default=1.0, help="scale of speech-driven face channels, 0..2")
    ap.add_argument("--smoothing", type=float, default=0.0, help="extra face-curve smoothing, 0..1")
    ap.add_argument("--no-procedural-face", action="store_true", help="no blinks, gaze and brow motion")
    ap.add_argument("--transcript", default="", metavar="TEXT",
                    help="the words spoken, for phone-exact mouth timing by forced alignment and word-aware "
                         "gestures (falls back to "
                         "audio only when they do not match); without it, a sidecar <audio stem>.txt next to "
                         "each audio file is used when present")
    ap.add_argument("--emotion", default="", metavar="SPEC",
                    help="emotion of the face (and the body's energy): CATEGORY[:STRENGTH] (e.g. joy:0.8; "
                         "categories: " + ", ".join(c.replace(" ", "-") for c in EMOTION_CATEGORIES) + "), auto "
                         "(arousal from the audio's prosody) or auto+CATEGORY:STRENGTH; without it, a sidecar "
                         "<audio stem>.emotion.json next to each audio file is used when present (docs/usage.md)")
    ap.add_argument("--emage-checkpoint", default="", metavar="DIR",
                    help="EMAGE audio checkpoint folder for the 'emage' backends (docs/emage.md); "
                         "the same as --backend-option emage.checkpoint=DIR")
    ap.add_argument("--backend-option", action="append", default=[], metavar="BACKEND.OPTION=VALUE",
                    help="a backend-specific option (repeatable), e.g. emage.checkpoint=/models/emage")
    ap.add_argument("--parts", default=",".join(BODY_PARTS),
                    help=f"body parts, comma-separated (default {','.join(BODY_PARTS)})")
    g = ap.add_argument_group("gesture style", "a preset, then any field overriding it (docs/usage.md)")
    g.add_argument("--gesture-preset", default=None, metavar="NAME",
                   help=f"named gesture style: {', '.join(GESTURE_PRESET_CHOICES)} (default conversational)")
    g.add_argument("--gesture-energy", type=float, default=None, metavar="X",
                   help="gesture amplitude, 0 (still)..2, 1 neutral")
    g.add_argument("--gesture-rate", type=float, default=None, metavar="X", help="gesture frequency scale, 0.25..2")
    g.add_argument("--handedness", default=None, metavar="HAND",
                   help="preferred hand of one-handed gestures: both, left, right")
    g.add_argument("--posture", default=None, metavar="POSTURE", help="neutral, open or closed")
    g.add_argument("--two-handed", type=float, default=None, metavar="SHARE",
                   help="share of beat and open-palm strokes made with both hands, 0..1")
    g.add_argument("--stepping", type=float, default=None, metavar="X",
                   help="how often the speaker steps and turns, 0 (never)..2, 1 about one step per 10-20 s")
    g.add_argument("--stance", default=None, metavar="STANCE",
                   help="standing or seated (lower body still, hands rest on the thighs)")


def add_rerun_arguments(ap: argparse.ArgumentParser) -> None:
    """Add ``--overwrite`` / ``--skip-existing`` (mutually exclusive; default: refuse up front)."""
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--overwrite", action="store_true", help="replace outputs that already exist")
    g.add_argument("--skip-existing", action="store_true",
                   help="keep outputs that already exist (and their reports) and process only the rest")


def rerun_policy(args: argparse.Namespace) -> str:
    """``"overwrite"``, ``"skip"`` or ``"refuse"`` (the default) from parsed arguments."""
    if getattr(args, "overwrite", False):
        return "overwrite"
    if getattr(args, "skip_existing", False):
        return "skip"
    return "refuse"


def options_from_args(args: argparse.Namespace, fps: float | None = None) -> GenerateOptions:
    """Validated :class:`GenerateOptions` from parsed arguments, before any work.

    Args:
        args: from a parser built with :func:`add_generate_arguments`.
        fps: frame rate to use when ``args.fps`` is ``None`` (the scene's rate).

    Raises:
        UsageError: a value out of range or an unknown choice; the message names the option, the
            valid range or choices and the value found.
    """
    from .. import backends

    rate = args.fps if args.fps is not None else fps
    if rate is None or not (isinstance(rate, (int, float)) and math.isfinite(rate)
                            and FPS_RANGE[0] <= rate <= FPS_RANGE[1]):
        raise UsageError(f"--fps: expected a frame rate in [{FPS_RANGE[0]:g}, {FPS_RANGE[1]:g}], found {rate!r}")
    face, body = args.what in ("face", "both"), args.what in ("body", "both")
    _choose("--face-model", args.face_model, ["default"] + backends.face_backend_names(), face)
    _choose("--body-model", args.body_model, ["default"] + backends.body_backend_names(), body)
    _in_range("--intensity", args.intensity, 0.0, 2.0)
    _in_range("--smoothing", args.smoothing, 0.0, 1.0)
    parts = tuple(p.strip() for p in str(args.parts).split(",") if p.strip())
    for p in parts:
        _choose("--parts", p, list(BODY_PARTS), True)
    if body and not parts:
        raise UsageError(f"--parts: expected one or more of {', '.join(BODY_PARTS)}, found none")
    gesture = gesture_style_from_args(args)
    try:
        backend_options = parse_backend_options(getattr(args, "backend_option", ()))
        if getattr(args, "emage_checkpoint", ""):
            backend_options.setdefault("emage", {})["checkpoint"] = args.emage_checkpoint
        options = GenerateOptions(fps=float(rate), face=face, body=body, face_model=args.face_model,
                                  body_model=args.body_model, device=args.device, intensity=args.intensity,
                                  smoothing=args.smoothing, seed=args.seed,
                                  procedural_face=not args.no_procedural_face, body_parts=parts or BODY_PARTS,
                                  gesture=gesture, backend_options=backend_options,
                                  transcript=getattr(args, "transcript", ""),
                                  emotion=_emotion_arg(getattr(args, "emotion", "")))
        backends.check_options(options)
        return options
    except ValueError as exc:  # anything GenerateOptions or a backend checks that is not checked above
        raise UsageError(str(exc)) from exc


def gesture_style_from_args(args: argparse.Namespace) -> GestureStyle:
    """:class:`GestureStyle` from ``--gesture-preset`` (default ``conversational``) with the
    per-field flags (:data:`GESTURE_FLAGS`) overriding the preset's values.

    Preset names are accepted with hyphens, underscores or spaces (``calm-presenter``).

    Raises:
        UsageError: an unknown preset (the message lists :data:`GESTURE_PRESET_CHOICES`) or a
            field out of range / not one of its choices (the message names the flag).
    """
    preset = getattr(args, "gesture_preset", None)
    values: dict = {}
    if preset is not None:
        key = str(preset).strip().lower().replace("-", " ").replace("_", " ")
        if key not in GESTURE_PRESETS:
            raise UsageError(f"--gesture-preset: expected one of {', '.join(GESTURE_PRESET_CHOICES)}, "
                             f"found {preset!r}")
        values = dict(GESTURE_PRESETS[key])
    for field, flag in GESTURE_FLAGS.items():
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if value is not None:
            if isinstance(value, float) and not math.isfinite(value):
                raise UsageError(f"{flag}: expected a finite number, found {value!r}")
            values[field] = value.lower() if isinstance(value, str) else value
    try:
        return GestureStyle(**values)
    except InputError as exc:  # GestureStyle words it by field ("GestureStyle.energy: ..."): name the flag
        message = str(exc)
        for field, flag in GESTURE_FLAGS.items():
            message = message.replace(f"GestureStyle.{field}:", f"{flag}:")
        raise UsageError(message) from exc


def _emotion_arg(value: str):
    from ..face.emotion import EmotionSpec

    try:
        return EmotionSpec.parse(value, "--emotion")
    except InputError as exc:
        raise UsageError(str(exc)) from exc


def _choose(flag: str, value, choices: list[str], used: bool) -> None:
    if used and value not in choices:
        raise UsageError(f"{flag}: expected one of {', '.join(choices)}, found {value!r}")


def _in_range(flag: str, value, lo: float, hi: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and lo <= value <= hi):
        raise UsageError(f"{flag}: expected a number in [{lo:g}, {hi:g}], found {value!r}")


#: Suffix of the optional transcript file next to an audio file (``take.wav`` -> ``take.txt``).
TRANSCRIPT_SUFFIX = ".txt"


#: Suffix of the optional emotion file next to an audio file (``take.wav`` -> ``take.emotion.json``).
EMOTION_SUFFIX = ".emotion.json"


def options_for_file(options: GenerateOptions, audio_path) -> GenerateOptions:
    """``options`` for one batch file: its sidecar transcript (``<stem>.txt`` beside the audio, UTF-8)
    when ``options.transcript`` is empty and the file exists, and its sidecar emotion
    (``<stem>.emotion.json``: ``{"auto": bool, "keys": [[time_s, category, strength], ...]}``, or
    a bare key list or ``"joy:0.8"``, see :meth:`inference.face.emotion.EmotionSpec.parse`) when
    ``options.emotion`` is empty (``--emotion`` wins); else ``options`` unchanged.

    Raises:
        InputError: a sidecar exists but is not readable UTF-8 text / valid emotion JSON (the
            message names it).
    """
    from dataclasses import replace
    from pathlib import Path

    options = _emotion_for_file(options, Path(audio_path))
    if options.transcript or not (options.face or options.body):   # both read it (mouth timing, word gestures)
        return options
    side = Path(audio_path).with_suffix(TRANSCRIPT_SUFFIX)
    if not side.is_file():
        return options
    try:
        text = side.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{side}: expected a UTF-8 transcript of {Path(audio_path).name}, found an unreadable "
                         f"file ({exc})") from None
    return replace(options, transcript=text) if text else options


def _emotion_for_file(options: GenerateOptions, audio_path) -> GenerateOptions:
    import json
    from dataclasses import replace

    from ..face.emotion import EmotionSpec

    side = audio_path.with_name(audio_path.stem + EMOTION_SUFFIX)
    if options.emotion.keys or options.emotion.auto or not side.is_file():
        return options
    try:
        value = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{side}: expected emotion JSON for {audio_path.name} ({{\"keys\": [[time_s, "
                         f"category, strength], ...]}}), found an unreadable file ({exc})") from None
    return replace(options, emotion=EmotionSpec.parse(value, str(side)))
