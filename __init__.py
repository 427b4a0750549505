# SPDX-License-Identifier: GPL-3.0-or-later
"""Speech Animator: speech audio -> editable ARKit face and SMPL-X body animation in Blender.

The repository root is the extension package. Blender calls :func:`register` / :func:`unregister`;
everything that touches ``bpy`` lives in :mod:`.addon` and is imported only then.
"""


def register() -> None:
    """Register the add-on's classes, properties and CLI command (Blender calls this)."""
    from . import addon

    addon.register()


def unregister() -> None:
    """Undo :func:`register` in reverse order."""
    from . import addon

    addon.unregister()
