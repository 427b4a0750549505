"""Plain espeak-ng voices (formant synthesis) with phone timing from the library's phoneme events.

``espeak-ng --pho`` only works for MBROLA voices, so the standard voices are driven through
libespeak-ng's C API with ctypes (``espeak_Initialize`` with ``espeakINITIALIZE_PHONEME_EVENTS |
espeakINITIALIZE_PHONEME_IPA``, synchronous output): every ``espeakEVENT_PHONEME`` carries the
phoneme (IPA) and the output sample where it starts, so the times are exact for the audio produced.
API reference: espeak-ng ``speak_lib.h`` (GPL-3 library, used as a tool, nothing bundled).

One synthesis at a time per process (the library is not re-entrant).
"""

from __future__ import annotations

import ctypes
from functools import lru_cache

import numpy as np
import soxr

from .synth import SAMPLE_RATE_HZ, Synth, SynthError, clean_text

#: espeak-ng English voices and variants used (voice+variant names of espeak-ng 1.51).
VOICES = ("en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan", "en-us-nyc")
VARIANTS = ("", "+f1", "+f2", "+f3", "+f4", "+f5", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+m7",
            "+klatt", "+klatt4", "+croak", "+edward", "+andy", "+annie", "+belinda", "+steph")

#: IPA (as espeak-ng prints it) -> ARPAbet. Project mapping (IPA chart / CMU dictionary conventions).
IPA_TO_ARPABET: dict[str, tuple[str, ...]] = {
    "p": ("p",), "b": ("b",), "t": ("t",), "d": ("d",), "k": ("k",), "ɡ": ("g",), "g": ("g",),
    "f": ("f",), "v": ("v",), "θ": ("th",), "ð": ("dh",), "s": ("s",), "z": ("z",), "ʃ": ("sh",),
    "ʒ": ("zh",), "h": ("hh",), "tʃ": ("ch",), "dʒ": ("jh",), "m": ("m",), "n": ("n",), "ŋ": ("ng",),
    "l": ("l",), "ɫ": ("l",), "ɹ": ("r",), "r": ("r",), "w": ("w",), "j": ("y",), "ɾ": ("d",),
    "ʔ": ("hh",), "x": ("k",), "ʍ": ("w",), "n̩": ("n",), "l̩": ("l",), "m̩": ("m",),
    "i": ("iy",), "iː": ("iy",), "ɪ": ("ih",), "ᵻ": ("ih",), "e": ("eh",), "ɛ": ("eh",), "æ": ("ae",),
    "a": ("ae",), "ɐ": ("ah",), "ə": ("ah",), "ʌ": ("ah",), "ɑ": ("aa",), "ɑː": ("aa",), "ɒ": ("aa",),
    "ɔ": ("ao",), "ɔː": ("ao",), "o": ("ow",), "oː": ("ow",), "ʊ": ("uh",), "u": ("uw",), "uː": ("uw",),
    "ɜ": ("er",), "ɜː": ("er",), "ɚ": ("er",), "ɝ": ("er",), "eɪ": ("ey",), "aɪ": ("ay",), "ɔɪ": ("oy",),
    "aʊ": ("aw",), "oʊ": ("ow",), "əʊ": ("ow",), "ɪə": ("ih", "ah"), "eə": ("eh", "ah"),
    "ʊə": ("uh", "ah"), "ɛə": ("eh", "ah"), "əl": ("ah", "l"), "aː": ("aa",), "ɑ̃": ("aa",), "ɒ̃": ("aa",),
    "y": ("uw",), "ø": ("ow",), "œ": ("eh",), "ʏ": ("uh",), "ʉ": ("uw",), "ɵ": ("ow",), "ɘ": ("ah",),
    "ɨ": ("ih",), "ɯ": ("uw",), "ɤ": ("ah",), "ɑɪ": ("ay",), "ɔʊ": ("ow",), "ʌʊ": ("ow",),
    # other espeak-ng languages (nearest English articulation; bilabial fricative beta is not a closure)
    "ʁ": ("r",), "ʀ": ("r",), "ʝ": ("y",), "β": ("v",), "ɲ": ("n", "y"), "ʎ": ("l", "y"), "ç": ("hh",),
    "ɣ": ("g",), "ɥ": ("w",), "ɦ": ("hh",), "χ": ("hh",), "ts": ("t", "s"), "dz": ("d", "z"),
    "pf": ("p", "f"), "ɕ": ("sh",), "ʑ": ("zh",), "ɱ": ("m",), "ɟ": ("jh",), "c": ("k",),
    "ɛː": ("eh",), "eː": ("eh",), "øː": ("ow",), "yː": ("uw",), "ɔ̃": ("ao",), "ɛ̃": ("eh",),
    "œ̃": ("eh",), "ɪ̯": ("ih",), "ʊ̯": ("uh",), "i̯": ("iy",), "u̯": ("uw",), "ɐ̯": ("ah",), "ʃː": ("sh",),
    "ʒː": ("zh",), "ɾː": ("d",), "ɛɪ": ("ey",), "aʊ̯": ("aw",), "aɪ̯": ("ay",), "ɔʏ": ("oy",),
}
_IGNORED = set("ˈˌ̃ʰ̪ˑ.‿-ʲ:")


