"""The demo: ``python -m tools.demo`` (``make demo``) bakes the bundled clip onto the demo character
(``scene``) and draws its preview images (``render``); ``audio`` synthesises the bundled clip
``assets/demo_speech.flac``."""
