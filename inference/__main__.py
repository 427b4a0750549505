"""``python -m inference``: the standalone (Blender-free) command line; see :mod:`inference.cli`.

After the run the process leaves without the interpreter's final garbage collection
(:func:`gc.freeze` moves every live object out of the collector's reach): every output is written,
closed and renamed by then, and the ``atexit`` handlers and the standard streams' flush still run.
That collection walked everything numpy, onnxruntime and the run had left and cost 0.2-0.3 s at
load 10 on the 2-core machine (exit 230-420 ms against 55-90 ms; docs/performance.md, issue 20
item 2). Library callers of :func:`inference.cli.main` are not affected.

The young generation is collected every :data:`YOUNG_COLLECTION_ALLOCATIONS` container allocations
instead of Python's 700: a 60 s run then makes no collection at all where it made ~67 (22-65 ms of
CPU at load 5-7, mostly walks over the objects the imports of numpy, Praat and onnxruntime leave;
docs/performance.md). Garbage in a run is mostly arrays freed by reference counting; a batch of many
files still collects its reference cycles, every 50,000 net allocations.
"""

import gc
import sys

#: Net container allocations between two young-generation collections (Python's default: 700).
YOUNG_COLLECTION_ALLOCATIONS: int = 50_000

gc.set_threshold(YOUNG_COLLECTION_ALLOCATIONS, *gc.get_threshold()[1:])

from .cli import main  # noqa: E402  (after the collector's threshold: the imports are most of the work)

code = main()
gc.freeze()
sys.exit(code)
