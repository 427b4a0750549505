"""Rig knowledge shared by inference and Blender glue: canonical names, skeletons, matching.

Pure Python + NumPy; never imports ``bpy`` (a test enforces it).
"""
