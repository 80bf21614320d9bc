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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import calibration, catalog
from .affinity import affinity_scores
from .embeddings import Encoder, get_encoder
from .errors import InputError
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

if TYPE_CHECKING:
    from .assign import Affinity
    from .assign_export import Assignment
    from .assign_io import Submission
    from .conflicts import ConflictPolicy, Reviewer


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
        """person id -> ``{"name", "reason", "with", "strength", "explanation", "evidence"}``: the
        authors themselves and the people the conflict policy puts in conflict with them."""
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

    # -- conference --------------------------------------------------------------------------
    def conference_reviewers(self, spec: str | Path | None = None) -> tuple[list[Reviewer], Path | None]:
        """The reviewers of a conference and, for OpenReview archives, their folder: ``None`` or
        ``"kb"`` (every stored person with papers), a list file (person id or name per line,
        optional e-mail column) or a folder of ``~<id>.jsonl`` archives."""
        from .assign_io import archive_reviewers, kb_reviewers, read_reviewer_list

        if spec is None or str(spec) == "kb":
            rows = kb_reviewers(self.store)
            if not rows:
                raise InputError("the knowledge base has no people with papers: ingest profiles first, or give a reviewer list")
            return rows, None
        path = Path(spec)
        if path.is_dir():
            return archive_reviewers(path), path
        if path.is_file():
            return read_reviewer_list(self.store, path), None
        raise InputError(f"reviewers {spec}: not 'kb', a list file or an archives folder")

    def assign(
        self,
        submissions: Sequence[Submission] | Sequence[str | Path],
        reviewers: Sequence[Reviewer] | str | Path | None = None,
        *,
        archives: str | Path | None = None,
        affinity: Sequence[tuple[str, str, float]] | str | Path | None = None,
        policy: ConflictPolicy | None = None,
        per_paper: int = 3,
        min_load: int = 0,
        max_load: int = 6,
        loads: dict[str, tuple[int | None, int | None]] | str | Path | None = None,
        bids: dict[tuple[str, str], float | str] | str | Path | None = None,
        bid_weight: float = 0.25,
        objective: str = "sum",
        alternates: int = 0,
        top_k: int | None = 200,
        method: str | Method | None = None,
        lp_bound: bool = False,
        out: str | Path | None = None,
        progress: Progress | None = None,
    ) -> Assignment:
        """Reviewers for a conference: conflicts with evidence (hard ones never assigned), then
        affinity (the expertise engine, OpenReview ``archives``, or given triples / CSV), then
        the optimal assignment under loads and bids (``sum`` or ``fair``); with ``out``, every
        export written there. Raises :class:`~scholarlens.assign.Infeasible` with reasons.

        ``submissions``: parsed :class:`Submission` objects or files/folders; ``reviewers``:
        :class:`Reviewer` objects or a spec for :meth:`conference_reviewers`.
        """
        from .assign import Affinity
        from .assign_export import Assignment, assign_conference
        from .assign_io import Submission, read_affinity, read_bids, read_loads, read_submissions

        subs = [s for s in submissions if isinstance(s, Submission)]
        if len(subs) != len(submissions):
            subs = read_submissions([s for s in submissions if not isinstance(s, Submission)]) + subs
        if reviewers is None or isinstance(reviewers, str | Path):
            revs, found = self.conference_reviewers(reviewers)
            archives = archives or found
        else:
            revs = list(reviewers)
        given = read_affinity(affinity) if isinstance(affinity, str | Path) else affinity
        ids, rids = [s.id for s in subs], [r.id for r in revs]

        def source(exclude: set[tuple[str, str]]) -> Affinity:
            if given is not None:
                return Affinity.from_triples(given, ids, rids)
            return self._engine_affinity(subs, revs, Path(archives) if archives else None, exclude, method, progress, top_k)

        result, rows, listed = assign_conference(
            self.store, subs, revs, source, top_k=top_k, policy=policy,
            per_paper=per_paper, min_load=min_load, max_load=max_load,
            loads=read_loads(loads) if isinstance(loads, str | Path) else loads,
            bids=read_bids(bids) if isinstance(bids, str | Path) else bids, bid_weight=bid_weight,
            objective=objective, alternates=alternates, lp_bound=lp_bound, progress=progress,
        )
        done = Assignment(result, rows, listed, {r.id: r for r in revs})
        if out is not None:
            done.write(out)
        return done

    def _engine_affinity(
        self,
        submissions: Sequence[Submission],
        reviewers: Sequence[Reviewer],
        archives: Path | None,
        exclude: set[tuple[str, str]],
        method: str | Method | None,
        progress: Progress | None,
        top_k: int | None = None,
    ) -> Affinity:
        """Affinity from the expertise engine. Stored reviewers: the engine's ranking per
        submission, with its evidence papers; archive reviewers: the openreview-expertise batch.
        With ``top_k``, each ranking stops once it surely holds the ``top_k`` best reviewers that
        are wanted and not excluded (evidence is built only for the people a ranking returns)."""
        import json
        import tempfile

        from .assign import Affinity

        ids = [s.id for s in submissions]
        rids = [r.id for r in reviewers]
        if archives is not None:
            with tempfile.TemporaryDirectory() as tmp:
                subs = Path(tmp) / "submissions.json"
                notes = {s.id: {"id": s.id, "content": {"title": s.title, "abstract": s.abstract}} for s in submissions}
                subs.write_text(json.dumps(notes), encoding="utf-8")
                triples = self.affinity(archives, subs, method=method, progress=progress)
            return Affinity.from_triples([t for t in triples if (t[0], t[1]) not in exclude], ids, rids)
        wanted = set(rids)
        unwanted = max(0, self.count("people") - len(wanted))
        excluded = Counter(sid for sid, _ in exclude)
        found, evidence = [], {}
        for n, s in enumerate(submissions, start=1):
            limit = 10**9 if top_k is None else top_k + excluded[s.id] + unwanted
            ranked = self.reviewers(s.as_paper(), authors=[], limit=limit, method=method)
            for r in ranked:
                key = (s.id, str(r["person_id"]))
                if key[1] in wanted and key not in exclude:
                    found.append((key[0], key[1], float(r["score"])))
                    evidence[key] = [e for e in r["evidence"] if e.get("weight", 0) > 0][:3]
            if progress:
                progress("affinity (expertise engine)", n, len(submissions))
        return Affinity.from_triples(found, ids, rids, evidence)

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
