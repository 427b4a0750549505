"""Synthesiser phone labels -> ARPAbet (CMU dictionary set, lower case, no stress; ``sil``).

Sources: MBROLA voice phoneme sets as printed by ``espeak-ng -v mb-us1/us2/us3/en1 --pho``
(SAMPA-style: us1/us2/us3 README of the MBROLA project; en1 British RP SAMPA), mapped by the
project to the nearest ARPAbet phoneme (British centring diphthongs -> two phones). Festival and
flite already print ARPAbet-like labels (``ax`` = schwa, ``pau`` = pause).
"""

from __future__ import annotations

#: SAMPA (espeak-ng MBROLA voices) -> ARPAbet phone sequence.
SAMPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "_": ("sil",),
    "p": ("p",), "p_h": ("p",), "b": ("b",), "t": ("t",), "t_h": ("t",), "d": ("d",), "4": ("d",),
    "k": ("k",), "k_h": ("k",), "g": ("g",), "f": ("f",), "v": ("v",), "T": ("th",), "D": ("dh",),
    "s": ("s",), "z": ("z",), "S": ("sh",), "Z": ("zh",), "h": ("hh",), "tS": ("ch",), "dZ": ("jh",),
    "m": ("m",), "n": ("n",), "n-": ("n",), "N": ("ng",), "l": ("l",), "l=": ("l",), "5": ("l",),
    "r": ("r",), "w": ("w",), "j": ("y",),
    "i": ("iy",), "i:": ("iy",), "I": ("ih",), "E": ("eh",), "e": ("eh",), "{": ("ae",),
    "A": ("aa",), "A:": ("aa",), "Q": ("aa",), "V": ("ah",), "@": ("ah",), "O": ("ao",), "O:": ("ao",),
    "O2": ("ao",), "A~": ("aa",), "l/": ("l",), "U": ("uh",), "u": ("uw",), "u:": ("uw",), "r=": ("er",), "3:": ("er",),
    "EI": ("ey",), "eI": ("ey",), "AI": ("ay",), "aI": ("ay",), "aU": ("aw",), "OI": ("oy",),
    "@U": ("ow",), "I@": ("ih", "ah"), "e@": ("eh", "ah"), "U@": ("uh", "ah"),
}

#: Festival / flite segment names that are not plain ARPAbet.
FESTIVAL_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "pau": ("sil",), "h#": ("sil",), "#": ("sil",), "ax": ("ah",), "axr": ("er",), "ix": ("ih",),
    "dx": ("d",), "nx": ("n",), "el": ("l",), "em": ("m",), "en": ("n",), "hv": ("hh",),
}

ARPABET = frozenset(
    "aa ae ah ao aw ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th "
    "uh uw v w y z zh sil".split())


def to_arpabet(label: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Map one synthesiser label to ARPAbet phones.

    Raises:
        KeyError: the label is neither in ``table`` nor plain ARPAbet (names the label).
    """
    if label in table:
        return table[label]
    low = label.lower().rstrip("012")
    if low in ARPABET:
        return (low,)
    raise KeyError(f"synthesiser phone {label!r} has no ARPAbet mapping")
