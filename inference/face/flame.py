"""FLAME output: ``expression`` (T, 100) and ``jaw_pose`` (T, 3) from ARKit-52 curves.

FLAME (Li et al., "Learning a model of facial shape and expression from 4D scans", SIGGRAPH Asia
2017) is distributed under a research-only licence, and so are the public ARKit -> FLAME
blendshape fits. None of that data is bundled: the user supplies a linear map in a file and we
apply it per frame::

    expression[t] = arkit[t] @ E + expression_bias        E: (52, 100)
    jaw_pose[t]   = arkit[t] @ J + jaw_bias               J: (52, 3), axis-angle radians

Where to get a matrix: register at https://flame.is.tue.mpg.de and download FLAME 2020/2023, then
fit FLAME expression coefficients (and the jaw rotation) to each of the 52 ARKit blendshapes of
a head registered to the FLAME topology (least squares, one row per blendshape); research groups
publish such ARKit -> FLAME fits under the FLAME licence. Accepted files:

* ``.npy``: one array ``(52, 100)`` (expression only) or ``(52, 103)`` (expression + jaw);
* ``.npz``: ``expression`` ``(52, 100)``, optional ``jaw`` ``(52, 3)``, optional
  ``expression_bias`` ``(100,)``, ``jaw_bias`` ``(3,)`` (a single unnamed array is read like .npy);
* ``.csv``: 52 rows of 100 or 103 numbers; an optional header line and an optional first column
  of ARKit names (rows are then reordered by name, so any row order works).

Without jaw columns the jaw pose follows a documented default (:data:`DEFAULT_JAW`): ``jawOpen``
1.0 opens the jaw by 0.35 rad (about 20 degrees, a wide-open mouth) about the x axis,
``jawLeft``/``jawRight`` turn it by 0.1 rad about the y axis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .._rigs import arkit as _arkit, face_coupling as _face_coupling

#: Number of FLAME expression coefficients produced.
NUM_EXPRESSION: int = 100
#: Where to obtain a matrix (quoted in every loader error).
WHERE_TO_GET: str = (
    "no FLAME data ships with Speech Animator (research licence); download FLAME from "
    "https://flame.is.tue.mpg.de and fit FLAME expression (+ jaw) parameters to the 52 ARKit "
    "blendshapes, or use a published ARKit->FLAME fit under the FLAME licence "
    "(see inference/face/flame.py for the file layouts)")


class FlameMapError(InputError):
    """A FLAME map file is missing, unreadable or has the wrong shape/values."""

    code = "flame_map"


#: Default ``(52, 3)`` ARKit -> jaw axis-angle map (radians per unit weight), used when the file
#: has no jaw columns: the project's one ARKit -> jaw mapping, :func:`rigs.face_coupling.jaw_matrix`.
DEFAULT_JAW: np.ndarray = _face_coupling.jaw_matrix()


@dataclass(frozen=True)
class FlameMap:
    """A linear ARKit-52 -> FLAME map.

    Attributes:
        expression: ``(52, 100)`` float32, row ``i`` = FLAME expression of ARKit shape ``i`` at 1.0.
        jaw: ``(52, 3)`` float32 axis-angle radians per unit ARKit weight.
        expression_bias: ``(100,)`` float32 added to every frame.
        jaw_bias: ``(3,)`` float32 added to every frame.
        path: the file it came from.
        jaw_from_file: False when :data:`DEFAULT_JAW` was used.
    """

    expression: np.ndarray
    jaw: np.ndarray
    expression_bias: np.ndarray
    jaw_bias: np.ndarray
    path: str = ""
    jaw_from_file: bool = True


def _fail(path: str, what: str) -> FlameMapError:
    return FlameMapError(f"{path}: {what}; {WHERE_TO_GET}")


def load_flame_map(path: str | os.PathLike) -> FlameMap:
    """Read and validate a user-supplied ARKit -> FLAME matrix file (.npy, .npz or .csv).

    Returns:
        :class:`FlameMap`.

    Raises:
        FlameMapError: file missing or unreadable, unknown extension, wrong shape (expected 52 rows
            and 100 or 103 columns), unknown ARKit row names, or non-finite values. The message
            says what was found and where such a matrix can be obtained.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise _fail(path, "FLAME map file not found")
    ext = os.path.splitext(path)[1].lower()
    exp_bias = np.zeros(NUM_EXPRESSION, np.float32)
    jaw_bias = np.zeros(3, np.float32)
    try:
        if ext == ".npy":
            mat = np.load(path, allow_pickle=False)
        elif ext == ".npz":
            with np.load(path, allow_pickle=False) as z:
                keys = list(z.keys())
                if "expression" in keys:
                    mat = z["expression"]
                    if "jaw" in keys:
                        mat = np.concatenate([np.asarray(mat), _shape(path, z["jaw"], "jaw", (52, 3))], axis=1)
                    if "expression_bias" in keys:
                        exp_bias = _shape(path, z["expression_bias"], "expression_bias", (NUM_EXPRESSION,))
                    if "jaw_bias" in keys:
                        jaw_bias = _shape(path, z["jaw_bias"], "jaw_bias", (3,))
                elif len(keys) == 1:
                    mat = z[keys[0]]
                else:
                    raise _fail(path, f"expected an array named 'expression' (52, 100), found arrays {keys}")
        elif ext == ".csv":
            mat = _read_csv(path)
        else:
            raise _fail(path, f"expected a .npy, .npz or .csv file, found {ext or 'no extension'!r}")
    except FlameMapError:
        raise
    except Exception as exc:  # numpy raises several error types for bad files
        raise _fail(path, f"cannot read the matrix ({exc})") from exc
    mat = np.asarray(mat)
    if mat.dtype.kind not in "fiu":
        raise _fail(path, f"expected a numeric matrix, found dtype {mat.dtype}")
    mat = mat.astype(np.float32)
    if mat.ndim != 2 or mat.shape[0] != _arkit.NUM_ARKIT or mat.shape[1] not in (NUM_EXPRESSION, NUM_EXPRESSION + 3):
        raise _fail(path, f"expected a matrix of shape (52, 100) or (52, 103) (ARKit rows x FLAME "
                          f"expression [+ jaw] columns), found {mat.shape}")
    if not (np.all(np.isfinite(mat)) and np.all(np.isfinite(exp_bias)) and np.all(np.isfinite(jaw_bias))):
        raise _fail(path, "contains NaN or infinite values")
    has_jaw = mat.shape[1] == NUM_EXPRESSION + 3
    return FlameMap(expression=np.ascontiguousarray(mat[:, :NUM_EXPRESSION]),
                    jaw=np.ascontiguousarray(mat[:, NUM_EXPRESSION:]) if has_jaw else DEFAULT_JAW.copy(),
                    expression_bias=exp_bias, jaw_bias=jaw_bias, path=path, jaw_from_file=has_jaw)


