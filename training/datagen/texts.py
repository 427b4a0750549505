"""Diverse English sentences for synthetic speech, from the CMU dictionary weighted by word frequency.

Words come from the CMU Pronouncing Dictionary shipped by the ``pocketsphinx`` package
(``pocketsphinx/model/en-us/cmudict-en-us.dict``). Frequencies come from the ``wordfreq`` package
(Robyn Speer, wordfreq 3.1, MIT licence; data CC BY-SA 4.0) when installed; without it a small
built-in list of frequent function words is used. Three quarters of the words are drawn by frequency
(flattened: weight = frequency ** 0.5, so the text sounds like English), one quarter are dictionary words among
the 120,000 most frequent (all dictionary words without wordfreq), chosen to add the least-seen phone pairs (diphones), so every phoneme and its neighbours get covered.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np

_FALLBACK = ("the of and to a in that is was he for it with as his on be at by i this had not are but "
             "from or have an they which one you were her all she there would their we him been has "
             "when who will more no if out so said what up its about into than them can only other new "
             "some could time these two may then do first any my now such like our over man me even most "
             "made after also did many before must through back years where much your way well down "
             "should because each just those people how too little state good very make world still own "
             "see men work long get here between both life being under never day same another know while "
             "last might us great old year off come since against go came right used take three").split()


def cmudict_path() -> Path:
    """Path of the CMU dictionary shipped with pocketsphinx.

    Raises:
        FileNotFoundError: pocketsphinx (with its en-us model) is not installed.
    """
    import pocketsphinx

    p = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    if not p.exists():
        raise FileNotFoundError(f"CMU dictionary not found at {p} (install pocketsphinx==5.0.4)")
    return p


def load_cmudict() -> dict[str, tuple[str, ...]]:
    """``word -> ARPAbet phones`` (first pronunciation, stress stripped, lower case), letters/apostrophes only."""
    out: dict[str, tuple[str, ...]] = {}
    for line in cmudict_path().read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2 or "(" in parts[0] or not re.fullmatch(r"[a-z][a-z']*", parts[0]):
            continue
        out[parts[0]] = tuple(re.sub(r"\d", "", p).lower() for p in parts[1:])
    return out


class SentenceGenerator:
    """Seeded generator of sentences with phone-pair coverage feedback.

    Args:
        seed: random seed (int).
        top_n: number of frequent words used for the frequency-weighted part.
    """

    def __init__(self, seed: int = 0, top_n: int = 30000):
        self.rng = np.random.default_rng(seed)
        self.lex = load_cmudict()
        try:
            import wordfreq

            words = [w for w in wordfreq.top_n_list("en", top_n) if w in self.lex]
            freq = np.array([wordfreq.word_frequency(w, "en") for w in words])
            self.freq_source = "wordfreq 3.1.1 (en)"
            cover = [w for w in wordfreq.top_n_list("en", 120000) if w in self.lex and "'" not in w]
        except ImportError:
            words = [w for w in _FALLBACK if w in self.lex]
            freq = 1.0 / np.arange(1, len(words) + 1)
            self.freq_source = "built-in frequent-word list"
            cover = sorted(w for w in self.lex if len(w) > 1 and "'" not in w)
        self.freq_words = words
        p = np.sqrt(freq)
        self.freq_p = p / p.sum()
        self.all_words = [w for w in cover if len(w) > 1]
        self.pairs: Counter = Counter()

    def _pairs_of(self, word: str):
        ph = ("sil",) + self.lex[word] + ("sil",)
        return list(zip(ph[:-1], ph[1:]))

    def _coverage_word(self, k: int = 24) -> str:
        cands = self.rng.choice(len(self.all_words), k, replace=False)
        best, best_score = None, -1.0
        for c in cands:
            w = self.all_words[c]
            score = sum(1.0 / (1 + self.pairs[p]) for p in self._pairs_of(w))
            if score > best_score:
                best, best_score = w, score
        return best

    def sentence(self, min_words: int = 4, max_words: int = 14) -> str:
        """One sentence: capitalised, commas at random phrase breaks, ending in . ? or !"""
        n = int(self.rng.integers(min_words, max_words + 1))
        words = []
        for _ in range(n):
            if self.rng.random() < 1 / 4:
                w = self._coverage_word()
            else:
                w = self.freq_words[int(self.rng.choice(len(self.freq_words), p=self.freq_p))]
            words.append(w)
            self.pairs.update(self._pairs_of(w))
        text = ""
        for i, w in enumerate(words):
            text += (" " if i else "") + w
            if 0 < i < n - 2 and self.rng.random() < 0.12:
                text += ","
        end = self.rng.choice([".", ".", ".", "?", "!"])
        return text[0].upper() + text[1:] + end

    def utterance(self, max_sentences: int = 3) -> str:
        """1..``max_sentences`` sentences joined by spaces."""
        return " ".join(self.sentence() for _ in range(int(self.rng.integers(1, max_sentences + 1))))
