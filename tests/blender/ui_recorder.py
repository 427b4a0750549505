"""A stand-in for Blender's UI layout that records what a ``draw`` asks for that does not exist.

``draw_panel(cls, context, problems)`` runs ``cls.draw`` with a :class:`Layout` whose every
``prop``, ``operator``, ``template_list`` and ``prop_search`` is checked against the registered
RNA; each missing property, operator or list is appended to ``problems`` as ``"<what> <name>"``.
"""

from __future__ import annotations

import bpy


class Layout:
    """Records missing names in ``problems``; rows, columns and boxes share the same list."""

    def __init__(self, problems: list):
        self.problems = problems
        self.use_property_split = self.use_property_decorate = self.active = False
        self.scale_y = 1

    def prop(self, data, name, **kw):
        if name not in data.bl_rna.properties:
            self.problems.append(f"prop {name}")

    def operator(self, idname, **kw):
        mod, name = idname.split(".")
        try:
            getattr(getattr(bpy.ops, mod), name).get_rna_type()
        except (KeyError, AttributeError):
            self.problems.append(f"operator {idname}")

    def template_list(self, list_type, list_id, data, propname, active_data, active_prop, **kw):
        if not hasattr(bpy.types, list_type):
            self.problems.append(f"list {list_type}")
        if propname not in data.bl_rna.properties:
            self.problems.append(f"list data {propname}")
        if active_prop not in active_data.bl_rna.properties:
            self.problems.append(f"list index {active_prop}")

    def prop_search(self, data, name, search_data, search_prop, **kw):
        if name not in data.bl_rna.properties:
            self.problems.append(f"prop {name}")
        if search_prop not in search_data.bl_rna.properties:
            self.problems.append(f"search {search_prop}")

    def label(self, **kw):
        pass

    def progress(self, **kw):
        pass

    def row(self, **kw):
        return Layout(self.problems)

    column = box = row


def fake_panel(cls, problems: list, **attrs):
    """An object standing in for an instance of the UI class ``cls``: its Python attributes and
    methods (not Blender's), a recording :class:`Layout` and ``attrs``."""
    own = {k: v for base in reversed(cls.__mro__) if not base.__module__.startswith(("bpy", "builtins"))
           for k, v in vars(base).items() if not k.startswith("__") and k != "bl_rna"}
    return type("P", (), {**own, "layout": Layout(problems), **attrs})()


def draw_panel(cls, context, problems: list, **attrs) -> None:
    """Run ``cls.draw`` on :func:`fake_panel` (``attrs``: further attributes, e.g. ``bl_rna``)."""
    cls.draw(fake_panel(cls, problems, **attrs), context)
