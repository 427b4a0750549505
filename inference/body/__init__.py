"""Body generation: the procedural co-speech gesture backend and its parts (bpy-free, numpy only).

``procedural`` registers body backend ``"procedural"``; ``planner`` (gesture units on accents),
``library`` (authored key poses, finger shapes, arm IK), ``synthesis`` (minimum-jerk motion),
``idle`` (breathing, sway, weight shifts, head), ``collision`` (hands out of the torso) and
``constraints`` (masked prompts) are its parts.
"""
