"""People: resolving author names to persons, and merging spellings of one person.

* Exact identity is the folded full name (:func:`~scholarlens.names.person_key`), looked up
  among names and aliases.
* Within one paper, a name from a secondary source (``Chris Hallacy`` in a truncated list)
  that is compatible with exactly one name of the paper's full author list becomes an alias
  of that person: a shared paper is the evidence.
* Across papers, two compatible spellings (``Chris Hesse`` / ``Christopher Hesse``) merge only
  when they share at least :data:`MIN_SHARED_COAUTHORS` co-authors and never co-author a
  paper together. A surname alone never merges anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple

from .names import family_key, name_specificity, names_compatible, person_key
from .records import ParsedAuthor, ParsedPaper
from .stores import Store

MIN_SHARED_COAUTHORS = 2
#: Keys per ``IN (...)`` look-up.
_CHUNK = 900


class AuthorKeys(NamedTuple):
    """An author entry with its keys worked out (in a parser process for dumps)."""

    name: str
    key: str
    family_key: str
    raw: str | None
    guessed: bool
    orcid: str | None

    @classmethod
    def of(cls, a: ParsedAuthor) -> AuthorKeys:
        return cls(a.name, person_key(a.name), family_key(a.name), a.raw, a.guessed, a.orcid)


def orcid_key(orcid: str | None) -> str | None:
    """The alias key under which a person's ORCID is stored."""
    return f"orcid:{orcid.strip().lower()}" if orcid else None


def lookup(store: Store, keys: Iterable[str]) -> dict[str, int]:
    """The one person look-up: key → person. A name key finds the lowest-id person of that
    name, else the lowest-id person with it as an alias; an ORCID key (:func:`orcid_key`)
    finds its person."""
    wanted = sorted(set(keys))
    out: dict[str, int] = {}
    for r in store.query_in("SELECT key, MIN(id) AS id FROM people WHERE key IN ({marks}) GROUP BY key", wanted, chunk=_CHUNK):
        out[r["key"]] = int(r["id"])
    rest = [k for k in wanted if k not in out]
    for r in store.query_in(
        "SELECT key, MIN(person_id) AS id FROM person_aliases WHERE key IN ({marks}) GROUP BY key", rest, chunk=_CHUNK
    ):
        out[r["key"]] = int(r["id"])
    return out


def find_person(store: Store, name: str) -> int | None:
    """The person a name denotes exactly (see :func:`lookup`)."""
    key = person_key(name)
    return lookup(store, [key]).get(key)


def add_alias(store: Store, person_id: int, alias: str, kind: str) -> None:
    store.execute(
        "INSERT INTO person_aliases (person_id, alias, key, kind) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (person_id, alias, person_key(alias), kind),
    )


def resolve(store: Store, author: ParsedAuthor) -> int:
    """The person id for an author entry, creating the person if new.

    An ORCID decides first (as on the streaming path): the same name with a different ORCID
    is another person.
    """
    okey = orcid_key(author.orcid)
    pid = lookup(store, [okey]).get(okey) if okey else None
    if pid is None:
        pid = find_person(store, author.name)
        if pid is not None and okey:
            other = store.one("SELECT alias FROM person_aliases WHERE person_id = ? AND kind = 'orcid'", (pid,))
            if other is not None and other["alias"] != okey:
                pid = None  # same name, another ORCID: another person
    if pid is None:
        pid = int(
            store.scalar(
                "INSERT INTO people (name, key, family_key, guessed) VALUES (?, ?, ?, ?) RETURNING id",
                (author.name, person_key(author.name), family_key(author.name), int(author.guessed)),
            )
        )
    known = store.one("SELECT kind FROM person_aliases WHERE person_id = ? AND alias = ?", (pid, author.name))
    if known is None:
        add_alias(store, pid, author.name, "guessed" if author.guessed else "name")
        refresh_name(store, pid)
    if author.raw and author.raw != author.name:
        add_alias(store, pid, author.raw, "raw")
    if okey:
        store.execute(
            "INSERT INTO person_aliases (person_id, alias, key, kind) VALUES (?, ?, ?, 'orcid') ON CONFLICT DO NOTHING",
            (pid, okey, okey),
        )
    return pid


