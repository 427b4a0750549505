"""User-facing errors of the add-on layer and the editability check shared by every target builder.

:class:`TargetError` and :class:`BakeError` are :class:`inference.errors.InputError` s (so the worker,
the batch CLI and the UI report them as short messages by their stable ``code``). No ``bpy`` import: the check reads only
attributes every ID has.
"""

from __future__ import annotations

from ..inference.errors import InputError


class TargetError(InputError):
    """Targets cannot be built (the message names the object, what was expected and found)."""

    code = "target"


class BakeError(InputError):
    """The targets cannot be baked: no targets, bad channel values, a linked datablock (the message
    names the target and the channel; nothing has been changed)."""

    code = "bake"


def _linked(id_data) -> bool:
    return id_data is not None and getattr(id_data, "library", None) is not None and \
        getattr(id_data, "override_library", None) is None


def check_editable(obj) -> None:
    """Raise :class:`TargetError` when ``obj``, its data or its shape-key block is linked from a
    library (read-only; a library override is editable)."""
    for what in (obj, getattr(obj, "data", None), getattr(getattr(obj, "data", None), "shape_keys", None)):
        if _linked(what):
            lib = what.library.filepath if what.library else "?"
            raise TargetError(f"{obj.name!r}: {type(what).__name__} {what.name!r} is linked from library {lib!r} "
                              "and cannot be animated; make it local (Object > Relations > Make Local) "
                              "or a library override")
