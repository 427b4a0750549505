"""Gesture lexicon: which spoken words call for which gesture (word-aware gestures).

Each entry maps a lower-case word (as :func:`inference.face.align.transcript_words` spells it:
letters and inner apostrophes) to a :class:`LexicalGesture`: a McNeill (1992, "Hand and Mind",
ch. 3) gesture type (``deictic``, ``iconic``, ``metaphoric``; beats come from stressed syllables,
not from the lexicon) plus the concrete movement the body generator makes, and whether it is
made by the hands, the head, or both.

Sources for the categories and the movements:

* **Deictics** (McNeill 1992: pointing, abstract pointing at the speaker or the addressee).
  *Self* ("I", "me", "my", "we"...): the hand comes to the chest; *addressee* ("you", "your"):
  pointing forward at the listener; *out* ("this", "that", "there", "here"...): pointing out
  into the gesture space. BEAT (Liu et al. 2022, "BEAT: A Large-Scale Semantic and Emotional
  Multi-Modal Dataset for Conversational Gestures Synthesis", ECCV) labels its semantic gesture
  frames with the same classes: deictic, iconic, metaphoric and beat.
* **Affirmation nods and negation shakes**: McClave (2000, "Linguistic functions of head
  movements in the context of speech", J. Pragmatics 32: 855-878) reports lateral head shakes
  with negation and with "nothing"/"never" style intensification, and nods with affirmation;
  Kendon (2002, "Some uses of the head shake", Gesture 2: 147-182) describes the shake as the
  head form of negation.
* **Enumeration** ("first", "second", "one", "two"...): metaphoric counting gesture (the hand
  raised in front, as if taking items one by one), one of BEAT's frequent metaphoric labels.
* **Size** ("big", "huge" vs "small", "little"...): iconic gestures showing extent, the two
  hands wide apart or close together (McNeill's iconic class; EMAGE/BEAT2 semantic examples).

Only words whose gesture is near-unambiguous are listed. Contractions are listed as spelled
("don't", "can't"...). A word may appear in one category only (checked at import).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LexicalGesture:
    """The gesture a lexicon word calls for.

    Attributes:
        category: ``"self"``, ``"addressee"``, ``"point_out"``, ``"affirm"``, ``"negate"``,
            ``"enumerate"``, ``"big"`` or ``"small"``.
        mcneill_type: ``"deictic"``, ``"iconic"`` or ``"metaphoric"`` (McNeill 1992).
        arm_gesture: planner gesture type made by the hands (see
            :data:`inference.body.lexical_poses.LEXICAL_TYPES`), or ``""`` for a head-only gesture.
        hands: ``"one"`` (the planner picks which hand) or ``"both"``.
        head: ``"nod"``, ``"shake"`` or ``""``.
        rate: probability that one occurrence is gestured (our choice: speakers do not point at
            themselves on every "I"; BEAT's semantic frames are a minority of all frames); a
            repeat of the same category within :data:`REPEAT_S` is gestured half as often.
    """

    category: str
    mcneill_type: str
    arm_gesture: str
    hands: str
    head: str
    rate: float


#: Seconds within which a second gesture of the same category is made half as often.
REPEAT_S: float = 2.5

CATEGORIES: dict[str, LexicalGesture] = {
    "self": LexicalGesture("self", "deictic", "self_point", "one", "", 0.35),
    "addressee": LexicalGesture("addressee", "deictic", "point_you", "one", "", 0.8),
    "point_out": LexicalGesture("point_out", "deictic", "point", "one", "", 0.5),
    "affirm": LexicalGesture("affirm", "metaphoric", "", "one", "nod", 0.9),
    "negate": LexicalGesture("negate", "metaphoric", "", "one", "shake", 0.9),
    "enumerate": LexicalGesture("enumerate", "metaphoric", "count", "one", "", 0.8),
    "big": LexicalGesture("big", "iconic", "size_big", "both", "", 0.9),
    "small": LexicalGesture("small", "iconic", "size_small", "both", "", 0.9),
}

WORDS: dict[str, tuple[str, ...]] = {
    "self": ("i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd", "we", "us", "our",
             "ours", "ourselves", "we're", "we've"),
    "addressee": ("you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'll", "you'd"),
    "point_out": ("this", "that", "these", "those", "here", "there"),
    "affirm": ("yes", "yeah", "yep", "right", "sure", "okay", "ok", "absolutely", "exactly",
               "indeed", "agree", "correct", "definitely", "certainly"),
    "negate": ("no", "not", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere",
               "don't", "doesn't", "didn't", "can't", "cannot", "won't", "wouldn't", "shouldn't",
               "couldn't", "isn't", "aren't", "wasn't", "weren't", "haven't", "hasn't", "hadn't"),
    "enumerate": ("first", "second", "third", "fourth", "fifth", "firstly", "secondly", "thirdly",
                  "one", "two", "three", "four", "five", "finally", "lastly", "next"),
    "big": ("big", "huge", "large", "enormous", "giant", "massive", "vast", "immense", "tremendous",
            "wide", "whole", "everything", "everybody", "everyone"),
    "small": ("small", "little", "tiny", "bit", "few", "slightly", "narrow", "minor", "less"),
}


def _index() -> dict[str, LexicalGesture]:
    out: dict[str, LexicalGesture] = {}
    for cat, words in WORDS.items():
        for w in words:
            if w in out:
                raise ValueError(f"lexicon: {w!r} is listed under both {out[w].category!r} and {cat!r}")
            out[w] = CATEGORIES[cat]
    return out


_INDEX: dict[str, LexicalGesture] = _index()


def lookup(word: str) -> LexicalGesture | None:
    """The :class:`LexicalGesture` for ``word`` (case and surrounding punctuation ignored;
    curly apostrophes read as ``'``), or ``None`` when the word is not in the lexicon.

    Raises:
        TypeError: ``word`` is not a string.
    """
    if not isinstance(word, str):
        raise TypeError(f"word: expected a string, found {type(word).__name__}")
    w = word.strip().lower().replace("\u2019", "'").strip(".,;:!?\"()[]{}")
    return _INDEX.get(w)


#: Function words (articles, auxiliaries, prepositions, conjunctions, pronouns): they carry no
#: lexical stress worth a beat (content words do; Selkirk 1984's content/function distinction).
FUNCTION_WORDS: frozenset = frozenset(
    "a an the and or but if so as at by for from in into of on onto to with without than then "
    "is am are was were be been being do does did has have had will would shall should can could "
    "may might must it its he him his she her they them their it's he's she's they're what which "
    "who whom whose when where how why just also too very um uh".split())


def is_content_word(word: str) -> bool:
    """True for a word that carries a gestured lexical stress (not in :data:`FUNCTION_WORDS`;
    lexicon words always count, so "you"/"not" get their gesture and their stress)."""
    w = word.strip().lower()
    return bool(w) and (w not in FUNCTION_WORDS or w in _INDEX)
