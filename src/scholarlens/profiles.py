"""Profiles: one ingested file as a row, who it belongs to, and its removal.

A profile's id is the head of the SHA-256 of its bytes (and of the filters it was ingested
with). :func:`load_profile` gives the profile behind a file, a stored id or a parsed profile;
:func:`create_profile` and :func:`remove_profile` write and delete the row (removal is the
same for a small file and a dump of millions of records).

Owner resolution uses the same ranking as ``whois`` (:func:`scholarlens.owners.rank_candidates`):
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import papers as papers_mod
from . import people as people_mod
from .errors import NotFoundError
from .formats import parse_file
from .matching import PaperEvidence, paper_authors
from .names import family_key
from .owners import IDENTIFIED_MIN, declared_matches, explain_tie, rank_candidates
from .records import ParsedPaper, ParsedProfile
from .stores import Store
from .text import closest

#: How many ranked candidates the stored evidence keeps.
EVIDENCE_TOP = 5
#: Rows per ``IN (...)`` delete when removing a profile.
_CHUNK = 900


def profile_id_for(sha256: str) -> str:
    """The id of the profile whose bytes (and filters) hash to ``sha256``."""
    return sha256[:16]


def now() -> str:
    return datetime.now(UTC).isoformat()


# -- rows --------------------------------------------------------------------------------------
def create_profile(store: Store, pid: str, *, source: str, format: str, kind: str, declared_name: str | None,
                   sha256: str, n_records: int) -> None:  # fmt: skip
    """Insert a profile row (inside the caller's transaction)."""
    store.execute(
        "INSERT INTO profiles (id, source, format, kind, declared_name, sha256, n_records, ingested_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (pid, source, format, kind, declared_name, sha256, n_records, now()),
    )


def resolve_profile_id(store: Store, ref: str) -> str:
    """A profile id from an id, a prefix of one, a source path or the end of one."""
    ref = ref.strip()
    if not ref:
        raise NotFoundError("empty profile reference")
    exact = store.query("SELECT id FROM profiles WHERE id = ? OR source = ? OR source LIKE ?", (ref, ref, f"%/{ref}"))
    if len(exact) == 1:
        return str(exact[0]["id"])
    rows = store.query("SELECT id FROM profiles WHERE id LIKE ? OR source LIKE ?", (f"{ref}%", f"%/{ref}%"))
    if len(rows) == 1:
        return str(rows[0]["id"])
    if not rows:
        known = [r["id"] for r in store.query("SELECT id FROM profiles")]
        known += [Path(r["source"]).name for r in store.query("SELECT source FROM profiles")]
        close = closest(ref, known)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise NotFoundError(f"no profile matches {ref!r} ({hint}use an id from `scholarlens profiles`)")
    raise NotFoundError(f"{ref!r} matches {len(rows)} profiles; give more of the id")


def stored_profile(store: Store, profile_id: str) -> tuple[ParsedProfile, set[str]]:
    """A stored profile as parsed records, and its own id (its sources never vouch for it)."""
    row = store.one("SELECT source, format, declared_name, sha256 FROM profiles WHERE id = ?", (profile_id,))
    if row is None:
        raise NotFoundError(f"no profile {profile_id!r}")
    papers = [
        ParsedPaper.from_dict(json.loads(r["record"]))
        for r in store.query("SELECT record FROM paper_sources WHERE profile_id = ? ORDER BY ordinal", (profile_id,))
    ]
    parsed = ParsedProfile(source=row["source"], format=row["format"], papers=papers, declared_name=row["declared_name"], sha256=row["sha256"])
    return parsed, {profile_id}


def _is_file(name: str) -> bool:
    """Whether ``name`` names an existing file; a string no path can be (too long, a NUL
    byte: pasted text given where a file or profile id was expected) is not one."""
    try:
        return Path(name).is_file()
    except (OSError, ValueError):
        return False


def load_profile(store: Store, profile: str | Path | ParsedProfile, format: str | None = None) -> tuple[ParsedProfile, set[str]]:
    """The profile behind a file, a stored profile reference or a parsed profile, and the ids
    of stored profiles that are the same file."""
    if isinstance(profile, ParsedProfile):
        parsed = profile
    elif isinstance(profile, Path) or _is_file(str(profile)):
        parsed = parse_file(profile, format)
    else:
        return stored_profile(store, resolve_profile_id(store, str(profile)))
    own: set[str] = set()
    if parsed.sha256:
        own = {r["id"] for r in store.query("SELECT id FROM profiles WHERE sha256 = ?", (parsed.sha256,))}
    return parsed, own


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


# -- removal -----------------------------------------------------------------------------------
def remove_profile(store: Store, profile_id: str) -> set[int]:
    """Delete a profile, its sources, its checkpoint and the papers only it provided (with
    set operations: a dump's profile holds millions). Returns the papers it shared with
    other profiles: the caller recomputes them (:func:`refresh_papers`)."""
    mine = "SELECT DISTINCT s.paper_id FROM paper_sources s WHERE s.profile_id = ? AND {cond} (SELECT 1 FROM paper_sources o WHERE o.paper_id = s.paper_id AND o.profile_id != ?)"
    gone = [r["paper_id"] for r in store.query(mine.format(cond="NOT EXISTS"), (profile_id, profile_id))]
    shared = {r["paper_id"] for r in store.query(mine.format(cond="EXISTS"), (profile_id, profile_id))}
    store.execute("DELETE FROM paper_sources WHERE profile_id = ?", (profile_id,))
    for i in range(0, len(gone), _CHUNK):
        part = gone[i : i + _CHUNK]
        marks = ",".join("?" * len(part))
        for table, col in (("authorships", "paper_id"), ("identifiers", "paper_id"), ("paper_organisations", "paper_id"), ("papers", "id")):
            store.execute(f"DELETE FROM {table} WHERE {col} IN ({marks})", part)
    store.execute("DELETE FROM ingest_checkpoints WHERE profile_id = ?", (profile_id,))
    store.execute("DELETE FROM profiles WHERE id = ?", (profile_id,))
    return shared


def refresh_papers(store: Store, paper_ids: set[int]) -> set[str]:
    """Recompute papers from their sources and relink their authors; returns their family keys."""
    families: set[str] = set()
    for paper_id in sorted(paper_ids):
        records = papers_mod.sources_of(store, paper_id)
        canon = papers_mod.refresh_paper(store, paper_id)
        people_mod.assign_authorships(store, paper_id, canon, records)
        families |= {family_key(a.name) for a in canon.authors}
    return families


def drop_profile(store: Store, profile_id: str) -> None:
    """Remove a profile and recompute what it shared: papers, people left without papers,
    owners of the person profiles that shared its papers (inside the caller's transaction)."""
    shared = remove_profile(store, profile_id)
    refresh_papers(store, shared)
    people_mod.collect_orphans(store)
    for pid in profiles_touching(store, shared):
        resolve_owner(store, pid)


# -- owners ------------------------------------------------------------------------------------
def _evidence(store: Store, profile_id: str) -> tuple[int, list[PaperEvidence]]:
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
    return len(paper_ids), evidence


#: Positions of "profile owner" authorship rows start here (after any real author list).
OWNER_POSITION = 1_000_000


def link_owner(store: Store, profile_id: str, owner: int | None, confidence: float | None, status: str) -> int:
    """Authorship truth: a confirmed or inferred owner is an author of every paper of the
    profile. Rows carry provenance ``profile owner``, the profile and the owner's confidence;
    papers whose author list already names the owner get none. The profile's previous owner
    rows go first, so re-resolving (or removing: see :func:`drop_profile`) undoes them."""
    store.execute("DELETE FROM authorships WHERE provenance = 'profile owner' AND profile_id = ?", (profile_id,))
    if owner is None or status not in ("confirmed", "inferred"):
        return 0
    name = store.scalar("SELECT name FROM people WHERE id = ?", (owner,))
    papers = [
        r["paper_id"]
        for r in store.query(
            "SELECT DISTINCT s.paper_id FROM paper_sources s WHERE s.profile_id = ? AND NOT EXISTS "
            "(SELECT 1 FROM authorships a WHERE a.paper_id = s.paper_id AND a.person_id = ?) ORDER BY s.paper_id",
            (profile_id, owner),
        )
    ]
    for paper_id in papers:
        top = store.scalar("SELECT MAX(position) FROM authorships WHERE paper_id = ? AND position >= ?", (paper_id, OWNER_POSITION))
        store.execute(
            "INSERT INTO authorships (paper_id, position, person_id, name, provenance, profile_id, confidence) "
            "VALUES (?, ?, ?, ?, 'profile owner', ?, ?)",
            (paper_id, OWNER_POSITION if top is None else int(top) + 1, owner, name, profile_id, confidence),
        )
    return len(papers)


def resolve_owner(store: Store, profile_id: str) -> dict[str, Any]:
    """Work out and store the owner of one profile (and link them as an author of its
    papers, :func:`link_owner`); returns what was stored."""
    prof = store.one("SELECT id, declared_name, kind FROM profiles WHERE id = ?", (profile_id,))
    if prof is None:
        raise KeyError(profile_id)
    store.execute("DELETE FROM authorships WHERE provenance = 'profile owner' AND profile_id = ?", (profile_id,))
    n_papers, evidence = _evidence(store, profile_id)
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
        "papers": n_papers,
        "papers_with_authors": ranked["authored"],
        "top": [
            {"person_id": c.person_id, "name": c.name, "papers": len(c.papers), "confidence": round(c.confidence, 4)}
            for c in cands[:EVIDENCE_TOP]
        ],
    }
    if status == "ambiguous":
        top_score = cands[0].score
        evidence_json["tied"] = sum(1 for c in cands if abs(c.score - top_score) < 1e-9)
        evidence_json["explanation"] = explain_tie(cands, evidence)
    if owner is not None:
        evidence_json["on_papers"] = len(cands[0].papers)
    store.execute(
        "UPDATE profiles SET owner_person_id = ?, owner_confidence = ?, owner_status = ?, declared_supported = ?,"
        " owner_evidence = ? WHERE id = ?",
        (owner, confidence, status, None if supported is None else int(supported), json.dumps(evidence_json), profile_id),
    )
    link_owner(store, profile_id, owner, confidence, status)
    return {"owner": owner, "confidence": confidence, "status": status, "declared_supported": supported}
