"""Registration order of the add-on's modules (reverse order on unregister)."""

from __future__ import annotations

from . import cli, operators, panel, preferences, properties

MODULES = (preferences, properties, operators, panel, cli)


def register() -> None:
    for mod in MODULES:
        mod.register()


def unregister() -> None:
    for mod in reversed(MODULES):
        mod.unregister()
