"""Phone alignment with pocketsphinx: moved to :mod:`inference.face.align` (transcript mode needs
it at run time); re-exported here for the data generators and evaluators."""

from inference.face.align import (AlignError, FRAME_S, espeak_pronunciation, force_align,  # noqa: F401
                                  recognize_phones, transcript_words)
