"""After Generate: make pressing Play show and sound the result.

Two optional steps (both on by default in the sidebar and the batch command):

- **frame range**: the scene's ``frame_start``/``frame_end`` become the clip's frames, first frame
  = the start frame, as many frames as the performance has at the scene rate ``fps / fps_base``
  (:func:`inference.timebase.num_frames`, the one time base);
- **sound strip**: the audio file as a sound strip at the start frame (an existing strip of the
  same file is moved there instead of adding a second one).

The sidebar operators change the scene inside their own undo step (Undo restores the previous
range and removes the strip). The batch command, which has no undo, calls
:meth:`PlaybackChange.revert` to put the opened scene back before the next file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import blendpaths, compat

#: Outcomes of :func:`ensure_sound_strip`.
STRIP_ADDED, STRIP_MOVED, STRIP_PRESENT, STRIP_UNAVAILABLE = "added", "moved", "present", "unavailable"


@dataclass
class PlaybackChange:
    """What :func:`show_result` changed in a scene.

    Attributes:
        old_range: ``(frame_start, frame_end, frame_current)`` before, ``None`` when the range was not set.
        new_range: ``(frame_start, frame_end)`` after, ``None`` when the range was not set.
        strip: name of the sound strip playing the clip (``""``: none).
        strip_added: True when that strip was added (False: it existed and was moved or left).
        strip_old_frame: the strip's start frame before it was moved (``None``: not moved).
        messages: user-facing notes (INFO); warnings: what could not be done (WARNING).
    """

    old_range: tuple | None = None
    new_range: tuple | None = None
    strip: str = ""
    strip_added: bool = False
    strip_old_frame: int | None = None
    messages: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def revert(self, scene) -> None:
        """Put ``scene`` back as it was before :func:`show_result` (the batch command's undo)."""
        if self.strip and scene.sequence_editor is not None:
            strips = compat.sound_strips(scene)
            st = strips.get(self.strip)
            if st is not None and self.strip_added:
                strips.remove(st)
            elif st is not None and self.strip_old_frame is not None:
                st.frame_start = self.strip_old_frame
        if self.old_range is not None:
            scene.frame_start, scene.frame_end, scene.frame_current = self.old_range


def fit_frame_range(scene, first_frame: int, frames: int) -> tuple:
    """Set the scene's frame range to ``first_frame .. first_frame + frames - 1``; the current frame
    moves to ``first_frame`` only when it lies outside. Returns the old
    ``(frame_start, frame_end, frame_current)``.

    Raises:
        ValueError: ``frames`` < 1.
    """
    if int(frames) < 1:
        raise ValueError(f"frame range: expected at least 1 frame, found {frames!r}")
    old = (int(scene.frame_start), int(scene.frame_end), int(scene.frame_current))
    first, last = int(first_frame), int(first_frame) + int(frames) - 1
    scene.frame_start = first  # Blender raises frame_end with it when needed; set the end after
    scene.frame_end = last
    if not first <= scene.frame_current <= last:
        scene.frame_current = first
    return old


def _strip_path(path: str) -> str:
    """The path a new sound strip stores: ``//``-relative kept as typed when the .blend is saved (so
    the strip moves with it), else absolute."""
    import bpy

    return path if path.startswith("//") and bpy.data.filepath else blendpaths.resolve(path)


def ensure_sound_strip(scene, path: str, frame_start: int):
    """Make a sound strip play ``path`` from ``frame_start``: ``(status, strip_name, old_frame, text)``.

    ``status``: :data:`STRIP_ADDED` (on the first free channel), :data:`STRIP_MOVED` (a strip of the
    same file moved, ``old_frame`` its previous start), :data:`STRIP_PRESENT` (already there) or
    :data:`STRIP_UNAVAILABLE` (no Audaspace in this Blender: ``text`` says so, nothing changed).
    ``path`` may be ``//``-relative (:func:`addon.blendpaths.resolve`).

    Raises:
        RuntimeError: Blender cannot load the file as a sound (from ``new_sound``).
    """
    from .timeline_audio import sound_strips, strip_file

    absolute = blendpaths.resolve(path)
    frame_start = int(frame_start)
    same = [st for st in sound_strips(scene) if strip_file(st) == absolute] if compat.has_audaspace() else []
    if same:  # never a second strip for the same file: keep it in sync with the start frame instead
        st = same[0]
        if int(st.frame_start) == frame_start:
            return STRIP_PRESENT, st.name, None, f"Sound strip {st.name!r} for this file is already at frame {frame_start}"
        old = int(st.frame_start)
        st.frame_start = frame_start
        return STRIP_MOVED, st.name, old, f"Moved sound strip {st.name!r} from frame {old} to {frame_start}"
    if not compat.has_audaspace():
        return STRIP_UNAVAILABLE, "", None, compat.NO_AUDASPACE
    used = {st.channel for st in compat.sound_strips(scene)}
    channel = next(c for c in range(1, 129) if c not in used)
    strip, _why = compat.add_sound_strip(scene, os.path.basename(absolute), _strip_path(path), channel, frame_start)
    return STRIP_ADDED, strip.name, None, f"Added sound strip {strip.name!r} at frame {frame_start}, channel {channel}"


def show_result(scene, first_frame: int, frames: int, fps: float, sound_path: str = "", *,
                fit_range: bool = True, add_strip: bool = True) -> PlaybackChange:
    """Fit the frame range (``fit_range``) and add/move the sound strip of ``sound_path``
    (``add_strip``; ``""``: none, e.g. audio taken from the timeline's own strips).

    ``frames``: the performance's frame count at ``fps`` (the scene rate). A sound the Blender
    cannot load or a Blender without Audaspace is a warning in the returned change, never an error:
    the animation was baked either way.
    """
    change = PlaybackChange()
    if fit_range:
        change.old_range = fit_frame_range(scene, first_frame, frames)
        change.new_range = (int(scene.frame_start), int(scene.frame_end))
        change.messages.append(f"Frame range set to the clip: {change.new_range[0]}-{change.new_range[1]} "
                               f"({int(frames)} frames at {fps:g} fps)")
    if add_strip and sound_path:
        try:
            status, name, old, text = ensure_sound_strip(scene, sound_path, first_frame)
        except RuntimeError as exc:
            change.warnings.append(f"no sound strip added: Blender cannot load {blendpaths.resolve(sound_path)} "
                                   f"as a sound ({exc})")
            return change
        if status == STRIP_UNAVAILABLE:
            change.warnings.append(text)
            return change
        change.strip, change.strip_added = name, status == STRIP_ADDED
        change.strip_old_frame = old
        if status != STRIP_PRESENT:
            change.messages.append(text)
    return change
