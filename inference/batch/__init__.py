"""One batch front end for ``python -m inference``, its Ray form and the Blender batch (``-c speech_animator``).

* :mod:`.frontend`: :class:`BatchFrontEnd`, the skeleton each of them subclasses.
* :mod:`.npz`: the ``python -m inference`` front end (``.npz`` + JSON report per file).
* :mod:`.inputs`: discovery with de-duplication and collision-free output names.
* :mod:`.args`: shared command-line options, validated before any work (exit 2).
* :mod:`.runner`: re-run policy, per-file isolation, JSON reports, SIGINT/SIGTERM handling.
* :mod:`.atomic`: temporary name + ``os.replace`` for every output.
"""

from .errors import BatchInterrupted, MissingInputError, OutputExistsError, UsageError
from .frontend import BatchFrontEnd
from .inputs import AUDIO_SUFFIXES, BatchItem, discover
from .runner import Layout

__all__ = ["AUDIO_SUFFIXES", "BatchFrontEnd", "BatchInterrupted", "BatchItem", "Layout", "MissingInputError",
           "OutputExistsError", "UsageError", "discover"]
