"""``python -m inference``: the standalone (Blender-free) command line; see :mod:`inference.cli`.

After the run the process leaves without the interpreter's final garbage collection
(:func:`gc.freeze` moves every live object out of the collector's reach): every output is written,
closed and renamed by then, and the ``atexit`` handlers and the standard streams' flush still run.
That collection walked everything numpy, onnxruntime and the run had left and cost 0.2-0.3 s at
load 10 on the 2-core machine (exit 230-420 ms against 55-90 ms; docs/performance.md, issue 20
item 2). Library callers of :func:`inference.cli.main` are not affected.
"""

import gc
import sys

from .cli import main

code = main()
gc.freeze()
sys.exit(code)