def ipa_to_arpabet(ipa: str) -> tuple[str, ...]:
    """Greedy longest-match IPA -> ARPAbet (stress and length marks ignored where unmatched).

    Raises:
        KeyError: a symbol has no mapping.
    """
    out, i = [], 0
    while i < len(ipa):
        for n in (3, 2, 1):
            if ipa[i:i + n] in IPA_TO_ARPABET:
                out += IPA_TO_ARPABET[ipa[i:i + n]]
                i += n
                break
        else:
            if ipa[i] in _IGNORED or ipa[i] == "ː":
                i += 1
                continue
            raise KeyError(f"IPA symbol {ipa[i]!r} (in {ipa!r}) has no ARPAbet mapping")
    return tuple(out)


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_EVENT_PHONEME, _EVENT_END = 7, 5
_state: dict = {}


@lru_cache(maxsize=1)
def _library():
    try:
        lib = ctypes.CDLL("libespeak-ng.so.1")
    except OSError as e:
        raise SynthError("libespeak-ng is not installed (apt-get install espeak-ng)") from e
    rate = lib.espeak_Initialize(2, 200, None, 0x1 | 0x2)  # synchronous; phoneme events in IPA
    if rate <= 0:
        raise SynthError("espeak_Initialize failed")

    def callback(wav, n, events):
        if n > 0:
            _state["chunks"].append(np.ctypeslib.as_array(wav, (n,)).copy())
        i = 0
        while events[i].type != 0:
            ev = events[i]
            if ev.type == _EVENT_PHONEME:
                _state["events"].append((ev.sample, ev.id.decode("utf-8", "replace")))
            i += 1
        return 0

    cb = _CALLBACK(callback)
    lib.espeak_SetSynthCallback(cb)
    return lib, rate, cb


def espeak(text: str, voice: str, rate_wpm: int = 175, pitch: int = 50, pitch_range: int = 50) -> Synth:
    """Synthesise with an espeak-ng voice name (e.g. ``"en-us+f3"``); phones from phoneme events.

    Raises:
        SynthError: library missing, unknown voice, no audio, or an unmapped phoneme.
    """
    lib, sr, _cb = _library()
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise SynthError(f"espeak-ng voice {voice!r} not found")
    for param, value in ((1, rate_wpm), (3, pitch), (4, pitch_range)):
        lib.espeak_SetParameter(param, int(value), 0)
    _state["chunks"], _state["events"] = [], []
    data = clean_text(text).encode() + b"\0"
    lib.espeak_Synth(data, len(data), 0, 1, 0, 0, None, None)
    lib.espeak_Synchronize()
    if not _state["chunks"]:
        raise SynthError(f"espeak-ng {voice}: no audio")
    audio = np.concatenate(_state["chunks"]).astype(np.float32) / 32768.0
    n = len(audio)
    starts, labels = [], []
    for sample, ipa in _state["events"]:
        try:
            phones = ipa_to_arpabet(ipa) if ipa else ("sil",)
        except KeyError as e:
            raise SynthError(str(e)) from None
        if not phones:
            continue
        starts.append(min(sample, n))
        labels.append(phones)
    if not starts:
        raise SynthError(f"espeak-ng {voice}: no phoneme events")
    bounds = [0] + starts + [n]
    st, en, lab = [], [], []
    if starts[0] > 0:
        st.append(0.0), en.append(starts[0] / sr), lab.append("sil")
    for k, phones in enumerate(labels):
        a, b = bounds[k + 1] / sr, bounds[k + 2] / sr
        step = (b - a) / len(phones)
        for j, p in enumerate(phones):
            st.append(a + j * step), en.append(a + (j + 1) * step), lab.append(p)
    audio16 = soxr.resample(audio, sr, SAMPLE_RATE_HZ, quality="HQ").astype(np.float32)
    st, en = np.array(st), np.array(en)
    keep = en - st > 1e-6
    return Synth(audio16, st[keep], np.minimum(en[keep], len(audio16) / SAMPLE_RATE_HZ), np.array(lab)[keep])
