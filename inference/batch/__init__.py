"""One batch front end for ``python -m inference`` and the Blender batch (``-c speech_animator``).

* :mod:`.inputs`: discovery with de-duplication and collision-free output names.
* :mod:`.args`: shared command-line options, validated before any work (exit 2).
* :mod:`.runner`: re-run policy, per-file isolation, JSON reports, SIGINT/SIGTERM handling.
* :mod:`.atomic`: temporary name + ``os.replace`` for every output.
"""

from .errors import BatchInterrupted, MissingInputError, OutputExistsError, UsageError
from .inputs import AUDIO_SUFFIXES, BatchItem, discover

__all__ = ["AUDIO_SUFFIXES", "BatchInterrupted", "BatchItem", "MissingInputError", "OutputExistsError",
           "UsageError", "discover"]
