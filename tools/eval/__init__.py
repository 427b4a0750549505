"""Evaluation: judges of the generated face and body on data the project did not make, and the
bit-for-bit output fingerprints. Face: ``face_metrics`` (the metric definitions), ``reference_head``
(Apple's ARKit head: weights -> lip gap in mm), ``face_geometry`` (real speech), ``face_beat2``
(a captured face), ``emotion``. Body: ``body``, ``word_timing``, ``collision``, ``conversation``.
``output_fingerprint`` pins outputs (tests/test_output_fingerprints.py)."""