def merge(store: Store, keep: int, drop: int) -> None:
    """Fold person ``drop`` into ``keep``."""
    if keep == drop:
        return
    store.execute(
        "INSERT INTO person_aliases (person_id, alias, key, kind) "
        "SELECT ?, alias, key, kind FROM person_aliases WHERE person_id = ? ON CONFLICT DO NOTHING",
        (keep, drop),
    )
    store.execute("UPDATE authorships SET person_id = ? WHERE person_id = ?", (keep, drop))
    store.execute("UPDATE profiles SET owner_person_id = ? WHERE owner_person_id = ?", (keep, drop))
    store.execute("DELETE FROM person_aliases WHERE person_id = ?", (drop,))
    store.execute("DELETE FROM people WHERE id = ?", (drop,))
    refresh_name(store, keep)


def refresh_name(store: Store, person_id: int) -> None:
    """Display the most specific clean spelling (full given names, accents, length)."""
    rows = store.query(
        "SELECT alias, kind FROM person_aliases WHERE person_id = ? AND kind IN ('name', 'guessed')", (person_id,)
    )
    if not rows:
        return
    best = max(rows, key=lambda r: (name_specificity(r["alias"]), r["alias"]))
    store.execute(
        "UPDATE people SET name = ?, key = ?, family_key = ?, guessed = ? WHERE id = ?",
        (best["alias"], person_key(best["alias"]), family_key(best["alias"]), int(best["kind"] == "guessed"), person_id),
    )


def assign_authorships(store: Store, paper_id: int, canon: ParsedPaper, records: list[ParsedPaper]) -> set[int]:
    """Link a paper to the persons of its canonical author list; align other sources' names."""
    store.execute("DELETE FROM authorships WHERE paper_id = ?", (paper_id,))
    linked: list[tuple[str, int]] = []
    for pos, author in enumerate(canon.authors):
        pid = resolve(store, author)
        store.execute(
            "INSERT INTO authorships (paper_id, position, person_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (paper_id, pos, pid, author.name),
        )
        linked.append((author.name, pid))
    touched = {pid for _, pid in linked}
    if not linked:
        return touched
    canon_keys = {person_key(n) for n, _ in linked}
    by_family: dict[str, list[tuple[str, int]]] = {}
    for n, pid in linked:
        by_family.setdefault(family_key(n), []).append((n, pid))
    for record in records:
        for author in record.authors:
            if person_key(author.name) in canon_keys:
                continue
            options = {pid for n, pid in by_family.get(family_key(author.name), []) if names_compatible(author.name, n)}
            if len(options) != 1:
                continue
            target = options.pop()
            other = find_person(store, author.name)
            add_alias(store, target, author.name, "guessed" if author.guessed else "name")
            if author.raw:
                add_alias(store, target, author.raw, "raw")
            if other is not None and other != target:
                merge(store, min(target, other), max(target, other))
                target = min(target, other)
            refresh_name(store, target)
            touched.add(target)
    return touched


def _coauthors(store: Store, person_id: int) -> tuple[set[int], set[int]]:
    papers = {r["paper_id"] for r in store.query("SELECT paper_id FROM authorships WHERE person_id = ? AND provenance = 'author list'", (person_id,))}
    if not papers:
        return papers, set()
    co = {
        r["person_id"]
        for r in store.query_in("SELECT DISTINCT person_id FROM authorships WHERE provenance = 'author list' AND paper_id IN ({marks})", sorted(papers))
    }
    co.discard(person_id)
    return papers, co


def merge_by_evidence(store: Store, family_keys: Iterable[str]) -> int:
    """Merge compatible spellings that share co-authors; returns how many merges happened."""
    merges = 0
    for fam in sorted(set(family_keys)):
        if not fam:
            continue
        changed = True
        while changed:
            changed = False
            people = store.query("SELECT id, name, key FROM people WHERE family_key = ? ORDER BY id", (fam,))
            if len(people) < 2:
                break
            info = {p["id"]: _coauthors(store, p["id"]) for p in people}
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    if a["key"] == b["key"] or not names_compatible(a["name"], b["name"]):
                        continue
                    pa, ca = info[a["id"]]
                    pb, cb = info[b["id"]]
                    if pa & pb:
                        continue  # co-authors of one paper are two people
                    if len((ca & cb) - {a["id"], b["id"]}) >= MIN_SHARED_COAUTHORS:
                        merge(store, a["id"], b["id"])
                        merges += 1
                        changed = True
                        break
                if changed:
                    break
    return merges


