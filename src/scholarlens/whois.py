"""whois: who wrote the papers of a profile.

The profile's papers are matched to stored papers (:mod:`scholarlens.matching`); the people
on the matched papers' author lists are ranked as owners (:mod:`scholarlens.owners`). When
nothing matches, people are ranked by the similarity of their papers to the profile's
abstracts instead (``method = "similarity"``, confidences capped low). Takes a
:class:`~scholarlens.stores.Store` and an :class:`~scholarlens.embeddings.Encoder`; the
knowledge base wraps it as ``kb.whois``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .embeddings import Encoder, get_encoder
from .matching import OverlapIndex, PaperEvidence, evidence_for
from .owners import IDENTIFIED_MIN, Candidate, explain_tie, rank_candidates
from .profiles import load_profile
from .records import ParsedProfile
from .similar import VectorMemo, similar_to_papers
from .stores import Store

#: Highest confidence a similarity-only answer may claim.
SIMILARITY_CAP = 0.5


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


def identify(
    store: Store,
    profile: ParsedProfile,
    exclude: set[str] = frozenset(),  # type: ignore[assignment]
    *,
    limit: int = 5,
    encoder: Encoder | None = None,
    similarity: bool = True,
    overlap: OverlapIndex | None = None,
    memo: VectorMemo | None = None,
) -> dict[str, Any]:
    """The whois answer for a parsed profile (see :func:`whois`)."""
    evidence = evidence_for(store, profile.papers, set(exclude), overlap=overlap)
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
            out["explanation"] = explain_tie(ranked, evidence)
        return out
    if matched:
        out["explanation"] = f"{len(matched)} paper(s) matched stored papers, but none of them has an author list"
    if similarity:
        sims = similar_to_papers(
            store, list(profile.papers), encoder=encoder or get_encoder(), memo=memo, limit=limit, exclude_profiles=set(exclude)
        )
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


def whois(
    store: Store,
    profile: str | Path | ParsedProfile,
    *,
    encoder: Encoder | None = None,
    format: str | None = None,
    limit: int = 5,
    overlap: OverlapIndex | None = None,
    memo: VectorMemo | None = None,
) -> dict[str, Any]:
    """Who wrote the papers of ``profile``: a file (any supported format, ingested or not),
    a stored profile id / prefix, or a :class:`ParsedProfile`.

    Returns ``{"status", "declared_name", "declared_name_supported", "method",
    "candidates": [{"name", "person_id", "confidence", "matched_papers", "evidence"}],
    "explanation"}``, best candidate first. The profile's own stored sources never count.
    ``encoder`` serves the similarity fallback; ``overlap`` is the caller's overlap index
    of stored abstracts (one is built for the call without it).
    """
    parsed, own = load_profile(store, profile, format)
    out = identify(store, parsed, own, limit=limit, encoder=encoder, overlap=overlap, memo=memo)
    out["profile"] = {"source": parsed.source, "format": parsed.format, "stored_as": sorted(own)}
    return out


__all__ = ["identify", "whois"]
