"""Profiles: one ingested file, and who it belongs to.

The owner is the declared name when the evidence agrees (a person with a compatible name
authors at least half of the profile's papers that have author lists). Otherwise it is the
person on the most of those papers, with a confidence ``top / (top + runner-up)``; a tie at
the top is ``ambiguous`` and a profile without author lists is ``unknown``. Author lists are
the merged ones, so a profile of bare abstracts gains evidence as other sources arrive.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .names import names_compatible
from .stores import Store

#: Share of a profile's authored papers the declared name must be on to be confirmed.
DECLARED_MIN_SHARE = 0.5
PLACEHOLDER_NAMES = {"anonymous", "unknown", "n/a", "na", "none", "null", "anon"}


def resolve_owner(store: Store, profile_id: str) -> dict[str, Any]:
    """Work out and store the owner of one profile; returns what was stored."""
    prof = store.one("SELECT id, declared_name, kind FROM profiles WHERE id = ?", (profile_id,))
    if prof is None:
        raise KeyError(profile_id)
    papers = [r["paper_id"] for r in store.query("SELECT DISTINCT paper_id FROM paper_sources WHERE profile_id = ?", (profile_id,))]
    counts: Counter[int] = Counter()
    names: dict[int, str] = {}
    authored = 0
    for pid in papers:
        rows = store.query(
            "SELECT DISTINCT a.person_id, p.name FROM authorships a JOIN people p ON p.id = a.person_id WHERE a.paper_id = ?",
            (pid,),
        )
        if rows:
            authored += 1
        for r in rows:
            counts[r["person_id"]] += 1
            names[r["person_id"]] = r["name"]
    declared = prof["declared_name"]
    declared_supported: bool | None = None
    status, owner, confidence = "unknown", None, None
    evidence: dict[str, Any] = {"papers": len(papers), "papers_with_authors": authored}
    if declared and declared.strip().lower() not in PLACEHOLDER_NAMES:
        matches = sorted(((c, p) for p, c in counts.items() if names_compatible(declared, names[p])), reverse=True)
        declared_supported = bool(matches) and authored > 0 and matches[0][0] >= DECLARED_MIN_SHARE * authored
        if declared_supported:
            c, p = matches[0]
            status, owner, confidence = "confirmed", p, round(c / authored, 3)
            evidence["on_papers"] = c
    elif declared:
        declared_supported = False
    if owner is None and counts:
        ranked = counts.most_common()
        top_count = ranked[0][1]
        tied = [p for p, c in ranked if c == top_count]
        second = next((c for _, c in ranked if c < top_count), 0)
        evidence["top"] = [{"person_id": p, "name": names[p], "papers": c} for p, c in ranked[:5]]
        if len(tied) > 1:
            status = "ambiguous"
            evidence["tied"] = len(tied)
        else:
            status, owner = "inferred", tied[0]
            confidence = round(top_count / (top_count + second), 3)
            evidence["on_papers"] = top_count
    store.execute(
        "UPDATE profiles SET owner_person_id = ?, owner_confidence = ?, owner_status = ?, declared_supported = ?,"
        " owner_evidence = ? WHERE id = ?",
        (
            owner,
            confidence,
            status,
            None if declared_supported is None else int(declared_supported),
            json.dumps(evidence),
            profile_id,
        ),
    )
    return {"owner": owner, "confidence": confidence, "status": status, "declared_supported": declared_supported}


def profiles_touching(store: Store, paper_ids: set[int]) -> list[str]:
    """Person profiles that include any of these papers."""
    if not paper_ids:
        return []
    out: set[str] = set()
    ids = sorted(paper_ids)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for r in store.query(
            f"SELECT DISTINCT s.profile_id FROM paper_sources s JOIN profiles p ON p.id = s.profile_id "
            f"WHERE p.kind = 'person' AND s.paper_id IN ({marks})",
            tuple(chunk),
        ):
            out.add(r["profile_id"])
    return sorted(out)
