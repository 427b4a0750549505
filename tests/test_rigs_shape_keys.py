"""Shape-key matching to ARKit names, vendor presets and fallback conversions."""

import numpy as np
import pytest

from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES
from rigs.face_fallback import (VISEME_SETS, arkit_to_jaw_pose, arkit_to_open_mouth, arkit_to_visemes,
                                find_open_mouth, find_visemes, viseme_templates)
from rigs.face_presets import FACE_PRESETS
from rigs.shape_keys import match_shape_keys, name_tokens


def test_exact_names_match_all_52_and_report_extras():
    m = match_shape_keys(["Basis", *ARKIT_NAMES, "Smile_Custom"])
    assert m.num_matched == 52 and m.missing == () and m.preset == "arkit"
    assert m.unmapped == ("Smile_Custom",)
    assert m.mapping["jawOpen"] == ("jawOpen",) and set(m.how.values()) == {"exact"}


@pytest.mark.parametrize("key,arkit", [
    ("blendShape1.jawOpen", "jawOpen"), ("JawOpen", "jawOpen"), ("jaw_open", "jawOpen"),
    ("A01_Brow_Inner_Up", "browInnerUp"), ("mouthSmile_L", "mouthSmileLeft"),
    ("EyeBlinkRight", "eyeBlinkRight"), ("Eye_L_Look_Down", "eyeLookDownLeft"),
    ("Mouth_Up_Upper_R", "mouthUpperUpRight"), ("Face.M_F00_000_00_Fcl_MTH_eyeBlinkLeft", "eyeBlinkLeft"),
    ("CTRL_expressions_jawOpen", "jawOpen"), ("head_mesh:tongue_out", "tongueOut"),
])
def test_generic_variants(key, arkit):
    m = match_shape_keys(["Basis", key, "unrelated"])
    assert m.mapping == {arkit: (key,)}, (key, dict(m.mapping))
    assert "unrelated" in m.unmapped and arkit not in m.missing


def test_tokens_distinguish_all_arkit_names():
    assert len({name_tokens(n) for n in ARKIT_NAMES}) == 52
    assert name_tokens("eyeLookInLeft") != name_tokens("eyeLookOutLeft")


@pytest.mark.parametrize("preset,expect_min", [("cc4_extended", 52), ("cc_arkit", 52), ("metahuman", 52),
                                                ("vroid", 7)])
def test_vendor_presets_detected_from_their_own_names(preset, expect_min):
    keys = ["Basis"] + [k for ks in FACE_PRESETS[preset].values() for k in ks] + ["Extra_Shape"]
    keys = list(dict.fromkeys(keys))
    m = match_shape_keys(keys)
    assert m.preset == preset
    assert m.num_matched >= expect_min
    # every ARKit name gets exactly the preset's keys
    for a, ks in FACE_PRESETS[preset].items():
        assert m.mapping[a] == ks
    assert m.unmapped == ("Extra_Shape",)


def test_a_key_drives_one_arkit_name_only_and_missing_is_reported():
    m = match_shape_keys(["Basis", "jawOpen", "Jaw_Open", "mouthClose"])
    assert m.mapping["jawOpen"] == ("jawOpen",) and "Jaw_Open" in m.unmapped
    assert len(m.missing) == 50 and "tongueOut" in m.missing


def test_overrides_and_errors():
    m = match_shape_keys(["Basis", "Open", "jawOpen"], overrides={"jawOpen": "Open", "mouthClose": ""})
    assert m.mapping["jawOpen"] == ("Open",) and m.how["jawOpen"] == "override" and "jawOpen" in m.unmapped
    with pytest.raises(KeyError, match="jawOpen"):
        match_shape_keys(["a"], overrides={"jawopen": "a"})
    with pytest.raises(ValueError, match="not found"):
        match_shape_keys(["a"], overrides={"jawOpen": "b"})
    with pytest.raises(ValueError, match="preset: expected one of"):
        match_shape_keys(["a"], preset="nope")


def test_nothing_matches():
    m = match_shape_keys(["Basis", "Angry", "Surprised", "Sad"])
    assert m.preset == "none" and m.num_matched == 0 and m.unmapped == ("Angry", "Surprised", "Sad")


def test_viseme_projection_recovers_distinct_visemes():
    names = VISEME_SETS["oculus"]
    templates = viseme_templates(names)
    for vis in ("PP", "FF", "TH", "CH", "aa", "ih", "oh", "ou"):
        w = arkit_to_visemes(templates[:, names.index(vis)][None], names)[0]
        assert names[int(np.argmax(w))] == vis
    silent = arkit_to_visemes(np.zeros((1, 52)), names)[0]
    assert silent[0] == 1.0 and silent[1:].sum() == 0.0
    vrm = arkit_to_visemes(np.random.default_rng(0).uniform(0, 1, (20, 52)), VISEME_SETS["vrm"])
    assert vrm.shape == (20, 5) and vrm.min() >= 0 and vrm.max() <= 1
    with pytest.raises(ValueError, match="unknown"):
        arkit_to_visemes(np.zeros((1, 52)), ["xx"])


def test_find_visemes_and_open_mouth():
    rpm = ["viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_aa", "viseme_E", "viseme_I",
           "viseme_O", "viseme_U", "mouthOpen"]
    kind, found = find_visemes(rpm)
    assert kind == "oculus" and found["ih"] == "viseme_I" and found["PP"] == "viseme_PP"
    kind, found = find_visemes(["Face.M_F00_000_00_Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O"])
    assert kind == "vrm" and found["aa"] == "Face.M_F00_000_00_Fcl_MTH_A"
    assert find_visemes(["aa", "ih"]) == ("", {})
    assert find_open_mouth(rpm) == "mouthOpen" and find_open_mouth(["Smile"]) is None


def test_jaw_and_open_mouth_conversion():
    a = np.zeros((3, 52), np.float32)
    a[:, ARKIT_INDEX["jawOpen"]] = [0.0, 0.5, 1.0]
    jaw = arkit_to_jaw_pose(a)
    assert jaw.shape == (3, 3) and np.allclose(jaw[:, 1:], 0) and np.all(np.diff(jaw[:, 0]) > 0)
    assert np.allclose(arkit_to_open_mouth(a), [0, 0.5, 1])
