"""Pseudo-labelled LibriSpeech for face training: split, clip order, word errors, one real decode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.datagen.make_pseudo import EXCLUDED_SPEAKERS, VAL_SPEAKERS, clip_order, split_of
from training.datagen.pseudo_label import word_errors

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def test_held_out_librispeech_speakers_never_train():
    assert EXCLUDED_SPEAKERS == {"1995", "2412", "3436"}
    assert split_of("3436-172162-0000") is None and split_of("1995-1837-0001") is None
    assert split_of("1688-142285-0003") == "val" and split_of("118-121721-0000") == "train"
    assert not VAL_SPEAKERS & EXCLUDED_SPEAKERS
    with pytest.raises(ValueError, match="LibriSpeech clip"):
        split_of("ljspeech_LJ001-0001")


def test_clip_order_puts_validation_first_then_one_clip_per_speaker_per_round():
    files = [Path(f"{s}-1-{k:04d}.flac") for s in ("1688", "200", "300") for k in range(3)]
    order = [f.stem for f in clip_order(files)]
    assert order[:3] == ["1688-1-0000", "1688-1-0001", "1688-1-0002"]
    assert order[3:5] == ["200-1-0000", "300-1-0000"] and order[5:7] == ["200-1-0001", "300-1-0001"]
    assert sorted(order) == sorted(f.stem for f in files)


def test_word_errors_is_the_levenshtein_distance_in_words():
    assert word_errors("a b c".split(), "a b c".split()) == 0
    assert word_errors("a b c".split(), "a x c".split()) == 1
    assert word_errors("a b c".split(), "a c".split()) == 1
    assert word_errors("a b".split(), "a b c d".split()) == 2
    assert word_errors([], "a".split()) == 1


def test_pseudo_label_of_real_speech_recognises_and_aligns():
    pytest.importorskip("pocketsphinx")
    clip = SHARED / "speech" / "en" / "ljspeech_LJ001-0012.wav"
    if not clip.is_file():
        pytest.skip(f"shared data missing: {clip}")
    from training.datagen.make_real import load16k
    from training.datagen.pseudo_label import pseudo_label

    lab = pseudo_label(load16k(clip))
    assert lab.reason == "", lab.reason
    assert 0.0 < lab.confidence <= 1.0
    assert "printing beautiful letters" in lab.text
    start, end, labels = lab.phones
    assert len(start) == len(end) == len(labels) > 20
    assert np.all(end >= start) and "p" in set(labels.tolist())


def test_prune_deletes_only_low_confidence_clips(tmp_path):
    import json

    from training.datagen.dataset import read_index, write_utterance
    from training.datagen.make_pseudo import prune

    audio = np.zeros(16000, np.float32)
    phones = (np.array([0.0, 0.3, 0.5]), np.array([0.3, 0.5, 1.0]), np.array(["sil", "m", "aa"]))
    recs = []
    for stem, conf, split in (("200-1-0000", 0.4, "train"), ("300-1-0000", 0.8, "train"), ("1688-1-0000", 0.3, "val")):
        uids = [f"pseudo_{stem}"] + ([f"pseudo_{stem}_aug1"] if split == "train" else [])
        for uid in uids:
            write_utterance(tmp_path, "pseudo", split, uid, audio, *phones, speaker="s", source="x")
        recs.append({"stem": stem, "split": split, "confidence": conf, "reason": "", "written": len(uids),
                     "duration_s": 1.0, "hyp": "a b"})
    (tmp_path / "pseudo-labels-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert prune(tmp_path, 0.6) == 2
    assert sorted(e["file"] for e in read_index(tmp_path)) == ["train/pseudo_300-1-0000.npz",
                                                               "train/pseudo_300-1-0000_aug1.npz",
                                                               "val/pseudo_1688-1-0000.npz"]
    logged = [json.loads(line) for line in (tmp_path / "pseudo-labels-0.jsonl").read_text().splitlines()]
    assert logged[0]["written"] == 0 and "pruned" in logged[0]["reason"] and logged[1]["written"] == 2
    assert logged[2]["written"] == 1
    from training.datagen.make_pseudo import write_list

    assert write_list(tmp_path, tmp_path / "list.tsv") == 3
    rows = [line.split("\t") for line in (tmp_path / "list.tsv").read_text().splitlines() if not line.startswith("#")]
    assert rows[0][0] == "stem" and [r[0] for r in rows[1:]] == ["1688-1-0000", "200-1-0000", "300-1-0000"]
    assert rows[2][5] == "0" and rows[2][6].startswith("pruned") and rows[3][6] == "" and rows[3][7] == "a b"


def test_candidate_code_pins_the_candidate_and_leaves_the_checkout_alone(tmp_path):
    import hashlib

    from inference.face import lipsync
    from training.select_face import candidate_code

    onnx = tmp_path / "cand.onnx"
    onnx.write_bytes(b"not really a model")
    before = Path(lipsync.__file__).read_text()
    sha = candidate_code(str(onnx), str(tmp_path / "code"))
    assert sha == hashlib.sha256(b"not really a model").hexdigest()
    copied = tmp_path / "code" / "inference" / "face"
    assert f'MODEL_SHA256: str = "{sha}"' in (copied / "lipsync.py").read_text()
    assert (copied / "models" / Path(lipsync.MODEL_PATH).name).read_bytes() == b"not really a model"
    assert Path(lipsync.__file__).read_text() == before
    with pytest.raises(FileNotFoundError, match="candidate model"):
        candidate_code(str(tmp_path / "missing.onnx"), str(tmp_path / "code2"))
