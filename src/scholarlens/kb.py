"""The knowledge base: the library object every front end opens.

>>> kb = KnowledgeBase(":memory:")
>>> report = kb.ingest(["examples/profiles"])        # doctest: +SKIP
>>> kb.profiles()[0]["owner"]                          # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import NotFoundError
from .ingest import FileReport, IngestReport, Progress, ingest_paths
from .profiles import drop_profile
from .stores import Store, open_store
from .text import fold


class KnowledgeBase:
    """Papers, people and authorships deduplicated across every ingested profile."""

    def __init__(self, store: str | Path | Store | None = None) -> None:
        self.store: Store = open_store(store)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path],
        format: str | None = None,
        progress: Progress | None = None,
        on_file: Callable[[FileReport], None] | None = None,
        **options: Any,
    ) -> IngestReport:
        """Ingest files or directories (one transaction per file; re-ingest is a no-op).

        ``options`` go to :func:`~scholarlens.ingest.ingest_paths`: ``limit``, ``since``,
        ``category``, ``skip_bad``, ``reject_file``, ``resume``, ``batch_size``.
        """
        own = getattr(self.store, "path", None)
        skip = {str(Path(own + suffix).resolve()) for suffix in ("", "-wal", "-shm", "-journal")} if own and own != ":memory:" else set()
        return ingest_paths(self.store, paths, format=format, progress=progress, on_file=on_file, skip=skip, **options)

    def remove_profile(self, ref: str) -> dict[str, Any]:
        """Remove a profile in one transaction: its sources go, papers only it provided go,
        papers it shared are recomputed from their other sources, owners are re-resolved."""
        pid = self.resolve_profile_id(ref)
        before = self.count("papers")
        with self.store.transaction():
            drop_profile(self.store, pid)
        return {"removed": pid, "papers_removed": before - self.count("papers"), "papers": self.count("papers")}

    # -- reading -------------------------------------------------------------------------
    def _authors(self, paper_ids: list[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {p: [] for p in paper_ids}
        for r in self.store.query_in(
            "SELECT a.paper_id, p.name FROM authorships a JOIN people p ON p.id = a.person_id "
            "WHERE a.paper_id IN ({marks}) ORDER BY a.paper_id, a.position",
            paper_ids,
        ):
            out[r["paper_id"]].append(r["name"])
        return out

    def _paper_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [r["id"] for r in rows]
        authors = self._authors(ids)
        srcs: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        for r in self.store.query_in(
            "SELECT s.paper_id, s.profile_id, s.line, p.source, p.format FROM paper_sources s "
            "JOIN profiles p ON p.id = s.profile_id WHERE s.paper_id IN ({marks}) ORDER BY s.profile_id, s.ordinal",
            ids,
        ):
            srcs[r["paper_id"]].append(
                {"profile_id": r["profile_id"], "source": r["source"], "format": r["format"], "line": r["line"]}
            )
        out = []
        for r in rows:
            profiles = sorted({s["profile_id"] for s in srcs[r["id"]]})
            out.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "abstract": r["abstract"],
                    "year": r["year"],
                    "month": r["month"],
                    "day": r["day"],
                    "category": r["category"],
                    "has_code": bool(r["has_code"]),
                    "authors": authors[r["id"]],
                    "authors_complete": bool(r["authors_complete"]),
                    "profiles": profiles,
                    "sources": srcs[r["id"]],
                }
            )
        return out

    def papers(self, limit: int | None = None, offset: int = 0, q: str | None = None) -> list[dict[str, Any]]:
        """Deduplicated papers (optionally filtered by a substring of title or abstract)."""
        sql = "SELECT * FROM papers"
        params: list[Any] = []
        if q:
            sql += " WHERE LOWER(title) LIKE ? OR LOWER(abstract) LIKE ?"
            params += [f"%{q.lower()}%", f"%{q.lower()}%"]
        sql += " ORDER BY id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return self._paper_rows(self.store.query(sql, params))

    def paper(self, paper_id: int) -> dict[str, Any]:
        rows = self.store.query("SELECT * FROM papers WHERE id = ?", (paper_id,))
        if not rows:
            raise NotFoundError(f"no paper with id {paper_id}")
        return self._paper_rows(rows)[0]

    def count(self, table: str) -> int:
        assert table in {"papers", "people", "profiles", "authorships", "paper_sources"}
        return int(self.store.scalar(f"SELECT COUNT(*) FROM {table}"))

    def _profile_dict(self, r: dict[str, Any]) -> dict[str, Any]:
        owner = None
        if r["owner_person_id"] is not None:
            owner = {"person_id": r["owner_person_id"], "name": r["owner_name"], "confidence": r["owner_confidence"]}
        ds = r["declared_supported"]
        return {
            "id": r["id"],
            "declared_name": r["declared_name"],
            "declared_name_supported": None if ds is None else bool(ds),
            "owner": owner,
            "owner_status": r["owner_status"],
            "owner_evidence": json.loads(r["owner_evidence"]) if r["owner_evidence"] else None,
            "format": r["format"],
            "kind": r["kind"],
            "source": r["source"],
            "papers": r["papers"],
            "records": r["n_records"],
            "ingested_at": r["ingested_at"],
        }

    _PROFILE_SQL = (
        "SELECT pr.*, pe.name AS owner_name, "
        "(SELECT COUNT(DISTINCT paper_id) FROM paper_sources s WHERE s.profile_id = pr.id) AS papers "
        "FROM profiles pr LEFT JOIN people pe ON pe.id = pr.owner_person_id"
    )

    def profiles(self, q: str | None = None) -> list[dict[str, Any]]:
        """Every ingested profile with its owner, in source order; ``q`` keeps those whose
        declared name, owner name or source contains it (case-insensitive)."""
        items = [self._profile_dict(r) for r in self.store.query(self._PROFILE_SQL + " ORDER BY pr.source")]
        if not q:
            return items
        needle = q.lower()
        return [
            p
            for p in items
            if needle in (p["declared_name"] or "").lower()
            or needle in ((p["owner"] or {}).get("name") or "").lower()
            or needle in p["source"].lower()
        ]

    def resolve_profile_id(self, ref: str) -> str:
        ref = ref.strip()
        if not ref:
            raise NotFoundError("empty profile reference")
        exact = self.store.query("SELECT id FROM profiles WHERE id = ? OR source = ? OR source LIKE ?", (ref, ref, f"%/{ref}"))
        if len(exact) == 1:
            return str(exact[0]["id"])
        rows = self.store.query(
            "SELECT id FROM profiles WHERE id LIKE ? OR source LIKE ?", (f"{ref}%", f"%/{ref}%")
        )
        if len(rows) == 1:
            return str(rows[0]["id"])
        if not rows:
            raise NotFoundError(f"no profile matches {ref!r} (use an id from `scholarlens profiles`)")
        raise NotFoundError(f"{ref!r} matches {len(rows)} profiles; give more of the id")

    def profile(self, ref: str) -> dict[str, Any]:
        """One profile with its papers and co-authors of its owner."""
        pid = self.resolve_profile_id(ref)
        row = self.store.one(self._PROFILE_SQL + " WHERE pr.id = ?", (pid,))
        assert row is not None
        out = self._profile_dict(row)
        paper_rows = self.store.query(
            "SELECT p.* FROM papers p WHERE p.id IN (SELECT paper_id FROM paper_sources WHERE profile_id = ?) "
            "ORDER BY p.year DESC, p.id",
            (pid,),
        )
        out["paper_list"] = self._paper_rows(paper_rows)
        owner_id = row["owner_person_id"]
        co: dict[str, int] = {}
        for p in out["paper_list"]:
            for name in p["authors"]:
                co[name] = co.get(name, 0) + 1
        if row["owner_name"]:
            co.pop(row["owner_name"], None)
        out["coauthors"] = [
            {"name": n, "papers": c} for n, c in sorted(co.items(), key=lambda t: (-t[1], t[0]))[:25]
        ]
        out["owner_person_id"] = owner_id
        return out

    def people(self, limit: int | None = None, offset: int = 0, q: str | None = None) -> list[dict[str, Any]]:
        """People with their paper counts, most prolific first."""
        sql = (
            "SELECT pe.id, pe.name, pe.guessed, COUNT(a.paper_id) AS papers FROM people pe "
            "LEFT JOIN authorships a ON a.person_id = pe.id"
        )
        params: list[Any] = []
        if q:
            sql += " WHERE pe.id IN (SELECT person_id FROM person_aliases WHERE LOWER(alias) LIKE ? OR key LIKE ?)"
            params += [f"%{q.lower()}%", f"%{fold(q)}%"]
        sql += " GROUP BY pe.id ORDER BY papers DESC, pe.name"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        rows = self.store.query(sql, params)
        aliases: dict[int, list[dict[str, Any]]] = {}
        ids = [r["id"] for r in rows]
        for a in self.store.query_in(
            "SELECT person_id, alias, kind FROM person_aliases WHERE person_id IN ({marks}) ORDER BY alias", ids
        ):
            aliases.setdefault(a["person_id"], []).append({"alias": a["alias"], "kind": a["kind"]})
        return [
            {
                "id": r["id"],
                "name": r["name"],
                "name_guessed": bool(r["guessed"]),
                "papers": r["papers"],
                "aliases": [a for a in aliases.get(r["id"], []) if a["alias"] != r["name"]],
            }
            for r in rows
        ]

    def find_people(self, name: str) -> list[dict[str, Any]]:
        """People whose name or alias folds to ``name`` (exact), else compatible names."""
        from .names import family_key, names_compatible, person_key

        key = person_key(name)
        ids = {r["id"] for r in self.store.query("SELECT id FROM people WHERE key = ?", (key,))}
        ids |= {r["person_id"] for r in self.store.query("SELECT person_id FROM person_aliases WHERE key = ?", (key,))}
        if not ids:
            for r in self.store.query("SELECT id, name FROM people WHERE family_key = ?", (family_key(name),)):
                if names_compatible(name, r["name"]):
                    ids.add(r["id"])
        return [p for p in self.people(q=None) if p["id"] in ids] if ids else []

    def summary(self) -> dict[str, Any]:
        """Counts and profile owners: what `make run` prints."""
        return {
            "profiles": self.count("profiles"),
            "papers": self.count("papers"),
            "people": self.count("people"),
            "authorships": self.count("authorships"),
            "sources": self.count("paper_sources"),
            "multi_source_papers": int(
                self.store.scalar("SELECT COUNT(*) FROM (SELECT paper_id FROM paper_sources GROUP BY paper_id HAVING COUNT(DISTINCT profile_id) > 1) t")
            ),
            "profile_owners": [
                {
                    "id": p["id"],
                    "source": Path(p["source"]).name,
                    "format": p["format"],
                    "declared_name": p["declared_name"],
                    "declared_name_supported": p["declared_name_supported"],
                    "owner": p["owner"]["name"] if p["owner"] else None,
                    "confidence": p["owner"]["confidence"] if p["owner"] else None,
                    "owner_status": p["owner_status"],
                    "papers": p["papers"],
                }
                for p in self.profiles()
            ],
        }
