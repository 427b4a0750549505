"""What a backend is and returns: the track types, the backend protocols, and how one is run.

Shapes and units are in each class. :func:`run_backend` passes ``progress`` only to a ``run`` that
accepts it (the optional progress feature, see :mod:`inference.backends`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from .._rigs import arkit as _arkit
from ..audio import Audio
from ..options import GenerateOptions

#: ARKit channel names in column order of ``FaceTrack.arkit`` (re-exported for backend modules).
ARKIT_NAMES: tuple[str, ...] = _arkit.ARKIT_NAMES
#: ``progress(fraction in [0, 1], message)``; may raise to cancel.
ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class FaceTrack:
    """Output of a face backend.

    Attributes:
        fps: frame rate of ``arkit``.
        arkit: ``(T, 52)`` float32 in [0, 1], ARKit order (:data:`rigs.arkit.ARKIT_NAMES`).
        device: what ran it (``"CPUExecutionProvider"``, ``"CUDAExecutionProvider"``, ``"cuda:0"``,
            ``"numpy"`` for no neural network, ...).
        model: backend name + version.
        owned_channels: ARKit names (Apple's spelling) this backend animates itself; generate()
            keeps the backend's values there and the procedural layer (blinks, gaze, brows) adds
            nothing to them. ``()`` (the built-in backends) lets the procedural layer add to every channel.

    Raises:
        ValueError: ``owned_channels`` contains a name that is not an ARKit name.
    """

    fps: float
    arkit: np.ndarray
    device: str
    model: str
    owned_channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [n for n in self.owned_channels if n not in _arkit.ARKIT_INDEX]
        if bad:
            raise ValueError(f"FaceTrack.owned_channels: {bad} are not ARKit names "
                             f"(expected names from {list(_arkit.ARKIT_NAMES[:3])}...)")
        object.__setattr__(self, "owned_channels", tuple(self.owned_channels))


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

    def fit(self, frames: int, start: int = 0) -> "BodyConstraints":
        """Frames ``[start, start + frames)`` of the prompt, cut or padded with unmasked frames to
        exactly ``frames`` (what a clip of ``frames`` output frames, or one window of it, needs)."""
        stop = start + frames
        if self.poses.shape[0] >= stop:
            cut = slice(start, stop)
            return BodyConstraints(self.fps, self.poses[cut], self.mask[cut],
                                   None if self.transl is None else self.transl[cut],
                                   None if self.transl_mask is None else self.transl_mask[cut])
        have = self.poses[start:]
        pad = frames - have.shape[0]
        poses = np.concatenate([have, np.zeros((pad,) + self.poses.shape[1:], np.float32)])
        mask = np.concatenate([self.mask[start:], np.zeros((pad,) + self.mask.shape[1:], bool)])
        transl = None if self.transl is None else np.concatenate([self.transl[start:], np.zeros((pad, 3), np.float32)])
        tmask = None if self.transl_mask is None else np.concatenate([self.transl_mask[start:], np.zeros(pad, bool)])
        return BodyConstraints(self.fps, poses, mask, transl, tmask)


@dataclass(frozen=True)
class BodyTrack:
    """Output of a body backend.

    Attributes:
        fps: frame rate.
        poses: ``(T, 55, 3)`` float32 axis-angle radians, SMPL-X joint order.
        transl: ``(T, 3)`` float32 metres.
        model: backend name + version.
        device: what ran it (``"numpy"``, ``"cuda:0"``, ``"CUDAExecutionProvider"``, ...);
            ``""`` = not reported (provenance then says ``"unreported"``).
        transl_origin: what ``transl`` is measured from (:data:`rigs.smplx.TRANSL_ORIGINS`):
            ``"rest"`` (default, SMPL-X's meaning: 0 = standing at rest; the procedural backend)
            or ``"first_frame"`` (a capture-space placement, e.g. EMAGE's BEAT2-trained height).
    """

    fps: float
    poses: np.ndarray
    transl: np.ndarray
    model: str
    device: str = ""
    transl_origin: str = "rest"


class FaceBackend(Protocol):
    """A face backend. Optional class attribute ``reads_transcript = True``: generate() then runs
    transcript mode (:func:`inference.face.transcript_mode.transcript_step`) on its output when
    ``options.transcript`` is set; without it a transcript gives a warning and audio-only curves."""

    name: str

    def run(self, audio: Audio, options: GenerateOptions) -> FaceTrack:
        """Generate ARKit curves for ``audio`` (at the backend's own fps); may accept ``progress=``."""


class BodyBackend(Protocol):
    name: str

    def run(self, audio: Audio, options: GenerateOptions,
            constraints: BodyConstraints | None = None,
            face: FaceTrack | None = None) -> BodyTrack:
        """Generate body motion; ``face`` (when given) lets head/jaw agree with the face; may accept ``progress=``."""


def run_backend(backend, *args, progress: ProgressFn | None = None, **kwargs):
    """``backend.run(*args, **kwargs)``, passing ``progress`` only when ``run`` accepts it."""
    if progress is not None and _accepts_progress(backend.run):
        kwargs["progress"] = progress
    return backend.run(*args, **kwargs)


def _accepts_progress(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
