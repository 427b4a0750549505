"""``python -m tools.demo`` (``make demo``): :func:`tools.demo.scene.main` with the command line."""

import os
import sys

from .scene import main

code = main()
# like tools/bake.py: the bpy 4.2 module segfaults at interpreter exit once properties with
# Python callbacks were registered; everything is written and closed by now
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
