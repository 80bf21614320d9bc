"""The knowledge base: the library object every front end opens, one method per feature.

It owns the store, a lazily loaded encoder and the per-instance caches (vectors, the topic
vectoriser); the features themselves live in their own modules and take a Store (and an
Encoder), so they never import this one.

>>> kb = KnowledgeBase(":memory:")
>>> report = kb.ingest(["examples/profiles"])        # doctest: +SKIP
>>> kb.experts("scaling laws", limit=3)               # doctest: +SKIP
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from . import calibration, catalog
from .affinity import affinity_scores
from .embeddings import Encoder, get_encoder
from .expertise import conflicts, find_experts, suggest_reviewers
from .export import export
from .index.engine import Engine, engine_for
from .ingest import FileReport, IngestReport, Progress, ingest_paths
from .matching import OverlapIndex
from .person import person_view
from .profiles import drop_profile, load_profile
from .records import ParsedPaper, ParsedProfile
from .scoring import Method, get_method
from .similar import VectorMemo, similar_to_papers, similar_to_person
from .stores import Store, open_store
from .topics import CorpusVectorizer
from .whois import whois


class KnowledgeBase:
    """Papers, people and authorships deduplicated across every ingested profile."""

    def __init__(self, store: str | Path | Store | None = None, *, encoder: Encoder | str | None = None) -> None:
        self.store: Store = open_store(store)
        self._encoder: Encoder | None = encoder if isinstance(encoder, Encoder) else None
        self._encoder_name = encoder if isinstance(encoder, str) else None
        self._encoder_lock = threading.Lock()
        self.vectors = VectorMemo()
        self.topic_vectorizer = CorpusVectorizer()
        self.overlap = OverlapIndex()

    @property
    def encoder(self) -> Encoder:
        """The embedding model (setting ``model``), loaded on first use."""
        if self._encoder is None:
            with self._encoder_lock:
                if self._encoder is None:
                    self._encoder = get_encoder(self._encoder_name)
        return self._encoder

    def _enc(self, encoder: Encoder | None) -> Encoder:
        return encoder if encoder is not None else self.encoder

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
        pid = catalog.resolve_profile_id(self.store, ref)
        before = self.count("papers")
        with self.store.transaction():
            drop_profile(self.store, pid)
        return {"removed": pid, "papers_removed": before - self.count("papers"), "papers": self.count("papers")}

    # -- reading (catalog) ---------------------------------------------------------------
    def papers(self, limit: int | None = None, offset: int = 0, q: str | None = None) -> list[dict[str, Any]]:
        """Deduplicated papers (optionally filtered by a substring of title or abstract)."""
        return catalog.papers(self.store, limit, offset, q)

    def paper(self, paper_id: int) -> dict[str, Any]:
        return catalog.paper(self.store, paper_id)

    def count(self, table: str) -> int:
        return catalog.count(self.store, table)

    def profiles(self, q: str | None = None) -> list[dict[str, Any]]:
        """Every ingested profile with its owner; ``q`` filters by name or source."""
        return catalog.profiles(self.store, q)

    def resolve_profile_id(self, ref: str) -> str:
        return catalog.resolve_profile_id(self.store, ref)

    def profile(self, ref: str) -> dict[str, Any]:
        """One profile with its papers and co-authors of its owner."""
        return catalog.profile(self.store, ref)

    def people(self, limit: int | None = None, offset: int = 0, q: str | None = None) -> list[dict[str, Any]]:
        """People with their paper counts, most prolific first."""
        return catalog.people(self.store, limit, offset, q)

    def find_people(self, name: str) -> list[dict[str, Any]]:
        """People whose name or alias folds to ``name`` (exact), else compatible names."""
        return catalog.find_people(self.store, name)

    def resolve_person(self, ref: str | int) -> int:
        return catalog.resolve_person(self.store, ref)

    def summary(self) -> dict[str, Any]:
        """Counts, profile owners and the expertise index's status: what `make run` prints."""
        return catalog.summary(self.store) | {"index": self.engine.status()}

    @property
    def engine(self) -> Engine:
        """The persistent expertise indexes of this store (one per store in the process)."""
        return engine_for(self.store)

    def export(self, format: str, out: IO[str], limit: int | None = None) -> int:
        """Write the papers as ``jsonl``, ``csl-json`` or ``bibtex``; returns how many."""
        return export(self.store, format, out, limit)

    # -- expertise -----------------------------------------------------------------------
    def experts(
        self,
        text: str,
        limit: int = 10,
        *,
        method: str | Method | None = None,
        encoder: Encoder | None = None,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """People ranked by expertise in ``text`` (a topic or an abstract), with evidence; each
        with ``probability`` (calibrated P(expertise ≥ 3)) and ``strength`` (see :meth:`match`)."""
        rows = find_experts(self.store, text, limit, encoder=self._enc(encoder), method=method, progress=progress)
        calibration.annotate(rows, get_method(method))
        return rows

    def reviewers(
        self,
        paper: str | ParsedPaper,
        authors: list[str] | None = None,
        limit: int = 10,
        *,
        method: str | Method | None = None,
        exclude_conflicts: bool = False,
        encoder: Encoder | None = None,
        progress: Progress | None = None,
    ) -> list[dict[str, Any]]:
        """People ranked as reviewers of ``paper`` (text or parsed), conflicts marked."""
        rows = suggest_reviewers(
            self.store,
            paper,
            authors,
            limit,
            encoder=self._enc(encoder),
            method=method,
            exclude_conflicts=exclude_conflicts,
            progress=progress,
        )
        calibration.annotate(rows, get_method(method))
        return rows

    @staticmethod
    def match(rows: list[dict[str, Any]], method: str | Method | None = None) -> dict[str, Any]:
        """What a ranked list means as a whole: ``{"calibrated", "no_match", "message"}`` —
        ``message`` says "No one here has worked on this" when even the best score is below
        what 95 % of real experts reach (:mod:`scholarlens.calibration`)."""
        return calibration.annotate(rows, get_method(method))

    def conflicts(self, authors: Sequence[str]) -> dict[int, dict[str, Any]]:
        """person id -> ``{"reason", "with"}``: the authors themselves and their co-authors."""
        return conflicts(self.store, authors)

    def affinity(
        self,
        archives: str | Path,
        submissions: str | Path,
        *,
        method: str | Method | None = None,
        encoder: Encoder | None = None,
        progress: Progress | None = None,
    ) -> list[tuple[str, str, float]]:
        """openreview-expertise batch: ``(paper_id, reviewer_id, score)`` for every pair;
        embeddings are cached in this knowledge base's store."""
        return affinity_scores(
            archives, submissions, encoder=self._enc(encoder), method=method, progress=progress, cache=self.store
        )

    # -- people ----------------------------------------------------------------------------
    def whois(
        self,
        profile: str | Path | ParsedProfile,
        *,
        format: str | None = None,
        limit: int = 5,
        encoder: Encoder | None = None,
    ) -> dict[str, Any]:
        """Who wrote the papers of ``profile`` (a file, a stored profile id, or parsed)."""
        # with the default model, it is loaded only if the similarity fallback needs it
        enc = encoder or (self.encoder if self._encoder_name else self._encoder)
        out = whois(self.store, profile, encoder=enc, format=format, limit=limit, overlap=self.overlap, memo=self.vectors)
        evidence = [e for c in out["candidates"] for e in c.get("evidence") or [] if e.get("paper_ids")]
        links = catalog.paper_links(self.store, sorted({e["paper_ids"][0] for e in evidence}))
        for e in evidence:
            e["links"] = links.get(e["paper_ids"][0], [])
        return out

    def person(self, ref: str | int, *, similar: int = 8, encoder: Encoder | None = None) -> dict[str, Any]:
        """A person's page: papers by year, topics over time, co-authors, similar people."""
        pid = catalog.resolve_person(self.store, ref)  # a wrong name fails before the model loads
        return person_view(
            self.store,
            pid,
            encoder=self._enc(encoder) if similar else None,
            similar=similar,
            memo=self.vectors,
            vectorizer=self.topic_vectorizer,
        )

    def similar(
        self, ref_or_profile: str | int | Path | ParsedProfile, limit: int = 10, *, encoder: Encoder | None = None
    ) -> list[dict[str, Any]]:
        """People whose work is closest to a person's (id or name) or a profile's papers."""
        if not isinstance(ref_or_profile, ParsedProfile | Path) and not Path(str(ref_or_profile)).is_file():
            ref_or_profile = catalog.resolve_person(self.store, ref_or_profile)  # fails before the model loads
        enc = self._enc(encoder)
        if isinstance(ref_or_profile, ParsedProfile | Path) or (
            isinstance(ref_or_profile, str) and Path(ref_or_profile).is_file()
        ):
            parsed, own = load_profile(self.store, ref_or_profile)  # type: ignore[arg-type]
            return similar_to_papers(
                self.store, parsed.papers, encoder=enc, memo=self.vectors, limit=limit, exclude_profiles=own
            )
        return similar_to_person(self.store, ref_or_profile, encoder=enc, memo=self.vectors, limit=limit)
