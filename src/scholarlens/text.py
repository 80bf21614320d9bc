"""Text normalisation shared by parsers, deduplication and matching.

All functions are pure and idempotent (``f(f(x)) == f(x)``), which the property tests check.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import ftfy
from anyascii import anyascii

_WS = re.compile(r"\s+")
_NOT_ALNUM_ASCII = [chr(i) for i in range(128) if not ("0" <= chr(i) <= "9" or "a" <= chr(i) <= "z")]
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TO_SPACE = str.maketrans({c: " " for c in _NOT_ALNUM_ASCII})
_ABSTRACT_PREFIX = re.compile(r"^\s*(?:abstract|summary)\s*[:.\-—]\s*", re.IGNORECASE)
_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?|[{}$]")

#: Characters of an abstract fingerprint used as an index key for near-duplicate lookup.
HEAD_KEY_CHARS = 48
#: Length of an abstract fingerprint: two abstracts whose first 512 normalised characters
#: agree (exactly, as a prefix, or nearly) are one paper. Capping keeps stored keys small
#: (a full fingerprint doubled the size of every stored source).
FINGERPRINT_CHARS = 512


def clean_text(text: str | None) -> str:
    """Repair ordinary mojibake (ftfy), NFC-normalise and collapse white space.

    Repeated until nothing changes: collapsing white space can itself make text that ftfy
    reads as mojibake (``à¢\r0`` → ``à¢ 0``), and the result must be stable (idempotent).
    """
    if not text:
        return ""
    text = _WS.sub(" ", text).strip()
    for _ in range(4):
        fixed = _WS.sub(" ", ftfy.fix_text(text, normalization="NFC")).strip()
        if fixed == text:
            break
        text = fixed
    return text


def transliterate(text: str) -> str:
    """``anyascii(NFC(text))``, transliterating only the non-ASCII runs (anyascii maps each
    character on its own, so the result is the same, and most text is ASCII)."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_translit_run, unicodedata.normalize("NFC", text))


def _translit_run(m: re.Match[str]) -> str:
    return anyascii(m.group())


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces (accents dropped).

    ASCII text skips the transliteration; the property tests pin this to the plain
    ``anyascii`` + regex definition."""
    return " ".join(transliterate(text).lower().translate(_TO_SPACE).split())


def strip_abstract_prefix(text: str) -> str:
    """Drop a leading ``Abstract:`` (or ``Summary:``) label, repeatedly."""
    previous = None
    while previous != text:
        previous = text
        text = _ABSTRACT_PREFIX.sub("", text, count=1)
    return text


def title_key(title: str | None) -> str | None:
    """Key under which two titles count as the same paper (case, accents, punctuation ignored)."""
    if not title:
        return None
    key = fold(_LATEX_CMD.sub(" ", clean_text(title)))
    return key or None


def abstract_fingerprint(abstract: str | None) -> str | None:
    """Whitespace-, case-, prefix-, markup- and accent-insensitive form of an abstract."""
    if not abstract:
        return None
    text = strip_abstract_prefix(clean_text(abstract))
    text = _LATEX_CMD.sub(" ", text)
    key = fold(text).replace(" ", "")[:FINGERPRINT_CHARS]
    return key or None


def abstract_head_key(fingerprint: str | None) -> str | None:
    """Index key for near-duplicate abstracts: the fingerprint's head.

    Truncation keeps the head of an abstract, so two versions of the same abstract share it.
    Short fingerprints give no key (too little text to claim identity on).
    """
    if not fingerprint or len(fingerprint) < HEAD_KEY_CHARS:
        return None
    return fingerprint[:HEAD_KEY_CHARS]


def same_abstract(fp_a: str, fp_b: str, *, min_chars: int = 120, min_ratio: float = 0.93) -> bool:
    """Whether two abstract fingerprints are the same text, allowing a truncated tail.

    The shorter must be at least ``min_chars`` long and match the head of the longer one,
    exactly or with a similarity ratio of at least ``min_ratio`` (small edits, encodings).
    """
    from rapidfuzz.fuzz import ratio

    short, long_ = sorted((fp_a, fp_b), key=len)
    if len(short) < min_chars:
        return short == long_ and bool(short)
    if long_.startswith(short):
        return True
    return ratio(short, long_[: len(short)]) / 100.0 >= min_ratio


def content_hash(*parts: str | None) -> str:
    """Stable hex digest of text parts (used for embedding caches and ids)."""
    h = hashlib.sha256()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def closest(ref: str, choices: list[str], n: int = 3) -> list[str]:
    """Up to ``n`` of ``choices`` that look like ``ref`` (typos, other word order), best first:
    the suggestions of a "did you mean"."""
    from rapidfuzz import fuzz, process

    found = process.extract(ref, list(dict.fromkeys(choices)), scorer=fuzz.WRatio, limit=n, score_cutoff=80)
    return [c for c, _, _ in found]