def _shape(path, arr, name, shape):
    arr = np.asarray(arr, dtype=np.float32)
    if arr.shape != shape:
        raise _fail(path, f"{name}: expected shape {shape}, found {arr.shape}")
    return arr


def _read_csv(path: str) -> np.ndarray:
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)]
    if not rows:
        raise _fail(path, "the CSV file is empty")

    def numeric(cell):
        try:
            float(cell)
            return True
        except ValueError:
            return False

    if not all(numeric(c) for c in rows[0][1:]):
        rows = rows[1:]  # header line
    named = bool(rows) and not numeric(rows[0][0])
    if not named:
        return np.array([[float(c) for c in r] for r in rows], np.float64)
    out = np.full((_arkit.NUM_ARKIT, len(rows[0]) - 1), np.nan)
    seen = set()
    for r in rows:
        name = r[0].strip()
        if name not in _arkit.ARKIT_INDEX:
            raise _fail(path, f"row name {name!r} is not an ARKit blendshape name (Apple's spelling, "
                              f"e.g. 'jawOpen')")
        seen.add(name)
        out[_arkit.ARKIT_INDEX[name]] = [float(c) for c in r[1:]]
    missing = [n for n in _arkit.ARKIT_NAMES if n not in seen]
    if missing:
        raise _fail(path, f"expected one row per ARKit blendshape, missing {missing[:5]}"
                          f"{' ...' if len(missing) > 5 else ''} ({len(missing)} of 52)")
    return out


def arkit_to_flame(arkit: np.ndarray, fmap: FlameMap) -> tuple[np.ndarray, np.ndarray]:
    """Apply a :class:`FlameMap` to ARKit curves.

    Args:
        arkit: ``(T, 52)`` float32 ARKit weights in [0, 1].
        fmap: from :func:`load_flame_map`.

    Returns:
        ``(expression (T, 100) float32, jaw_pose (T, 3) float32 axis-angle radians)``.

    The ARKit input is first held to ARKit mouth semantics (:func:`rigs.arkit.enforce_lip_seal`:
    ``mouthClose <= jawOpen``; Apple's ``ARFaceAnchor.BlendShapeLocation.mouthClose`` seals the
    lips against the open jaw), so a FLAME fit of ARKit's ``mouthClose`` basis never receives a
    closure larger than the jaw opening it cancels.

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``.
    """
    arkit = np.asarray(arkit, dtype=np.float32)
    if arkit.ndim != 2 or arkit.shape[1] != _arkit.NUM_ARKIT:
        raise ValueError(f"arkit: expected shape (T, 52), found {arkit.shape}")
    arkit = _arkit.enforce_lip_seal(np.clip(arkit, 0.0, 1.0))
    expression = arkit @ fmap.expression + fmap.expression_bias
    jaw_pose = arkit @ fmap.jaw + fmap.jaw_bias
    return expression.astype(np.float32), jaw_pose.astype(np.float32)
