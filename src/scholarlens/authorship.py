"""Authorship as the conference workflow sees it, read from a Store.

* Authorship is a paper's author list *plus* the confirmed or inferred owner of each profile
  the paper came from (a scraped arXiv page truncates author lists; its owner is still an
  author), with its provenance (``author list`` / ``profile owner`` and the owner's confidence).
* :class:`Graph` — the co-authorship of a set of people, read once.
* :func:`affiliations` — per person, the institutions their source records give them inside a
  window: the store keeps affiliations only inside each source record
  (``paper_sources.record``, per author entry, from OpenAlex today), not per authorship row,
  so they are matched to people by the folded name of their authorship or an alias.
* :func:`lookup_people` / :func:`orcid_people` — the store's exact people look-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .names import person_key
from .stores import Store
from .text import fold


def lookup_people(store: Store, name: str) -> set[int]:
    """Stored people whose name or alias folds to ``name`` (the store's exact look-up)."""
    key = person_key(name)
    if not key:
        return set()
    ids = {int(r["id"]) for r in store.query("SELECT id FROM people WHERE key = ?", (key,))}
    ids |= {int(r["person_id"]) for r in store.query("SELECT person_id FROM person_aliases WHERE key = ?", (key,))}
    return ids


def orcid_people(store: Store, orcid: str) -> set[int]:
    key = f"orcid:{orcid.strip().lower()}"
    return {int(r["person_id"]) for r in store.query("SELECT person_id FROM person_aliases WHERE key = ?", (key,))}



#: Authorship as conflicts see it: the authorships table (author lists and the "profile owner"
#: rows that profiles.link_owner writes), plus owners read from profiles directly (a database
#: whose owners were resolved before those rows existed).
_AUTHORSHIP_SQL = (
    "SELECT a.paper_id, a.person_id, a.provenance AS via, a.confidence FROM authorships a "
    "WHERE a.{col} IN ({{marks}}) "
    "UNION SELECT s.paper_id, pr.owner_person_id, 'profile owner', pr.owner_confidence "
    "FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
    "WHERE pr.owner_person_id IS NOT NULL AND pr.owner_status IN ('confirmed', 'inferred') AND {scol} IN ({{marks}})"
)


def authorships(store: Store, column: str, values: Sequence[int]) -> list[dict[str, Any]]:
    if not values:
        return []
    sql = _AUTHORSHIP_SQL.format(
        col=column, scol="pr.owner_person_id" if column == "person_id" else "s.paper_id"
    )
    rows: list[dict[str, Any]] = []
    chunk = 400
    for i in range(0, len(values), chunk):
        part = list(values[i : i + chunk])
        marks = ",".join("?" * len(part))
        rows.extend(store.query(sql.format(marks=marks), (*part, *part)))
    return rows


@dataclass
class Paper:
    id: int
    title: str | None
    year: int | None
    n_authors: int
    complete: bool


class Graph:
    """Co-authorship of a set of people, read once: person → {co-author → [(paper, via, conf)]}."""

    def __init__(self, store: Store, people: Iterable[int]) -> None:
        own = authorships(store, "person_id", sorted(set(people)))
        papers = sorted({int(r["paper_id"]) for r in own})
        rows = authorships(store, "paper_id", papers)
        self.papers: dict[int, Paper] = {}
        for r in store.query_in(
            "SELECT id, title, year, n_authors, authors_complete FROM papers WHERE id IN ({marks})", papers
        ):
            self.papers[int(r["id"])] = Paper(
                int(r["id"]), r["title"], r["year"], int(r["n_authors"] or 0), bool(r["authors_complete"])
            )
        by_paper: dict[int, dict[int, tuple[str, float | None]]] = {}
        for r in rows:
            slot = by_paper.setdefault(int(r["paper_id"]), {})
            pid = int(r["person_id"])
            if pid not in slot or slot[pid][0] != "author list":  # the author list wins over "owner"
                slot[pid] = (r["via"], r["confidence"])
        self.by_paper = by_paper
        self.of_person: dict[int, set[int]] = {}
        for paper_id, members in by_paper.items():
            for pid in members:
                self.of_person.setdefault(pid, set()).add(paper_id)

    def shared(self, a: int, b: int) -> list[int]:
        return sorted(self.of_person.get(a, set()) & self.of_person.get(b, set()))

    def size(self, paper_id: int) -> tuple[int, bool]:
        p = self.papers.get(paper_id)
        listed = len(self.by_paper.get(paper_id, {}))
        if p is None:
            return listed, False
        return max(p.n_authors, listed), p.complete



def affiliations(store: Store, people: set[int], first_year: int) -> dict[int, dict[str, tuple[str, int, int | None]]]:
    """person → {folded institution: (display, paper id, year)} for papers inside the window.

    Affiliations live in the source records (per author entry), matched to a person by the
    folded name of their authorship or one of their aliases.
    """
    if not people:
        return {}
    ids = sorted(people)
    keys: dict[int, set[str]] = {}
    for r in store.query_in("SELECT person_id, key FROM person_aliases WHERE person_id IN ({marks})", ids):
        keys.setdefault(int(r["person_id"]), set()).add(r["key"])
    names: dict[int, set[int]] = {}
    for r in store.query_in("SELECT paper_id, person_id, name FROM authorships WHERE person_id IN ({marks})", ids):
        keys.setdefault(int(r["person_id"]), set()).add(person_key(r["name"]))
        names.setdefault(int(r["paper_id"]), set()).add(int(r["person_id"]))
    out: dict[int, dict[str, tuple[str, int, int | None]]] = {}
    rows = store.query_in(
        "SELECT s.paper_id, s.record, p.year FROM paper_sources s JOIN papers p ON p.id = s.paper_id "
        "WHERE s.paper_id IN ({marks}) AND s.record LIKE '%affiliations%'",
        sorted(names),
    )
    for r in rows:
        year = r["year"]
        if year is not None and year < first_year:
            continue
        for a in json.loads(r["record"]).get("authors") or []:
            affs = [x for x in a.get("affiliations") or [] if isinstance(x, str) and x.strip()]
            if not affs:
                continue
            k = person_key(a.get("name") or "")
            for pid in names[int(r["paper_id"])]:
                if k in keys.get(pid, set()):
                    for inst in affs:
                        slot = out.setdefault(pid, {})
                        f = fold(inst)
                        if f and (f not in slot or (slot[f][2] or 0) < (year or 0)):
                            slot[f] = (inst.strip(), int(r["paper_id"]), year)
    return out


