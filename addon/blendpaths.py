"""Paths stored in a .blend: ``//`` means the folder of the saved .blend (Blender's convention), so
a scene and its audio can move together to another folder or machine.

Every place that reads the audio path (Generate, its poll, Regenerate, prompts, the worker job,
Add Sound Strip, the batch command's inputs, sound strips) goes through :func:`resolve`; the
inference side only ever sees the absolute result.
"""

from __future__ import annotations

import os

import bpy


def resolve(path: str, library=None) -> str:
    """Absolute, normalised file-system path of ``path`` (``""`` stays ``""``).

    ``//name`` is resolved against the folder of the open .blend (``bpy.data.filepath``; of
    ``library``'s file for linked data); a relative path without ``//`` against the current
    directory. An unsaved .blend resolves ``//name`` against the current directory (Blender's rule).
    """
    if not path:
        return ""
    return os.path.normpath(os.path.abspath(bpy.path.abspath(path, library=library)))
