"""Audio from the timeline: the scene's sound strips (one strip, or every strip on a channel) mixed
at their frame offsets into one continuous 16 kHz recording, so Generate makes one result that
lines up with what plays.

Each strip contributes what it plays: from ``frame_final_start`` to ``frame_final_end`` (trims
respected), starting ``frame_offset_start`` frames into its file, scaled by its ``volume``; muted
strips are skipped. Gaps between strips are silence. The mix is written (16 kHz mono PCM WAV) to a
temporary folder named after its content, so regenerating the same strips reuses one file.

Where Blender has no Audaspace (the bpy 4.2 *module*), a scene can hold no sound strips: Add Sound
Strip and these sources then say so as a warning instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

import numpy as np

from ..inference.audio import SAMPLE_RATE_HZ, load_audio
from ..inference.batch.atomic import atomic_path
from ..inference.timebase import scene_rate
from ..inference.errors import InputError
from . import blendpaths, compat


class TimelineAudioError(InputError):
    """No usable sound strip for the chosen timeline source (the message lists the valid ones)."""

    code = "timeline_audio"


def sound_strips(scene) -> list:
    """The scene's sound strips (every channel; empty without a sequencer)."""
    if scene.sequence_editor is None:
        return []
    return [st for st in compat.sound_strips(scene) if st.type == 'SOUND']


def strip_file(strip) -> str:
    """Absolute path of a sound strip's file."""
    sound = strip.sound
    return blendpaths.resolve(sound.filepath, library=sound.library)


def pick_strips(scene, source: str, strip_name: str = "", channel: int = 1) -> list:
    """Strips for ``source`` ``'STRIP'`` (the one named ``strip_name``) or ``'CHANNEL'`` (every
    unmuted sound strip on ``channel``), sorted by start frame.

    Raises:
        TimelineAudioError: nothing found (message names the valid strips/channels), or no Audaspace.
    """
    strips = sound_strips(scene)
    if not strips:
        why = "" if compat.has_audaspace() else " (this Blender is built without Audaspace: no sound strips)"
        raise TimelineAudioError(f"timeline audio: the scene has no sound strips{why}; use an audio file instead")
    if source == 'STRIP':
        found = [st for st in strips if st.name == strip_name]
        if not found:
            raise TimelineAudioError(f"timeline audio: no sound strip named {strip_name!r}; "
                                     f"found {sorted(st.name for st in strips)}")
    else:
        found = [st for st in strips if st.channel == channel and not st.mute]
        if not found:
            raise TimelineAudioError(f"timeline audio: no unmuted sound strip on channel {channel}; channels with "
                                     f"sound: {sorted({st.channel for st in strips})}")
    return sorted(found, key=lambda st: st.frame_final_start)


def mix(strips, fps: float) -> tuple[np.ndarray, int]:
    """``(samples, first_frame)``: the strips mixed at their offsets, ``(N,)`` float32 at 16 kHz,
    sample 0 at scene frame ``first_frame``.

    Raises:
        AudioError: a strip's file cannot be decoded (from :func:`inference.audio.load_audio`).
    """
    first = min(int(st.frame_final_start) for st in strips)
    last = max(int(st.frame_final_end) for st in strips)
    total = int(round((last - first) / fps * SAMPLE_RATE_HZ))
    out = np.zeros(max(total, 1), np.float32)
    for st in strips:
        audio = load_audio(strip_file(st)).samples
        skip = int(round(float(st.frame_offset_start) / fps * SAMPLE_RATE_HZ))
        length = int(round((st.frame_final_end - st.frame_final_start) / fps * SAMPLE_RATE_HZ))
        part = audio[skip:skip + length] * float(getattr(st, "volume", 1.0))
        at = int(round((st.frame_final_start - first) / fps * SAMPLE_RATE_HZ))
        part = part[:max(0, out.shape[0] - at)]
        out[at:at + part.shape[0]] += part
    return out, first


def timeline_audio(scene, source: str, strip_name: str = "", channel: int = 1) -> tuple[str, int, list]:
    """Mix the chosen strips into a WAV file; return ``(path, start_frame, [source files])``.

    The file is ``<tmp>/speechanim-timeline-<digest>/<name>.wav`` (``name``: the strip's name, or
    ``channel N``), so the actions are named after what the artist sees in the sequencer.

    Raises:
        TimelineAudioError, AudioError: see :func:`pick_strips` and :func:`mix`.
    """
    import soundfile

    strips = pick_strips(scene, source, strip_name, channel)
    fps = scene_rate(scene.render.fps, scene.render.fps_base)
    samples, first = mix(strips, fps)
    files = [strip_file(st) for st in strips]
    key = repr([(f, os.path.getmtime(f), st.frame_final_start, st.frame_final_end, st.frame_offset_start,
                 getattr(st, "volume", 1.0)) for f, st in zip(files, strips)]) + repr(fps)
    folder = os.path.join(tempfile.gettempdir(), "speechanim-timeline-" + hashlib.sha1(key.encode()).hexdigest()[:12])
    os.makedirs(folder, exist_ok=True)
    name = strips[0].name if source == 'STRIP' else f"channel {channel}"
    name = "".join(c if c.isalnum() or c in " ._-" else "_" for c in name) or "timeline"
    path = os.path.join(folder, os.path.splitext(name)[0] + ".wav")
    with atomic_path(path) as tmp:  # two Blender sessions mixing the same strips never share a temporary
        soundfile.write(tmp, samples, SAMPLE_RATE_HZ, subtype="PCM_16", format="WAV")
    return path, first, files