def collect_orphans(store: Store) -> int:
    """Delete people left without any authorship (their spellings live on as aliases)."""
    cur = store.execute(
        # NOT EXISTS, not NOT IN: PostgreSQL cannot turn NOT IN (subquery) into an anti-join
        # and falls back to a quadratic plan once the subquery outgrows work_mem.
        "DELETE FROM people WHERE NOT EXISTS (SELECT 1 FROM authorships a WHERE a.person_id = people.id) "
        "AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.owner_person_id = people.id)"
    )
    return int(cur.rowcount or 0)


class _Known:
    """What the store knows of a batch's author keys (the bulk form of :func:`resolve`'s look-ups)."""

    def __init__(self, store: Store, papers: list[tuple[int, tuple[AuthorKeys, ...]]]) -> None:
        keys = {a.key for _, authors in papers for a in authors}
        orcids = {k for _, authors in papers for a in authors if (k := orcid_key(a.orcid))}
        self.person = lookup(store, keys | orcids)
        self.aliases: set[tuple[int, str]] = {
            (int(r["person_id"]), r["alias"])
            for r in store.query_in(
                "SELECT person_id, alias FROM person_aliases WHERE key IN ({marks})", sorted(keys | orcids), chunk=_CHUNK
            )
        }
        self.orcid_of: dict[int, str] = {}
        if orcids:
            for r in store.query_in(
                "SELECT person_id, alias FROM person_aliases WHERE kind = 'orcid' AND person_id IN ({marks})",
                sorted(set(self.person.values())),
                chunk=_CHUNK,
            ):
                self.orcid_of[int(r["person_id"])] = r["alias"]

    def find(self, a: AuthorKeys) -> int | None:
        """As :func:`resolve`: the ORCID decides first; the same name with another ORCID is another person."""
        okey = orcid_key(a.orcid)
        pid = self.person.get(okey) if okey else None
        if pid is None:
            pid = self.person.get(a.key)
            if pid is not None and okey and self.orcid_of.get(pid, okey) != okey:
                pid = None
        return pid


def link_authors(
    store: Store, papers: list[tuple[int, tuple[AuthorKeys, ...]]], on_new_family: Callable[[str], None] | None = None
) -> None:
    """Authorships of new single-source papers in bulk, with the outcome of :func:`resolve` per
    author: people, aliases and ORCIDs are looked up once per batch and written with
    ``executemany``. ``on_new_family`` hears the family key of every person created."""
    known = _Known(store, papers)
    next_person = store.next_id("people")
    people_rows: list[tuple[object, ...]] = []
    alias_rows: list[tuple[object, ...]] = []
    authorship_rows: list[tuple[object, ...]] = []
    refresh: set[int] = set()

    def alias(pid: int, text: str, key: str, kind: str) -> None:
        if (pid, text) not in known.aliases:
            alias_rows.append((pid, text, key, kind))
            known.aliases.add((pid, text))

    for paper_id, authors in papers:
        for pos, a in enumerate(authors):
            pid = known.find(a)
            if pid is None:
                pid, next_person = next_person, next_person + 1
                people_rows.append((pid, a.name, a.key, a.family_key, int(a.guessed)))
                known.person.setdefault(a.key, pid)
                if on_new_family:
                    on_new_family(a.family_key)
            elif (pid, a.name) not in known.aliases:
                refresh.add(pid)
            alias(pid, a.name, a.key, "guessed" if a.guessed else "name")
            if a.raw and a.raw != a.name:
                alias(pid, a.raw, person_key(a.raw), "raw")
            okey = orcid_key(a.orcid)
            if okey and (pid, okey) not in known.aliases:
                alias(pid, okey, okey, "orcid")
                known.person[okey] = pid
                known.orcid_of.setdefault(pid, okey)
            authorship_rows.append((paper_id, pos, pid, a.name))
    store.executemany("INSERT INTO people (id, name, key, family_key, guessed) VALUES (?, ?, ?, ?, ?)", people_rows)
    if people_rows:
        store.claim_ids("people", next_person - 1)
    store.executemany(
        "INSERT INTO person_aliases (person_id, alias, key, kind) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", alias_rows
    )
    store.executemany(
        "INSERT INTO authorships (paper_id, position, person_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        authorship_rows,
    )
    for pid in sorted(refresh):
        refresh_name(store, pid)
