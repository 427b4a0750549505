"""Synthesiser phone labels -> ARPAbet: moved to :mod:`inference.face.phonesets` (transcript mode
needs it at run time); re-exported here for the data generators."""

from inference.face.phonesets import ARPABET, FESTIVAL_TO_ARPABET, SAMPA_TO_ARPABET, to_arpabet  # noqa: F401
