"""Generate Conversation in Blender: both demo characters keyed, one action each, the listener turns, undo."""

from __future__ import annotations

import pytest

from bpy_harness import run_scenario, write_speechlike


@pytest.fixture(scope="module")
def conv(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    a = write_speechlike(d / "ann.wav", silence_s=0.3, speech_s=2.5)
    b = write_speechlike(d / "ben.wav", silence_s=0.3, speech_s=2.5)
    res, _ = run_scenario("conversation_cases", audio_a=str(a), audio_b=str(b), start_b=100, face_model="fast",
                          timeout=300)
    return res


def test_both_characters_keyed_with_own_actions(conv):
    assert conv["poll_before"] and conv["result"] == ["FINISHED"]
    names = conv["ann"] + conv["ben"]
    assert None not in names and len(set(names)) == 4, names   # face + body action per character, all distinct
    assert conv["ann"][0].startswith("ann") and conv["ben"][0].startswith("ben")


def test_listener_head_turns_towards_speaker(conv):
    for head, to in conv["ben_listening"] + conv["ann_listening"]:
        assert head * to > 0, (head, to)                  # turned to the speaker's side
        assert abs(head) > 15.0 and abs(head - to) < abs(to), (head, to)


def test_undo_removes_both(conv):
    assert conv["after_undo"]["ann"] == [None, None] and conv["after_undo"]["ben"] == [None, None]
    assert conv["after_undo"]["generated"] == []
