"""Input discovery and collision-free output names for batch runs.

Output names mirror the input folder structure below the deepest folder that holds every input
(folders count as themselves, files as their parent): ``a/x.wav`` and ``b/x.wav`` become ``a/x`` and
``b/x``; a folder ``clips/`` gives ``one``, ``sub/two``. Two inputs in one folder that differ only by
suffix (``x.flac``, ``x.wav``) keep it in their name (``x.flac``, ``x.wav``), so no two inputs ever share
an output. The same set of inputs always gives the same names (re-runs find their earlier outputs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

#: Suffixes collected from folders (a file named explicitly is taken whatever its suffix).
AUDIO_SUFFIXES: tuple[str, ...] = (".wav", ".flac", ".ogg", ".mp3")


@dataclass(frozen=True)
class BatchItem:
    """One input of a batch.

    Attributes:
        source: the path as found (a file, or for a ``problem`` the argument as given).
        name: output name relative to the output folder, without suffix, ``/``-separated
            (``"a/x"``); never shared by two items of one batch.
        problem: ``""`` for an audio file to process, else why the argument gave nothing
            (``"no such file or folder"``, ``"folder contains no ... files"``).
    """

    source: Path
    name: str
    problem: str = ""

    def output(self, folder: os.PathLike | str, suffix: str) -> Path:
        """``folder / name + suffix`` (e.g. ``out/a/x.npz``)."""
        return Path(folder).joinpath(*PurePosixPath(self.name + suffix).parts)


def discover(inputs, suffixes: tuple[str, ...] = AUDIO_SUFFIXES) -> list[BatchItem]:
    """Expand files and folders into batch items, de-duplicated, with collision-free names.

    Args:
        inputs: paths (str or PathLike). A folder contributes every file below it whose suffix
            (case-insensitive) is in ``suffixes``, sorted; a file is taken as is.

    Returns:
        Items in input order; a file reached twice (the same file named twice, a folder and a file
        inside it, a symlink to it) appears once. Missing paths and folders without audio are
        items with a ``problem``, so that they get a report too.
    """
    found: list[tuple[Path, str, Path]] = []  # (path, problem, anchor folder)
    seen: set[str] = set()
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            files = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in suffixes)
            if not files:
                found.append((p, f"folder contains no {'/'.join(suffixes)} files", p))
            for q in files:
                key = os.path.normcase(os.path.realpath(q))
                if key not in seen:
                    seen.add(key)
                    found.append((q, "", p))
        elif p.is_file():
            key = os.path.normcase(os.path.realpath(p))
            if key not in seen:
                seen.add(key)
                found.append((p, "", p.parent))
        else:
            found.append((p, "no such file or folder", p.parent))
    names = _names([f for f, _, _ in found], [a for _, _, a in found], [bool(p) for _, p, _ in found])
    return [BatchItem(f, n, prob) for (f, prob, _), n in zip(found, names)]


def _names(files: list[Path], anchors: list[Path], bad: list[bool]) -> list[str]:
    if not files:
        return []
    # the root comes from the inputs that exist, so a mistyped path never renames the others
    chosen = [os.path.abspath(a) for a, b in zip(anchors, bad) if not b] or [os.path.abspath(a) for a in anchors]
    try:
        root = os.path.commonpath(chosen)
    except ValueError:  # different drives (Windows): mirror from the drive down
        root = ""
    stems = []
    for f in files:
        full = os.path.abspath(f)
        if root and _under(root, full) and full != root:
            rel = os.path.relpath(full, root)
        elif root:
            rel = os.path.basename(full) or "input"
        else:
            rel = os.path.splitdrive(full)[1].lstrip("\\/")
        stems.append(PurePosixPath(*Path(rel).parts))
    plain = [str(s.with_suffix("")) if s.suffix else str(s) for s in stems]
    clash: dict[str, int] = {}
    for n in plain:
        clash[n.lower()] = clash.get(n.lower(), 0) + 1
    names = [str(s) if clash[n.lower()] > 1 else n for s, n in zip(stems, plain)]
    # a suffixed name may still meet a plain one ("x.wav" file next to "x.wav.flac"): number the rest
    used: set[str] = set()
    out = []
    for n in names:
        cand, k = n, 2
        while cand.lower() in used:
            cand, k = f"{n}-{k}", k + 1
        used.add(cand.lower())
        out.append(cand)
    return out


def _under(root: str, path: str) -> bool:
    try:
        return os.path.commonpath([root, path]) == root
    except ValueError:  # another drive
        return False
