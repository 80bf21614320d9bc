"""Owner identification: who wrote the papers of a profile ("whois").

The profile's papers are matched to stored papers (:mod:`scholarlens.matching`); the people
on the matched papers' author lists are the candidates. A candidate's score is

    s = k + GAMMA * log(coverage)

where ``k`` is how many of the profile's matched papers list them and ``coverage`` the share
of their stored papers that the profile matched (an owner's own list holds most of their
work; a co-author on every paper who also has a hundred others is less likely the owner).
The confidence is ``softmax(BETA * s)`` over the candidates, so people who fit equally share
it: the 400 authors of a system card each get 1/400, and the answer is *ambiguous*.
Spellings of one person that never share a matched paper (``R. Schapire`` on some,
``Robert Schapire`` on others) are counted together. A declared name on the profile is a
prior: when a compatible person is on at least half the matched papers it is *supported*.
When nothing matches, people are ranked by the similarity of their papers to the profile's
abstracts instead (``method = "similarity"``, confidences capped low).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .embeddings import Encoder
from .errors import NotFoundError
from .formats import parse_file
from .matching import PaperEvidence, evidence_for
from .models import ParsedPaper, ParsedProfile
from .names import _given_compatible, family_key, name_specificity, names_compatible, parse_name
from .stores import Store
from .text import fold

if TYPE_CHECKING:
    from .kb import KnowledgeBase

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
#: Highest confidence a similarity-only answer may claim.
SIMILARITY_CAP = 0.5
#: Author lists at least this long make "shared by many" worth saying.
LARGE_TEAM = 50
PLACEHOLDER_NAMES = {"anonymous", "anon", "unknown", "n a", "na", "none", "null", "me", "author", "tba"}
#: Candidates considered when merging spellings (the rest cannot reach the top).
MERGE_POOL = 200


@dataclass
class Candidate:
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
        return bool(given) and _given_compatible(declared, given[0])
    return names_compatible(declared, name)


# -- loading the input ---------------------------------------------------------------------
def load_profile(kb: KnowledgeBase, profile: str | Path | ParsedProfile, format: str | None = None) -> tuple[ParsedProfile, set[str]]:
    """The profile to identify and the ids of stored profiles that are the same file."""
    store = kb.store
    if isinstance(profile, ParsedProfile):
        parsed = profile
    elif isinstance(profile, Path) or Path(str(profile)).is_file():
        parsed = parse_file(profile, format)
    else:
        return stored_profile(store, kb.resolve_profile_id(str(profile)))
    own: set[str] = set()
    if parsed.sha256:
        own = {r["id"] for r in store.query("SELECT id FROM profiles WHERE sha256 = ?", (parsed.sha256,))}
    return parsed, own


def stored_profile(store: Store, profile_id: str) -> tuple[ParsedProfile, set[str]]:
    import json

    row = store.one("SELECT source, format, declared_name, sha256 FROM profiles WHERE id = ?", (profile_id,))
    if row is None:
        raise NotFoundError(f"no profile {profile_id!r}")
    papers = [
        ParsedPaper.from_dict(json.loads(r["record"]))
        for r in store.query("SELECT record FROM paper_sources WHERE profile_id = ? ORDER BY ordinal", (profile_id,))
    ]
    parsed = ParsedProfile(source=row["source"], format=row["format"], papers=papers, declared_name=row["declared_name"], sha256=row["sha256"])
    return parsed, {profile_id}


# -- ranking ---------------------------------------------------------------------------------
def _totals(store: Store, ids: list[int]) -> dict[int, int]:
    rows = store.query_in(
        "SELECT person_id, COUNT(DISTINCT paper_id) AS n FROM authorships WHERE person_id IN ({marks}) GROUP BY person_id",
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


def _explain_tie(ranked: list[Candidate], evidence: list[PaperEvidence]) -> str:
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


def _candidate_dict(c: Candidate, evidence_by_ordinal: dict[int, PaperEvidence], m: int) -> dict[str, Any]:
    ev = [evidence_by_ordinal[o].to_dict() for o in sorted(c.papers)]
    for d, o in zip(ev, sorted(c.papers), strict=True):
        d["position"] = evidence_by_ordinal[o].authors.get(c.person_id, next((evidence_by_ordinal[o].authors[p] for p, _ in c.aliases if p in evidence_by_ordinal[o].authors), None))
    return {
        "name": c.name,
        "person_id": c.person_id,
        "confidence": round(c.confidence, 4),
        "matched_papers": len(c.papers),
        "of_matched": m,
        "papers_in_kb": c.total,
        "aliases": [n for p, n in c.aliases if n != c.name],
        "person_ids": sorted(p for p, _ in c.aliases),
        "evidence": ev,
    }


def identify(store: Store, profile: ParsedProfile, exclude: set[str] = frozenset(), *, limit: int = 5, encoder: Encoder | None = None, similarity: bool = True) -> dict[str, Any]:  # type: ignore[assignment]
    """The whois answer for a parsed profile (see :func:`whois`)."""
    evidence = evidence_for(store, profile.papers, set(exclude))
    matched = [e for e in evidence if e.match and e.match != "own"]
    result = rank_candidates(store, evidence, profile.declared_name)
    ranked: list[Candidate] = result["candidates"]
    m = result["authored"]
    by_ord = {e.ordinal: e for e in evidence}
    out: dict[str, Any] = {
        "status": "unknown",
        "declared_name": profile.declared_name,
        "declared_name_supported": result["declared_supported"],
        "method": "paper-match",
        "papers": len(profile.papers),
        "matched": len(matched),
        "matched_with_authors": m,
        "match_kinds": _kinds(matched),
        "candidates": [],
        "explanation": "",
    }
    if ranked:
        top = ranked[0]
        out["candidates"] = [_candidate_dict(c, by_ord, m) for c in ranked[:limit]]
        if top.share >= IDENTIFIED_MIN:
            out["status"] = "identified"
            out["explanation"] = (
                f"{top.name} is on {len(top.papers)} of the {m} matched paper(s) with author lists "
                f"({len(matched)} of {len(profile.papers)} paper(s) matched stored papers)"
            )
            if len(ranked) > 1:
                out["explanation"] += f"; next: {ranked[1].name} on {len(ranked[1].papers)}"
        else:
            out["status"] = "ambiguous"
            out["explanation"] = _explain_tie(ranked, evidence)
        return out
    if matched:
        out["explanation"] = f"{len(matched)} paper(s) matched stored papers, but none of them has an author list"
    if similarity:
        from .embeddings import get_encoder
        from .similar import similar_to_papers

        sims = similar_to_papers(store, list(profile.papers), limit=limit, encoder=encoder or get_encoder(), exclude_profiles=set(exclude))
        if sims:
            out["method"] = "similarity"
            top_score = sims[0]["score"]
            z = sum(math.exp(10 * (s["score"] - top_score)) for s in sims)
            for s in sims:
                s["confidence"] = round(SIMILARITY_CAP * math.exp(10 * (s["score"] - top_score)) / z, 4)
                s["matched_papers"] = 0
            out["candidates"] = [
                {"name": s["name"], "person_id": s["person_id"], "confidence": s["confidence"], "matched_papers": 0, "similarity": s["score"], "evidence": s["evidence"]}
                for s in sims
            ]
            out["status"] = "ambiguous"
            out["explanation"] = (
                (out["explanation"] + "; " if out["explanation"] else "no paper matched a stored paper; ")
                + f"ranked by similarity of their papers to the profile's abstracts (weak evidence): {sims[0]['name']} is closest"
            )
            return out
    if not out["explanation"]:
        out["explanation"] = "no paper of the profile matched a stored paper"
    return out


def _kinds(matched: list[PaperEvidence]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in matched:
        out[e.match or ""] = out.get(e.match or "", 0) + 1
    return out


def whois(kb: KnowledgeBase, profile: str | Path | ParsedProfile, *, format: str | None = None, limit: int = 5, encoder: Encoder | None = None) -> dict[str, Any]:
    """Who wrote the papers of ``profile``: a file (any supported format, ingested or not),
    a stored profile id / prefix, or a :class:`ParsedProfile`.

    Returns ``{"status", "declared_name", "declared_name_supported", "method",
    "candidates": [{"name", "person_id", "confidence", "matched_papers", "evidence"}],
    "explanation"}``, best candidate first. The profile's own stored sources never count.
    """
    parsed, own = load_profile(kb, profile, format)
    out = identify(kb.store, parsed, own, limit=limit, encoder=encoder)
    out["profile"] = {"source": parsed.source, "format": parsed.format, "stored_as": sorted(own)}
    return out


__all__ = ["whois", "identify", "rank_candidates", "load_profile", "declared_matches"]
