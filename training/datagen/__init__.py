"""Face training data: synthetic speech with exact phone timing, real speech forced alignment, augmentation.

Writes the face dataset described in the project's interfaces (``/work/cache/face_dataset`` by default);
see docs/face-data.md for the recipe, voices, texts, counts and licences.
"""
