"""``python -m inference``: the standalone (Blender-free) command line; see :mod:`inference.cli`."""

import sys

from .cli import main

sys.exit(main())
