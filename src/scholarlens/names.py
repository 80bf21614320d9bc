"""Person names: parsing, keys and the rules for when two spellings are one person.

A name key folds case, accents and punctuation (``Mądry`` = ``Madry``, ``Metz, Luke`` =
``Luke Metz``). Looser matches (``Chris`` / ``Christopher``, ``R.`` / ``Robert``) are only
*compatible*: callers merge them when other evidence agrees (a shared paper, shared
co-authors). A surname alone never makes two people one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nameparser import HumanName
from nameparser.config import CONSTANTS

from .text import clean_text, fold

_ORG_WORDS = re.compile(
    r"\b(?:openai|deepmind|google|microsoft|meta|team|consortium|collaboration|institute|"
    r"university|laboratory|lab|inc|corp|corporation|ltd|llc|group|committee|project|"
    r"foundation|association|society|research)\b",
    re.IGNORECASE,
)
_LATIN = re.compile(r"[\x00-\u024f]*")  # nameparser treats other scripts its own way
_SIMPLE_TOKEN = re.compile(r"^[^\W\d_][^\W\d_'.\-]*(?:[.'\-][^\W\d_]*)*\.?$")
_NAME_WORDS = (
    {t.lower() for t in CONSTANTS.titles}
    | {t.lower() for t in CONSTANTS.suffix_acronyms}
    | {t.lower() for t in CONSTANTS.suffix_not_acronyms}
    | {t.lower() for t in CONSTANTS.prefixes}
    | {t.lower() for t in CONSTANTS.conjunctions}
)


@dataclass(frozen=True)
class Name:
    """A parsed personal name: given names (first + middle) and family name."""

    given: tuple[str, ...]
    family: str

    @property
    def display(self) -> str:
        return " ".join((*self.given, self.family)).strip()


def from_last_first(last: str, first: str) -> str:
    """``("Metz", "Luke")`` → ``"Luke Metz"``."""
    last, first = clean_text(last), clean_text(first)
    return f"{first} {last}".strip()


@lru_cache(maxsize=65536)
def parse_name(display: str) -> Name:
    """Split a ``First Middle Last`` display name (nameparser handles particles)."""
    human = HumanName(display)
    family = clean_text(human.last)
    given = tuple(t for t in f"{human.first} {human.middle}".split() if t)
    if not family and given:  # mononym
        family, given = given[-1], given[:-1]
    return Name(given=given, family=family)


def person_key(display: str) -> str:
    """Exact identity key: folded full name (``Aleksander Mądry`` → ``aleksander madry``)."""
    return fold(display)


def _name_word(token: str) -> bool:
    """Whether nameparser may read a token as a title, suffix, particle or conjunction
    (it compares them lower-cased, with and without their periods: ``Ph.D.`` is ``phd``)."""
    low = token.lower()
    return low in _NAME_WORDS or low.strip(".") in _NAME_WORDS or low.replace(".", "") in _NAME_WORDS


@lru_cache(maxsize=200_000)
def family_key(display: str) -> str:
    """Blocking key: the folded family name.

    Plain ``First [Middle] Last`` names (Latin script, no titles, particles or suffixes)
    skip nameparser: their family name is the last word. The property tests pin this to
    ``fold(parse_name(display).family)``."""
    tokens = display.split()
    if 1 <= len(tokens) <= 4 and _LATIN.fullmatch(display) and all(_SIMPLE_TOKEN.match(t) and not _name_word(t) for t in tokens):
        return fold(tokens[-1])
    return fold(parse_name(display).family)


def looks_like_organisation(name: str) -> bool:
    """True for author entries that name an organisation rather than a person."""
    return bool(_ORG_WORDS.search(name)) and len(name.split()) <= 6


@lru_cache(maxsize=1)
def _nicknamer():  # type: ignore[no-untyped-def]
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=65536)
def given_compatible(a: str, b: str) -> bool:
    a, b = fold(a).replace(" ", ""), fold(b).replace(" ", "")
    if not a or not b:
        return True
    if a == b:
        return True
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    nn = _nicknamer()
    related = nn.nicknames_of(a) | nn.canonicals_of(a)
    return b in related


def names_compatible(a: str, b: str) -> bool:
    """Whether two display names may denote the same person.

    Family names must fold to the same key; the first given names must be equal, an initial
    of one another or a known nickname pair; further given names must not contradict.
    """
    na, nb = parse_name(a), parse_name(b)
    if fold(na.family) != fold(nb.family) or not fold(na.family):
        # "Jong Wook Kim" vs "Jong-Wook Kim" fold the same; also allow joined given+family.
        return fold(a).replace(" ", "") == fold(b).replace(" ", "")
    if not na.given or not nb.given:
        return False  # a surname alone is never enough
    if fold(" ".join(na.given)).replace(" ", "") == fold(" ".join(nb.given)).replace(" ", ""):
        return True  # "Jong-Wook" = "Jong Wook"
    if not given_compatible(na.given[0], nb.given[0]):
        return False
    for x, y in zip(na.given[1:], nb.given[1:], strict=False):
        if not given_compatible(x, y):
            return False
    return True


def name_specificity(display: str) -> tuple[int, int, int]:
    """Sort key preferring full given names, then accents, then length (for display choice)."""
    n = parse_name(display)
    full_given = sum(len(g.rstrip(".")) > 1 for g in n.given)
    accents = sum(not c.isascii() for c in display)
    return (full_given, accents, len(display))
