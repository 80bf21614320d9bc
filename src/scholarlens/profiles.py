"""Profiles: one ingested file, and who it belongs to.

Owner resolution uses the same ranking as ``whois`` (:func:`scholarlens.identity.rank_candidates`):
the people on the profile's papers are candidates, scored by how many of the papers list
them and how much of their stored work the profile covers; a declared name is a prior. The
papers are the deduplicated ones, so a profile of bare abstracts gains author lists (and an
owner) as other sources of the same papers arrive — a reference corpus, say.

Statuses: ``confirmed`` (the declared name is supported and is the owner), ``inferred``
(one clear owner from the author lists), ``ambiguous`` (several people fit equally; no
owner is stored), ``unknown`` (no author lists).
"""

from __future__ import annotations

import json
from typing import Any

from .matching import PaperEvidence, paper_authors
from .stores import Store

#: How many ranked candidates the stored evidence keeps.
EVIDENCE_TOP = 5


def resolve_owner(store: Store, profile_id: str) -> dict[str, Any]:
    """Work out and store the owner of one profile; returns what was stored."""
    from .identity import IDENTIFIED_MIN, _explain_tie, declared_matches, rank_candidates

    prof = store.one("SELECT id, declared_name, kind FROM profiles WHERE id = ?", (profile_id,))
    if prof is None:
        raise KeyError(profile_id)
    paper_ids = [
        r["paper_id"]
        for r in store.query(
            "SELECT paper_id, MIN(ordinal) AS o FROM paper_sources WHERE profile_id = ? GROUP BY paper_id ORDER BY o", (profile_id,)
        )
    ]
    evidence = []
    for i, pid in enumerate(paper_ids):
        people, n, complete = paper_authors(store, pid)
        evidence.append(PaperEvidence(ordinal=i, title=None, abstract_head=None, paper_ids=[pid], match="own", authors=people, n_authors=n, authors_complete=complete))
    ranked = rank_candidates(store, evidence, prof["declared_name"])
    cands = ranked["candidates"]
    supported = ranked["declared_supported"]
    if ranked["declared"] is not None and not ranked["authored"]:
        supported = None
    status, owner, confidence = "unknown", None, None
    if cands:
        top = cands[0]
        if top.share >= IDENTIFIED_MIN:
            owner, confidence = top.person_id, round(top.confidence, 3)
            fits = ranked["declared"] and any(declared_matches(ranked["declared"], n) for _, n in top.aliases)
            status = "confirmed" if supported and fits else "inferred"
        else:
            status = "ambiguous"
    if ranked["declared"] is None and prof["declared_name"]:
        supported = False  # a placeholder ("Anonymous") names nobody
    evidence_json: dict[str, Any] = {
        "papers": len(paper_ids),
        "papers_with_authors": ranked["authored"],
        "top": [
            {"person_id": c.person_id, "name": c.name, "papers": len(c.papers), "confidence": round(c.confidence, 4)}
            for c in cands[:EVIDENCE_TOP]
        ],
    }
    if status == "ambiguous":
        top_score = cands[0].score
        evidence_json["tied"] = sum(1 for c in cands if abs(c.score - top_score) < 1e-9)
        evidence_json["explanation"] = _explain_tie(cands, evidence)
    if owner is not None:
        evidence_json["on_papers"] = len(cands[0].papers)
    store.execute(
        "UPDATE profiles SET owner_person_id = ?, owner_confidence = ?, owner_status = ?, declared_supported = ?,"
        " owner_evidence = ? WHERE id = ?",
        (owner, confidence, status, None if supported is None else int(supported), json.dumps(evidence_json), profile_id),
    )
    return {"owner": owner, "confidence": confidence, "status": status, "declared_supported": supported}


def profiles_touching(store: Store, paper_ids: set[int]) -> list[str]:
    """Person profiles that include any of these papers."""
    if not paper_ids:
        return []
    rows = store.query_in(
        "SELECT DISTINCT s.profile_id FROM paper_sources s JOIN profiles p ON p.id = s.profile_id "
        "WHERE p.kind = 'person' AND s.paper_id IN ({marks})",
        sorted(paper_ids),
    )
    return sorted({r["profile_id"] for r in rows})
