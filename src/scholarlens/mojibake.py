"""Repair of UTF-8 text that was mis-decoded through the Thai code page (TIS-620 / cp874).

ftfy repairs latin-1 / cp1252 mojibake but never tries this code page, so it is written
here. In such text every character of a UTF-8 multi-byte sequence shows up as a Thai letter
(``ñ`` = C3 B1 → ``รฑ``). Two cases:

* **exact** – all bytes survived: re-encode as cp874 and decode as UTF-8.
* **lost byte** – continuation bytes 0x80–0x9F have no Thai character; the producer dropped
  them, or turned them into a space (0x85 NEL, 0xA0 NBSP). The lead byte still narrows the
  letter to a block of ~32 (``ล`` = C5 → U+0140–U+017F). We choose the best-supported letter:
  a clean spelling of the same word elsewhere (exact, then accent-folded), then the word's
  frequency in Latin-script languages (wordfreq, offline), then a prior over name letters.
  The result is flagged ``guessed`` so callers keep the raw spelling as an alias.

Cost is bounded per name: a text with more than :data:`MAX_SLOTS` lost letters is left as it
is (no real name loses that many), at most :data:`_MAX_COMBINATIONS` spellings are scored
(likeliest letters first) and at most :data:`FILE_BUDGET` per file,
the file's clean words are prepared once (:class:`KnownWords`, not once per name), and word
frequencies are read straight from wordfreq's lists (its ``zipf_frequency`` re-tokenised each of
256 spellings in 22 languages: ~85 ms a name, 10 s for a hostile 2.9 KB export). Loading the
22 lists is a one-time ~3 CPU-s per process.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii

_THAI = re.compile(r"[\u0e00-\u0e7f]")
#: Continuation bytes with no cp874 glyph (dropped by the producer).
_DROPPED = [b for b in range(0x80, 0xA0)]
#: Continuation bytes that the producer turned into a plain space.
_SPACED = [0x85, 0xA0]
#: Languages whose word lists decide between candidate letters.
_LANGS = (
    "pl", "tr", "cs", "sk", "hu", "ro", "sl", "lv", "lt", "de", "fr", "es", "pt", "it",
    "ca", "nl", "sv", "da", "nb", "fi", "is", "en",
)  # fmt: skip
#: Fallback prior: letters by how often they occur in European author names.
_PRIOR = "łśńęąćżźşçğıöüéáíóúèàäëïčšžřěůýőűãõñâêîôûåøæœßţșțľĺŕďťň"
_MAX_COMBINATIONS = 64
#: Spellings one file may score in all (a hostile file of thousands of broken names stays fast);
#: once spent, broken names are kept as found.
FILE_BUDGET = 20_000
#: Most lost letters guessed in one text; beyond this the text is kept as found.
MAX_SLOTS = 6


@dataclass
class Repair:
    """Outcome of :func:`repair_thai_mojibake`."""

    text: str
    changed: bool = False
    guessed: bool = False
    alternatives: list[str] = field(default_factory=list)


def has_thai(text: str) -> bool:
    return bool(_THAI.search(text))


def _to_bytes(text: str) -> bytes | None:
    """Bytes of the original UTF-8 stream, or None if the Thai text is genuine Thai."""
    out = bytearray()
    for ch in text:
        if _THAI.match(ch):
            try:
                b = ch.encode("cp874")
            except UnicodeEncodeError:
                return None
            if not (0x80 <= b[0] <= 0xBF or 0xC2 <= b[0] <= 0xF4):
                return None  # a Thai character that cannot be part of UTF-8: real Thai text
            out += b
        else:
            out += ch.encode("utf-8")
    return bytes(out)


def _segments(data: bytes) -> list[str | list[str]] | None:
    """Split into fixed text and candidate slots (lists of possible characters)."""
    segs: list[str | list[str]] = []
    i, n = 0, len(data)
    buf = bytearray()
    while i < n:
        b = data[i]
        if b < 0x80:
            buf.append(b)
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            need = 1
        elif 0xE0 <= b <= 0xEF:
            need = 2
        elif 0xF0 <= b <= 0xF4:
            need = 3
        else:
            return None  # stray continuation byte: not mojibake of UTF-8
        tail = data[i + 1 : i + 1 + need]
        if len(tail) == need and all(0x80 <= t <= 0xBF for t in tail):
            buf += data[i : i + 1 + need]
            i += 1 + need
            continue
        if need != 1 or (i + 1 < n and data[i + 1] >= 0xC0):
            return None  # only two-byte letters are guessed; lead after lead is real Thai
        segs.append(buf.decode("utf-8", errors="strict"))
        buf = bytearray()
        if i + 1 < n and data[i + 1] == 0x20:
            options, i = _SPACED, i + 2
        else:
            options, i = _DROPPED, i + 1
        cands = [bytes([b, c]).decode("utf-8") for c in options]
        letters = [c for c in cands if unicodedata.category(c).startswith("L") and c <= "\u024f"]
        if not letters:
            return None
        segs.append(letters)
    segs.append(buf.decode("utf-8", errors="strict"))
    return segs


@lru_cache(maxsize=1)
def _frequency_dicts() -> tuple[dict[str, float], ...]:
    from wordfreq import get_frequency_dict

    return tuple(get_frequency_dict(lang) for lang in _LANGS)


@lru_cache(maxsize=65536)
def _zipf(word: str) -> float:
    """The word's highest Zipf frequency over :data:`_LANGS`, by direct look-up in wordfreq's
    lists (its ``zipf_frequency`` re-tokenises the word on every call: 15 µs × 22 languages)."""
    freq = max(d.get(word, 0.0) for d in _frequency_dicts())
    return round(math.log10(freq) + 9, 2) if freq > 0 else 0.0


@dataclass
class KnownWords:
    """Cleanly spelled words seen elsewhere (lower-cased, and accent-folded), prepared once
    per file rather than once per name."""

    exact: frozenset[str]
    folded: frozenset[str]
    budget: int = FILE_BUDGET
    """Spellings this file may still score (see :data:`FILE_BUDGET`)."""

    @classmethod
    def of(cls, words: Iterable[str]) -> KnownWords:
        exact = frozenset(w.lower() for w in words)
        return cls(exact, frozenset(anyascii(w).lower() for w in exact))


def _prior(ch: str) -> int:
    idx = _PRIOR.find(ch.lower())
    return idx if idx >= 0 else len(_PRIOR)


def _words_around(text: str) -> list[str]:
    return [w for w in re.split(r"[\s\-,.]+", text) if w]


def repair_thai_mojibake(text: str, known_words: Iterable[str] | KnownWords = ()) -> Repair:
    """Undo Thai-code-page mojibake in ``text``; guess lost letters with evidence.

    ``known_words`` are cleanly spelled words seen elsewhere (e.g. other author names in the
    same file, best passed as a :class:`KnownWords` built once); a candidate that spells one of
    them, exactly or accent-folded, wins.
    """
    if not has_thai(text):
        return Repair(text)
    data = _to_bytes(text)
    if data is None:
        return Repair(text)
    try:
        segs = _segments(data)
    except UnicodeDecodeError:
        return Repair(text)
    if segs is None:
        return Repair(text)
    slots = [s for s in segs if isinstance(s, list)]
    if not slots:
        return Repair(data.decode("utf-8"), changed=True)
    if len(slots) > MAX_SLOTS:
        return Repair(text)

    prepared = known_words if isinstance(known_words, KnownWords) else KnownWords.of(known_words)
    known, known_folded = prepared.exact, prepared.folded

    # Case from position: a slot at a word start is a capital, inside a word lower case.
    shaped: list[str | list[str]] = []
    for k, seg in enumerate(segs):
        if isinstance(seg, list):
            before = segs[k - 1] if k else ""
            at_start = not before or not isinstance(before, str) or not before[-1:].isalpha()
            want = [c for c in seg if (c.isupper() if at_start else c.islower())]
            shaped.append(want or seg)
        else:
            shaped.append(seg)

    # Likeliest letters first, so the capped product keeps the plausible spellings.
    choices = [sorted(s, key=_prior) for s in shaped if isinstance(s, list)]
    combos = list(itertools.islice(itertools.product(*choices), min(_MAX_COMBINATIONS, max(prepared.budget, 0))))
    if not combos:
        return Repair(text)
    prepared.budget -= len(combos)

    def build(combo: tuple[str, ...]) -> str:
        it = iter(combo)
        return "".join(s if isinstance(s, str) else next(it) for s in shaped)

    def score(candidate: str) -> tuple[int, int, float, int]:
        words = [w.lower() for w in _words_around(candidate)]
        touched = [w for w in words if not w.isascii()]
        exact = sum(w in known for w in touched)
        folded = sum(anyascii(w) in known_folded for w in touched)
        freq = sum(_zipf(w) for w in touched)
        prior = -sum(_prior(c) for c in candidate if not c.isascii())
        return (exact, folded, freq, prior)

    ranked = sorted((build(c) for c in combos), key=score, reverse=True)
    return Repair(ranked[0], changed=True, guessed=True, alternatives=ranked[1:6])
