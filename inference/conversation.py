"""A dialogue scene of two or more characters -> one :class:`Performance` per character.

Each character gets its own speech on the scene timeline (:mod:`inference.dialogue_audio`:
separate files placed at start times, or one channel of a multichannel file with cross-talk bleed
removed) and the ordinary generate path (:func:`inference.generate.generate`) runs on it: the face
speaks and the body gestures where it talks, the body idles (breathing, sway, weight shifts of
:mod:`inference.body.idle`) and the face blinks everywhere. On top, :mod:`inference.body.listening`
adds who looks at whom (gaze at the speaker, turning towards who talks, look-aways at turn starts,
nods at the speaker's phrase ends, blinks with big gaze shifts). All performances share the
scene's ``T = ceil(duration_s * fps)`` frames and are repeatable for a given seed.

The scene file format (JSON or TOML) is documented in ``docs/formats.md`` ("Conversation scene").
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field, replace

import numpy as np

from .audio import SAMPLE_RATE_HZ, load_audio
from .body import listening
from .dialogue_audio import load_channels, mute_outside, own_speech, place_lines
from .errors import InputError
from .options import GenerateOptions
from .analysis import analyze_audio
from .timebase import num_frames

#: Seeds of the characters: ``options.seed + SEED_STRIDE * index``.
SEED_STRIDE: int = 1009


class SceneError(InputError):
    """A conversation scene description that cannot be used."""

    code = "scene"


@dataclass(frozen=True)
class Line:
    """One line of a character: an audio file starting at ``start_s`` seconds on the scene timeline."""

    audio_path: str
    start_s: float = 0.0


@dataclass(frozen=True)
class Character:
    """One character of a scene.

    Attributes:
        name: unique name in the scene.
        lines: its :class:`Line` s (separate-files scenes); empty for a character who only listens.
        channel: its channel (0-based) of ``Scene.stereo_path`` (one-file scenes), else ``None``.
        position: ``(x, y, z)`` metres, Blender world (Z up): the character's floor point.
        yaw_deg: its turn about world Z in degrees, 0 = facing -Y (Blender's front view).
        eye_height_m: eye (head joint) height above ``position`` in metres.
        face_object, armature: Blender object names to bake onto (batch command; may be empty).
    """

    name: str
    lines: tuple = ()
    channel: int | None = None
    position: tuple = (0.0, 0.0, 0.0)
    yaw_deg: float = 0.0
    eye_height_m: float = listening.DEFAULT_EYE_HEIGHT_M
    face_object: str = ""
    armature: str = ""


@dataclass(frozen=True)
class Scene:
    """A dialogue scene.

    Attributes:
        characters: two or more :class:`Character` s with unique names.
        stereo_path: one multichannel file, one speaker per channel (then every character has a
            ``channel`` and no ``lines``); ``""`` for separate files.
        duration_s: scene length (s); ``None`` = until the last line (or the file) ends.

    Raises:
        SceneError: fewer than two characters, repeated names, a channel without a stereo file or
            lines with one, a missing channel, a negative start time or duration.
    """

    characters: tuple
    stereo_path: str = ""
    duration_s: float | None = None

    def __post_init__(self) -> None:
        chars = self.characters
        if len(chars) < 2:
            raise SceneError(f"scene: expected at least 2 characters, found {len(chars)}")
        names = [c.name for c in chars]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup or not all(names):
            raise SceneError(f"scene: expected unique non-empty character names, found {names}")
        for c in chars:
            if self.stereo_path:
                if c.channel is None or c.lines:
                    raise SceneError(f"character {c.name!r}: a one-file scene needs a channel and no lines, "
                                     f"found channel={c.channel!r} and {len(c.lines)} line(s)")
            elif c.channel is not None:
                raise SceneError(f"character {c.name!r}: channel {c.channel} given but the scene has no stereo file")
            for ln in c.lines:
                if not (ln.start_s >= 0 and math.isfinite(ln.start_s)):
                    raise SceneError(f"character {c.name!r}: line {ln.audio_path}: expected start_s >= 0, "
                                     f"found {ln.start_s!r}")
            if len(c.position) != 3:
                raise SceneError(f"character {c.name!r}: position: expected [x, y, z], found {list(c.position)}")
        if self.duration_s is not None and not self.duration_s > 0:
            raise SceneError(f"scene: duration_s: expected > 0 seconds, found {self.duration_s!r}")


def parse_scene(data: dict, base_dir: str = "") -> Scene:
    """A :class:`Scene` from a mapping (a parsed JSON/TOML scene file).

    Relative audio paths are taken from ``base_dir`` (the scene file's folder).

    Raises:
        SceneError: unknown keys, wrong types, or any :class:`Scene` check.
    """
    def path(p):
        if not isinstance(p, str) or not p:
            raise SceneError(f"scene: expected an audio path string, found {p!r}")
        return p if os.path.isabs(p) else os.path.join(base_dir, p)

    _known("scene", data, {"characters", "stereo", "duration_s"})
    chars = []
    raw = data.get("characters")
    if not isinstance(raw, list):
        raise SceneError(f"scene: 'characters' must be a list of tables, found {type(raw).__name__}")
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise SceneError(f"scene: characters[{i}]: expected a table, found {type(c).__name__}")
        _known(f"characters[{i}]", c, {"name", "lines", "channel", "position", "yaw_deg", "eye_height_m",
                                       "face_object", "armature"})
        lines = []
        for j, ln in enumerate(c.get("lines", [])):
            if not isinstance(ln, dict):
                raise SceneError(f"characters[{i}].lines[{j}]: expected a table, found {type(ln).__name__}")
            _known(f"characters[{i}].lines[{j}]", ln, {"audio", "start_s"})
            lines.append(Line(path(ln.get("audio")), _num(f"characters[{i}].lines[{j}].start_s", ln.get("start_s", 0.0))))
        ch = c.get("channel")
        if ch is not None and (isinstance(ch, bool) or not isinstance(ch, int) or ch < 0):
            raise SceneError(f"characters[{i}].channel: expected an integer >= 0, found {ch!r}")
        pos = c.get("position", [0.0, 0.0, 0.0])
        if not isinstance(pos, (list, tuple)) or len(pos) != 3:
            raise SceneError(f"characters[{i}].position: expected [x, y, z] metres, found {pos!r}")
        chars.append(Character(
            name=str(c.get("name", "")), lines=tuple(lines), channel=ch,
            position=tuple(_num(f"characters[{i}].position", v) for v in pos),
            yaw_deg=_num(f"characters[{i}].yaw_deg", c.get("yaw_deg", 0.0)),
            eye_height_m=_num(f"characters[{i}].eye_height_m", c.get("eye_height_m", listening.DEFAULT_EYE_HEIGHT_M)),
            face_object=str(c.get("face_object", "")), armature=str(c.get("armature", ""))))
    stereo = data.get("stereo", "")
    dur = data.get("duration_s")
    return Scene(tuple(chars), path(stereo) if stereo else "",
                 None if dur is None else _num("duration_s", dur))


def load_scene(path: str | os.PathLike) -> Scene:
    """Read a scene file: ``.json`` or ``.toml`` (see ``docs/formats.md``).

    Raises:
        SceneError: missing file, unknown suffix, unparsable text, or a bad scene.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise SceneError(f"{path}: scene file not found")
    suffix = os.path.splitext(path)[1].lower()
    try:
        if suffix == ".json":
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        elif suffix == ".toml":
            import tomllib

            with open(path, "rb") as f:
                data = tomllib.load(f)
        else:
            raise SceneError(f"{path}: expected a .json or .toml scene file, found {suffix or 'no suffix'!r}")
    except (ValueError, UnicodeDecodeError) as exc:  # json.JSONDecodeError and tomllib.TOMLDecodeError
        raise SceneError(f"{path}: cannot parse the scene ({exc})") from exc
    if not isinstance(data, dict):
        raise SceneError(f"{path}: expected a table at the top level, found {type(data).__name__}")
    return parse_scene(data, os.path.dirname(os.path.abspath(path)))


def _known(where: str, d: dict, keys: set) -> None:
    extra = sorted(set(d) - keys)
    if extra:
        raise SceneError(f"{where}: unknown key(s) {extra}; expected some of {sorted(keys)}")


def _num(where: str, v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise SceneError(f"{where}: expected a finite number, found {v!r}")
    return float(v)


@dataclass(frozen=True)
class Conversation:
    """The result of :func:`generate_conversation`.

    Attributes:
        names: character names, scene order.
        performances: one :class:`Performance` per character, all ``T`` frames at ``fps``.
        speaking: ``(C, T)`` bool, each character's own speech per frame.
        floor: ``(T,)`` int, who holds the floor (:func:`inference.body.listening.floor_holder`).
        plans: the :class:`inference.body.listening.ListeningPlan` of each character.
        angles: ``(C, C, 2)`` float64 (yaw, pitch) rad from each character to each other one.
    """

    names: tuple
    performances: tuple
    speaking: np.ndarray
    floor: np.ndarray
    plans: tuple
    angles: np.ndarray
    fps: float = 30.0
    warnings: tuple = field(default=())

    def performance(self, name: str):
        """The performance of the character called ``name`` (KeyError naming the characters)."""
        if name not in self.names:
            raise KeyError(f"character {name!r}: not in the scene; characters: {list(self.names)}")
        return self.performances[self.names.index(name)]


def character_audio(scene: Scene) -> list:
    """Each character's 16 kHz speech on the scene timeline (equally long :class:`Audio` s).

    Raises:
        inference.audio.AudioError: unreadable audio; SceneError: a channel the file lacks.
    """
    if scene.stereo_path:
        chans = load_channels(scene.stereo_path)
        for c in scene.characters:
            if c.channel >= len(chans):
                raise SceneError(f"character {c.name!r}: channel {c.channel}: {scene.stereo_path} has "
                                 f"{len(chans)} channel(s)")
        picked = [chans[c.channel] for c in scene.characters]
        owned = own_speech(picked)
        n = min(a.samples.shape[0] for a in picked)
        dur = scene.duration_s or n / SAMPLE_RATE_HZ
        out = []
        for c, a, mask in zip(scene.characters, picked, owned):
            clean = mute_outside(a, mask)
            out.append(place_lines([(clean, 0.0)], dur, c.name))
        return out
    loaded = [[(load_audio(ln.audio_path), ln.start_s) for ln in c.lines] for c in scene.characters]
    ends = [s + a.duration_s for lines in loaded for a, s in lines]
    if not ends and scene.duration_s is None:
        raise SceneError("scene: no character has a line; give lines or duration_s")
    dur = scene.duration_s or max(ends)
    return [place_lines(lines, dur, c.name) for c, lines in zip(scene.characters, loaded)]


def generate_conversation(scene: Scene, options: GenerateOptions = GenerateOptions(), progress=None,
                          audio=None) -> Conversation:
    """Generate every character of ``scene`` over the scene's whole timeline.

    Args:
        scene: the :class:`Scene`.
        options: :class:`GenerateOptions` for every character (each gets seed
            ``options.seed + SEED_STRIDE * index``).
        progress: optional ``progress(fraction, message)``; may raise to cancel.
        audio: optional precomputed :func:`character_audio` result.

    Returns:
        :class:`Conversation`.

    Raises:
        SceneError, inference.audio.AudioError, and whatever :func:`inference.generate.generate` raises.
    """
    from .generate import generate

    tracks = audio if audio is not None else character_audio(scene)
    fps = float(options.fps)
    t_n = num_frames(tracks[0].duration_s, fps)
    count = len(scene.characters)
    analyses = [analyze_audio(a) for a in tracks]  # once per track: prosody here, then generate() reads the same
    pros = [an.prosody for an in analyses]
    speaking = np.zeros((count, t_n), bool)
    frame_t = np.arange(t_n) / fps
    for k, p in enumerate(pros):
        idx = np.clip(np.floor(frame_t * p.fps).astype(int), 0, p.num_frames - 1)
        speaking[k] = p.speech[idx]
    floor = listening.floor_holder(speaking)
    chars = scene.characters
    angles = np.zeros((count, count, 2))
    for a, ca in enumerate(chars):
        for b, cb in enumerate(chars):
            if a != b:
                angles[a, b] = listening.look_angles(ca.position, math.radians(ca.yaw_deg), ca.eye_height_m,
                                                     cb.position, cb.eye_height_m)
    phrases = [p.phrases for p in pros]
    perfs, plans, warnings = [], [], []
    for k, (c, track) in enumerate(zip(chars, tracks)):
        if progress is not None:
            progress(k / count, f"{c.name}: generate")
        opts = replace(options, seed=int(options.seed) + SEED_STRIDE * k)
        perf = generate(track, opts, analysis=analyses[k])
        rng = np.random.default_rng([int(opts.seed), 0xC0])
        plan = listening.plan_attention(k, floor, speaking, angles, phrases, fps, rng)
        perfs.append(listening.apply_plan(perf, plan))
        plans.append(plan)
        warnings += [f"{c.name}: {w}" for w in perf.provenance.warnings]
    if progress is not None:
        progress(1.0, "done")
    return Conversation(tuple(c.name for c in chars), tuple(perfs), speaking, floor, tuple(plans), angles,
                        fps, tuple(warnings))
