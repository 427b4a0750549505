"""Swappable face and body backends behind one interface.

A backend is registered under a name with a zero-argument factory; ``generate`` looks it up.
Face backends: the DSP baseline (``"fast"``) and the lip-sync network (``"lipsync"``).
Body backends: the procedural gesture generator (``"procedural"``); an EMAGE-checkpoint backend
can register itself the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .audio import Audio
from .options import GenerateOptions


@dataclass(frozen=True)
class FaceTrack:
    """Output of a face backend.

    Attributes:
        fps: frame rate of ``arkit``.
        arkit: ``(T, 52)`` float32 in [0, 1], ARKit order (:data:`rigs.arkit.ARKIT_NAMES`).
        device: execution provider that ran (``"CPUExecutionProvider"``, ``"numpy"``, ...).
        model: backend name + version.
    """

    fps: float
    arkit: np.ndarray
    device: str
    model: str


@dataclass(frozen=True)
class BodyConstraints:
    """Masked motion prompt (EMAGE): poses the generator must keep exactly.

    Attributes:
        fps: frame rate of the arrays (the generator's output rate).
        poses: ``(T, 55, 3)`` float32 axis-angle radians, SMPL-X order; only masked entries matter.
        mask: ``(T, 55)`` bool, True where the pose of that joint at that frame is fixed.
        transl: optional ``(T, 3)`` float32 metres, kept where ``transl_mask`` is True.
        transl_mask: optional ``(T,)`` bool.
    """

    fps: float
    poses: np.ndarray
    mask: np.ndarray
    transl: np.ndarray | None = None
    transl_mask: np.ndarray | None = None


@dataclass(frozen=True)
class BodyTrack:
    """Output of a body backend.

    Attributes:
        fps: frame rate.
        poses: ``(T, 55, 3)`` float32 axis-angle radians, SMPL-X joint order.
        transl: ``(T, 3)`` float32 metres.
        model: backend name + version.
    """

    fps: float
    poses: np.ndarray
    transl: np.ndarray
    model: str


class FaceBackend(Protocol):
    name: str

    def run(self, audio: Audio, options: GenerateOptions) -> FaceTrack:
        """Generate ARKit curves for ``audio`` (at the backend's own fps)."""


class BodyBackend(Protocol):
    name: str

    def run(self, audio: Audio, options: GenerateOptions,
            constraints: BodyConstraints | None = None,
            face: FaceTrack | None = None) -> BodyTrack:
        """Generate body motion; ``face`` (when given) lets head/jaw agree with the face."""


_FACE: dict[str, Callable[[], FaceBackend]] = {}
_BODY: dict[str, Callable[[], BodyBackend]] = {}
#: Preference order of face backends when ``face_model == "default"``.
FACE_DEFAULT_ORDER: list[str] = ["lipsync", "fast"]
BODY_DEFAULT_ORDER: list[str] = ["procedural"]


def register_face_backend(name: str, factory: Callable[[], FaceBackend]) -> None:
    """Register a face backend factory under ``name`` (replaces an existing one)."""
    _FACE[name] = factory


def register_body_backend(name: str, factory: Callable[[], BodyBackend]) -> None:
    """Register a body backend factory under ``name`` (replaces an existing one)."""
    _BODY[name] = factory


def face_backend_names() -> list[str]:
    """Registered face backend names."""
    _load_builtin()
    return sorted(_FACE)


def body_backend_names() -> list[str]:
    """Registered body backend names."""
    _load_builtin()
    return sorted(_BODY)


def get_face_backend(name: str) -> FaceBackend:
    """Instantiate face backend ``name`` (``"default"`` = first available of FACE_DEFAULT_ORDER).

    Raises:
        ValueError: unknown name (the message lists the valid choices).
    """
    return _get(name, _FACE, FACE_DEFAULT_ORDER, "face_model")


def get_body_backend(name: str) -> BodyBackend:
    """Instantiate body backend ``name`` (``"default"`` = first of BODY_DEFAULT_ORDER).

    Raises:
        ValueError: unknown name (the message lists the valid choices).
    """
    return _get(name, _BODY, BODY_DEFAULT_ORDER, "body_model")


def _get(name, table, order, what):
    _load_builtin()
    if name == "default":
        for cand in order:
            if cand in table:
                return table[cand]()
        raise ValueError(f"{what}: no backend is registered (expected one of {order})")
    if name not in table:
        raise ValueError(f"{what}: expected one of {['default'] + sorted(table)}, found {name!r}")
    return table[name]()


_loaded = False


def _load_builtin() -> None:
    """Import the built-in backends once; each module registers itself on import."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    from importlib.util import find_spec

    for mod in ("face.dsp", "face.lipsync", "body.procedural", "emage.backend"):
        full = f"{__package__}.{mod}"
        # A backend whose module is not present yet is skipped; errors inside one propagate.
        if find_spec(full.rsplit(".", 1)[0]) is not None and find_spec(full) is not None:
            importlib.import_module(full)
