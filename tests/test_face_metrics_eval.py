"""The evaluation script runs end to end on a tiny dataset and writes its doc section."""

from __future__ import annotations

import numpy as np

from training import eval_face
from training.datagen.dataset import write_utterance

SR = 16000


def _tiny_dataset(root):
    rng = np.random.default_rng(0)
    t = np.arange(int(1.2 * SR)) / SR
    # a vowel-like buzz between 0.3 and 0.9 s, silence elsewhere
    audio = np.where((t > 0.3) & (t < 0.9), 0.3 * np.sign(np.sin(2 * np.pi * 120 * t)), 0.0)
    audio = (audio + 0.001 * rng.standard_normal(len(t))).astype(np.float32)
    phones = ([0.0, 0.3, 0.45, 0.75, 0.9], [0.3, 0.45, 0.75, 0.9, 1.2], ["sil", "m", "aa", "p", "sil"])
    for i, spk in enumerate(["a", "a", "b"]):
        write_utterance(root, "t", "test", f"u{i}", audio, *phones, speaker=spk, source="x", held_out=True)
    write_utterance(root, "t", "train", "v0", audio, *phones, speaker="c", source="x")


def test_evaluate_oracle_and_missing_backend(tmp_path):
    _tiny_dataset(tmp_path)
    results, meta = eval_face.evaluate(tmp_path, "test", 30.0, ["oracle", "no-such-backend"], 60, log=lambda *_: None)
    assert meta["clips"] == 3 and meta["speakers"] == ["a", "b"]
    assert "no-such-backend" in meta["missing"]
    o = results["oracle"]["overall"]
    assert o["closure_rate"] == 1.0 and o["bilabials"] == 6 and abs(o["lag_frames"]) < 0.05
    assert results["oracle"]["speakers"]["a"]["clips"] == 2
    text = eval_face.markdown(results, meta)
    assert "| oracle | 1.000 (6)" in text and "not available" in text


def test_write_doc_replaces_only_the_generated_section(tmp_path):
    doc = tmp_path / "q.md"
    doc.write_text(f"intro\n{eval_face.BEGIN}\nold\n{eval_face.END}\noutro\n")
    eval_face.write_doc("new table\n", doc)
    assert doc.read_text() == f"intro\n{eval_face.BEGIN}\nnew table\n{eval_face.END}\noutro\n"
