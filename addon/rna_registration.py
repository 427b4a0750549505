"""Registering a module's Blender classes together with the properties it adds to Blender's own types."""

from __future__ import annotations

import bpy


def register_factory(classes, properties=()):
    """``(register, unregister)`` for ``classes`` and the properties they hang on Blender's types.

    Args:
        classes: Blender classes, registered in order and unregistered in reverse
            (``bpy.utils.register_classes_factory``).
        properties: ``(owner, name, prop)`` triples: ``register`` sets ``owner.name = prop`` after the
            classes (``owner`` a Blender type such as ``bpy.types.Scene``, ``prop`` a ``bpy.props``
            definition, which may point at one of ``classes``); ``unregister`` deletes them, in
            reverse, before the classes go.
    """
    register_classes, unregister_classes = bpy.utils.register_classes_factory(classes)
    properties = tuple(properties)

    def register() -> None:
        register_classes()
        for owner, name, prop in properties:
            setattr(owner, name, prop)

    def unregister() -> None:
        for owner, name, _prop in reversed(properties):
            delattr(owner, name)
        unregister_classes()

    return register, unregister
