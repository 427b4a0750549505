"""Registration order of the add-on's modules (reverse order on unregister).

``mapping_ui`` adds a sub-panel under ``SPEECHANIM_PT_main``, so it comes after ``panel``.
"""

from __future__ import annotations

from . import (cli, conversation_ui, edit_ops, emotion_keys, exports, mapping_ui, mesh_watch, operators, panel,
               preferences, properties, style_ops)

MODULES = (preferences, properties, operators, edit_ops, emotion_keys, style_ops, panel, mapping_ui, exports, cli,
           conversation_ui,  # conversation_ui: its sub-panel sits under SPEECHANIM_PT_main (after panel)
           mesh_watch)  # counts mesh edits for addon.body_proxies' cache


def register() -> None:
    for mod in MODULES:
        mod.register()


def unregister() -> None:
    for mod in reversed(MODULES):
        mod.unregister()
