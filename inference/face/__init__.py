"""Face generation: lip-sync targets, visemes, metrics, backends ("fast" DSP baseline, "lipsync" network)."""
