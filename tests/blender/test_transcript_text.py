"""The Speech panel's transcript can come from a Text datablock (``transcript_text``)."""

import pytest

from bpy_harness import ROOT, run_scenario


def test_generate_options_read_the_text_datablock_when_the_field_is_empty():
    pytest.importorskip("pocketsphinx")
    import sys

    sys.path.insert(0, str(ROOT))
    from tools.demo.audio import SCRIPT

    words = " ".join(s for s, _ in SCRIPT)
    res, _ = run_scenario("transcript_text", audio=str(ROOT / "assets" / "demo_speech.flac"), words=words)
    lines = words.replace(". ", ".\n")
    assert res["none"] == ""
    assert res["from_text"] == lines and res["blank_field"] == lines
    assert res["typed"] == "typed words"
    assert res["result"] == ["FINISHED"], res
    assert res["face_model"] == ["dsp-baseline-v1+transcript"], res
