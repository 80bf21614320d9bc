"""Owner ranking: who, among the people on a profile's matched papers, wrote the profile.

The people on the matched papers' author lists are the candidates. A candidate's score is

    s = k + GAMMA * log(coverage)

where ``k`` is how many of the profile's matched papers list them and ``coverage`` the share
of their stored papers that the profile matched (an owner's own list holds most of their
work; a co-author on every paper who also has a hundred others is less likely the owner).
The share is ``softmax(BETA * s)`` over the candidates, so people who fit equally share
it: the 400 authors of a system card each get 1/400, and the answer is *ambiguous*
(:func:`explain_tie` says why). Spellings of one person that never share a matched paper
(``R. Schapire`` on some, ``Robert Schapire`` on others) are counted together. A declared
name on the profile is a prior: when a compatible person is on at least half the matched
papers and stands out, it is *supported*.

Used by owner resolution at ingest (:mod:`scholarlens.profiles`) and by ``whois``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .matching import PaperEvidence
from .names import family_key, given_compatible, name_specificity, names_compatible, parse_name
from .stores import Store
from .text import fold

#: Log-odds per matched paper (e^2 ≈ 7× more likely per extra paper a candidate is on).
BETA = 2.0
#: Weight of log(coverage) in the score (in papers).
GAMMA = 0.5
#: Confidence the best candidate needs for ``identified``.
IDENTIFIED_MIN = 0.6
#: Share of matched papers a person named like the declared name must be on to support it.
DECLARED_MIN_SHARE = 0.5
#: Prior log-odds (in score units) for a person compatible with a full declared name.
DECLARED_PRIOR = 1.5
#: Prior for a person whose first name fits a lone declared given name (``Tony``): a tie-break.
GIVEN_NAME_PRIOR = 0.25
#: How much a paper with a truncated author list that lacks the candidate still counts for them.
TRUNCATED_CREDIT = 0.5
#: Author lists at least this long make "shared by many" worth saying.
LARGE_TEAM = 50
PLACEHOLDER_NAMES = {"anonymous", "anon", "unknown", "n a", "na", "none", "null", "me", "author", "tba"}
#: Candidates considered when merging spellings (the rest cannot reach the top).
MERGE_POOL = 200


@dataclass
class Candidate:
    """One person who may own a profile, with the evidence for it."""

    person_id: int
    name: str
    papers: set[int] = field(default_factory=set)
    """Ordinals of the profile papers that list this person."""
    stored: set[int] = field(default_factory=set)
    """Stored paper ids matched through those papers."""
    positions: list[tuple[int, int]] = field(default_factory=list)
    total: int = 0
    """Papers of this person in the knowledge base."""
    aliases: list[tuple[int, str]] = field(default_factory=list)
    score: float = 0.0
    share: float = 0.0
    """Softmax share among the candidates (decides the status)."""
    confidence: float = 0.0
    """``share`` times the part of the matched papers this person explains."""

    @property
    def first_authored(self) -> int:
        return sum(1 for pos, _ in self.positions if pos == 0)

    @property
    def mean_position(self) -> float:
        rel = [pos / (n - 1) for pos, n in self.positions if n > 1]
        return sum(rel) / len(rel) if rel else 0.5


def is_placeholder(name: str | None) -> bool:
    return not name or fold(name) in PLACEHOLDER_NAMES


def declared_matches(declared: str, name: str) -> bool:
    """Whether a declared name fits a person's name; a lone given name (``Tony``) is
    compared with the first given name (``Anthony``)."""
    if len(declared.split()) == 1:
        given = parse_name(name).given
        return bool(given) and given_compatible(declared, given[0])
    return names_compatible(declared, name)


def _totals(store: Store, ids: list[int]) -> dict[int, int]:
    rows = store.query_in(
        "SELECT person_id, COUNT(DISTINCT paper_id) AS n FROM authorships WHERE provenance = 'author list' AND person_id IN ({marks}) GROUP BY person_id",
        ids,
    )
    return {r["person_id"]: int(r["n"]) for r in rows}


def _names(store: Store, ids: list[int]) -> dict[int, str]:
    return {r["id"]: r["name"] for r in store.query_in("SELECT id, name FROM people WHERE id IN ({marks})", ids)}


def _explained(c: Candidate, authored: list[PaperEvidence]) -> float:
    """Share of the matched papers consistent with this person being the owner: those that
    list them, and half of those whose author list is truncated (they may be cut off)."""
    if not authored:
        return 0.0
    cut = sum(1 for e in authored if e.ordinal not in c.papers and not e.authors_complete)
    return min(1.0, (len(c.papers) + TRUNCATED_CREDIT * cut) / len(authored))


def _merge_spellings(cands: list[Candidate]) -> list[Candidate]:
    """Fold compatible spellings with disjoint matched papers into the stronger candidate."""
    pool = sorted(cands, key=lambda c: (-len(c.papers), c.person_id))
    head, tail = pool[:MERGE_POOL], pool[MERGE_POOL:]
    by_family: dict[str, list[Candidate]] = defaultdict(list)
    for c in head:
        by_family[family_key(c.name)].append(c)
    gone: set[int] = set()
    for group in by_family.values():
        for i, a in enumerate(group):
            if a.person_id in gone:
                continue
            for b in group[i + 1 :]:
                if b.person_id in gone or a.papers & b.papers or a.stored & b.stored:
                    continue
                if not names_compatible(a.name, b.name):
                    continue
                if any(not names_compatible(x, b.name) for _, x in a.aliases):
                    continue
                a.papers |= b.papers
                a.stored |= b.stored
                a.positions += b.positions
                a.total += b.total
                a.aliases.append((b.person_id, b.name))
                if name_specificity(b.name) > name_specificity(a.name):
                    a.name, b.name = b.name, a.name
                gone.add(b.person_id)
    return [c for c in head if c.person_id not in gone] + tail


def rank_candidates(store: Store, evidence: list[PaperEvidence], declared_name: str | None = None) -> dict[str, Any]:
    """Rank the people on the matched papers as owners of the profile (see module doc)."""
    authored = [e for e in evidence if e.authors]
    cands: dict[int, Candidate] = {}
    for e in authored:
        for person, pos in e.authors.items():
            c = cands.setdefault(person, Candidate(person_id=person, name=""))
            c.papers.add(e.ordinal)
            c.stored.update(e.paper_ids)
            c.positions.append((pos, max(e.n_authors, pos + 1)))
    ids = sorted(cands)
    names, totals = _names(store, ids), _totals(store, ids)
    for pid, c in cands.items():
        c.name = names.get(pid, f"person {pid}")
        c.aliases = [(pid, c.name)]
        c.total = totals.get(pid, 0)
    ranked = _merge_spellings(list(cands.values()))
    declared = None if is_placeholder(declared_name) else declared_name
    m = len(authored)
    for c in ranked:
        coverage = min(1.0, len(c.stored) / c.total) if c.total and c.stored else 1.0
        c.score = len(c.papers) + GAMMA * math.log(coverage)
    supported: bool | None = None
    fits: list[Candidate] = []
    if declared and m:
        fits = [c for c in ranked if any(declared_matches(declared, n) for _, n in c.aliases)]
        prior = DECLARED_PRIOR if len(declared.split()) > 1 else GIVEN_NAME_PRIOR
        for c in fits:
            c.score += prior
    if ranked:
        top = max(c.score for c in ranked)
        weights = [math.exp(BETA * (c.score - top)) for c in ranked]
        z = sum(weights)
        for c, w in zip(ranked, weights, strict=True):
            c.share = w / z
            c.confidence = c.share * _explained(c, authored)
    if declared and m:
        # Supported: a person of that name is on at least half the papers *and* stands out.
        supported = any(len(c.papers) >= DECLARED_MIN_SHARE * m and c.share >= IDENTIFIED_MIN for c in fits)
    # Equal evidence is ordered by who leads more of the papers (a tie-break, not evidence).
    ranked.sort(key=lambda c: (-round(c.score, 9), -c.first_authored, c.mean_position, c.name))
    return {"candidates": ranked, "authored": m, "declared_supported": supported, "declared": declared}


def explain_tie(ranked: list[Candidate], evidence: list[PaperEvidence]) -> str:
    top = ranked[0]
    tied = [c for c in ranked if c.share >= top.share / 2]
    names = ", ".join(c.name for c in tied[:5]) + (f" and {len(tied) - 5} more" if len(tied) > 5 else "")
    papers = set().union(*(c.papers for c in tied))
    shared = [e for e in evidence if e.ordinal in papers]
    big = [e for e in shared if e.n_authors >= LARGE_TEAM]
    cut = [e for e in shared if not e.authors_complete]
    m = sum(1 for e in evidence if e.authors)
    same = all(c.papers == top.papers for c in tied)
    why = (
        f"{len(tied)} people are on the same {len(top.papers)} of the {m} matched paper(s) with author lists"
        if same
        else f"{len(tied)} people fit about equally well (each on {min(len(c.papers) for c in tied)}–{len(top.papers)} of the {m} matched paper(s) with author lists)"
    )
    if big:
        why += f"; {len(big)} of those papers have {min(e.n_authors for e in big)}+ authors"
    if cut:
        why += f"; {len(cut)} have truncated author lists"
    return f"ambiguous: {why}; nothing in the knowledge base tells {names} apart"


__all__ = ["Candidate", "declared_matches", "explain_tie", "is_placeholder", "rank_candidates"]
