"""A cheap test of whether any installed distribution may declare an entry-point group.

``importlib.metadata.entry_points(group=...)`` costs 50-130 ms on a 2-core machine (importing
``importlib.metadata`` pulls in ``email``, ``zipfile``, ``csv`` and ``socket``, then every
distribution's metadata is parsed), which is a fifth of a whole ``python -m inference`` run, and
almost every installation declares no Speech Animator backend at all. :func:`may_declare_group`
reads the raw ``entry_points.txt`` files on ``sys.path`` instead (~2 ms for ~75 distributions) and
says ``False`` only when it can see every place ``importlib.metadata`` would look and none of
them mentions the group; anything it cannot see through (a zip or egg on ``sys.path``, a custom
finder that provides distributions) gives ``True``, so the caller runs the full lookup.
"""

from __future__ import annotations

import os
import sys

#: Suffixes (lower case) of the metadata folders ``importlib.metadata`` reads on a path entry.
METADATA_SUFFIXES: tuple[str, ...] = (".dist-info", ".egg-info")


def may_declare_group(group: str) -> bool:
    """``False`` when no distribution on ``sys.path`` can declare entry-point ``group``.

    Args:
        group: the entry-point group name, e.g. ``"speech_animator.backends"``.

    Returns:
        ``True`` when some ``entry_points.txt`` contains the group's name (a superset test: the
        caller then asks ``importlib.metadata``), or when a ``sys.path`` entry is not a plain
        folder (zip, egg) or a finder other than the standard path finder provides distributions.
    """
    from importlib.machinery import PathFinder

    if any(getattr(f, "find_distributions", None) is not None and f is not PathFinder for f in sys.meta_path):
        return True
    needle = group.encode()
    for entry in sys.path:
        if not isinstance(entry, str):
            return True
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip or egg file: importlib.metadata reads inside it
            continue
        if folder.lower().endswith(".egg"):
            return True
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not name.lower().endswith(METADATA_SUFFIXES):
                continue
            try:
                with open(os.path.join(folder, name, "entry_points.txt"), "rb") as fh:
                    if needle in fh.read():
                        return True
            except OSError:  # no entry points (or an egg-info file, which has none)
                continue
    return False
