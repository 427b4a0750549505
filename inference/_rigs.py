"""Access to the sibling ``rigs`` package from ``inference``.

Inside Blender both are subpackages of the extension (``bl_ext.<repo>.speech_animator``),
so the relative import works. Run from the repository root in plain Python, ``inference`` and
``rigs`` are top-level packages and a relative import cannot leave ``inference``: only then
the absolute fallback is used. This is the single place where ``inference`` reaches ``rigs``.
"""

try:
    from ..rigs import arkit, body_collision, face_coupling, rotations, smplx, smplx_rest  # noqa: F401  (extension package layout)
except ImportError:  # top-level ``inference`` (tests, plain-Python CLI)
    from rigs import arkit, body_collision, face_coupling, rotations, smplx, smplx_rest  # noqa: F401
