"""pytest configuration of the Blender tests; the helpers live in :mod:`bpy_harness`."""

from bpy_harness import EPILOGUE, PREAMBLE, ROOT, run_bpy, write_speechlike  # noqa: F401  (re-exported)
