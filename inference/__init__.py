"""Speech Animator inference: audio in, animation curves out. Never imports ``bpy``.

Entry point: :func:`inference.generate.generate` returning a :class:`inference.performance.Performance`.
"""
