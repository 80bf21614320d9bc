"""The expertise engine: persistent indexes over a knowledge base and the exact ranking on them.

:class:`Engine` keeps one :class:`~.snapshot.Snapshot` per store (in memory for ``:memory:``,
in ``<database>.index/`` beside a SQLite file). Before answering it reads the change log
(:mod:`.changelog`, filled by triggers) and applies what changed since — papers added,
changed or removed, authorships moved — so it never answers from a stale index.

Ranking one text (:meth:`Engine.rank`) for a :class:`~scholarlens.scoring.Method`:

1. encode the query once; per-paper similarity ``dense × cosine + lexical × TF-IDF`` for every
   paper (one matrix-vector product, the TF-IDF from the postings of the query's own terms);
2. take the ``M`` most similar papers and their authors as candidates. Every other paper is
   at or below the ``M``-th similarity ``τ``, so with paper weights in [0, w] no one outside
   scores above ``floor = max(τ, 0)·max(w, 1)``, for every aggregation;
3. for ``topk`` / ``max``, each candidate's score is at most its known weighted similarities
   padded with ``floor`` (:func:`.kernel.upper_bounds`): candidates are scored exactly (every
   one of their papers, weighted, aggregated — :mod:`.kernel`) best bound first, in growing
   batches, until the ``limit``-th exact score is above every bound left and above ``floor``
   (other aggregations score every candidate). If ``floor`` is too high ``M`` grows ×4; only
   at ``M`` = all papers is everyone scored.

The returned people are re-scored with :func:`scoring.aggregate` itself and sorted as the
expertise queries sort (score, then name), so the results equal the per-query computation.

**With PostgreSQL and pgvector** (:mod:`scholarlens.embeddings.pgvector`; setting
``pgvector_search``, off by default because it is approximate) step 1–2 change when the ``paper_vectors`` column of the
encoder is *in sync* with the engine's index: the same rows (count and sum of paper ids) and
the same vectors (two random-projection checksums) — checked with one scan per snapshot and
sync generation, and per query the cosines the HNSW index returns must equal the engine's own.
Then the first candidate papers are the ``M`` nearest from the HNSW index (plus, for hybrid
methods, the ``M`` best by TF-IDF), similarities are computed only for the candidates' papers
(no product over the whole matrix), and step 3 runs unchanged with ``τ = dense·τ_dense +
lexical·τ_lexical``. Every score returned is exact; which people are considered rests on the
index returning the true ``M`` nearest (HNSW is approximate: the measured recall@10 is in
docs/deploy.md). When the column is out of sync, the index answers fewer rows than asked, or the
bound does not hold by :data:`PGVECTOR_MAX_PAPERS`, the query takes the exact path above.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..embeddings import Encoder
from ..errors import StoreError
from ..scoring import Method, aggregate
from ..settings import get as get_setting
from ..stores import Store
from . import changelog
from . import snapshot as S
from .kernel import (
    aggregate_layout,
    aggregate_one,
    bucket_layout,
    entry_weights,
    upper_bounds,
)

log = logging.getLogger("scholarlens")

#: Scores closer than this to the cut are re-scored exactly (kernel and reference differ ~1e-7).
EPS = 1e-5
#: Groups (people's papers) longer than this are made exact only where they can count.
LONG_GROUP = 64
#: Papers shown as evidence (Hit.evidence's default).
EVIDENCE = 5
#: Release the float32 pages the queries read (:meth:`.snapshot.Dense.release`) after this
#: many rows: ≤ 256 MB of mapped pages (a read maps up to 64 KB around each row).
RELEASE_ROWS = 4_000
#: Save (compact) a file-backed index once this share of its rows changed since the last save.
SAVE_SHARE = 0.02
SAVE_MIN = 2_000
#: Papers whose authors are the first candidates: max(FIRST_PAPERS, PAPERS_PER_HIT × limit),
#: ×4 while the bound does not hold.
FIRST_PAPERS = 200
PAPERS_PER_HIT = 20
#: Query vectors kept per engine (by model and text).
QUERY_CACHE = 256
#: pgvector path: most papers asked of the HNSW index before the exact path answers instead.
PGVECTOR_MAX_PAPERS = 12_800
#: pgvector path: a cosine from the index further than this from the engine's own = stale column.
PGVECTOR_TOLERANCE = 1e-4


@dataclass
class Hit:
    """One ranked person with what their evidence is built from."""

    person_id: int
    name: str
    score: float
    rows: np.ndarray  # the person's rows in the snapshot (their papers)
    #: float32 per paper, the method's combined similarity: exact for every paper that can
    #: count in the score or be shown as evidence; for a prolific author's other papers, the
    #: first pass's estimate (within its bound, below all of those)
    sims: np.ndarray
    contrib: np.ndarray  # weight of each paper in the score (scoring.aggregate)
    paper_of_row: np.ndarray  # the snapshot's paper id per row

    @property
    def n_papers(self) -> int:
        return len(self.rows)

    @property
    def paper_ids(self) -> list[int]:
        return self.paper_of_row[self.rows].tolist()

    def evidence(self, k: int = 5) -> list[tuple[int, float, float]]:
        """The ``k`` papers that count most: (paper id, similarity, weight), as the queries list them."""
        idx = np.arange(len(self.rows))
        if len(idx) > 8 * k:  # the k first of (contrib desc, similarity desc, position)
            c = self.contrib
            ck = np.partition(c, len(c) - k)[len(c) - k]
            tied = idx[c == ck]
            if len(tied) > k:
                s = self.sims[tied]
                tied = tied[s >= np.partition(s, len(s) - k)[len(s) - k]]
            idx = np.sort(np.concatenate([idx[c > ck], tied]))
        order = idx[np.lexsort((-self.sims[idx], -self.contrib[idx]))][:k]
        return [
            (int(self.paper_of_row[self.rows[j]]), float(self.sims[j]), float(self.contrib[j]))
            for j in order
        ]


class QuerySims:
    """One query's similarity per row (``dense × cosine + lexical × TF-IDF``; dead rows −inf):
    exact where ``exact`` says so (everywhere when it is None), elsewhere the dense first
    pass's estimate (:meth:`.snapshot.Dense.estimate`), within ``bound`` of the exact value.
    Every value a score or an evidence line reads is made exact first (:meth:`ensure`)."""

    def __init__(
        self,
        values: np.ndarray,
        exact: np.ndarray | None = None,
        bound: float = 0.0,
        exact_rows: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.values = values
        self.exact = exact
        self.bound = bound
        self._exact_rows = exact_rows
        self.refined = 0  # rows made exact (a figure for the benchmarks)

    def ensure(self, rows: np.ndarray) -> None:
        """Make these rows exact."""
        if self.exact is None or self._exact_rows is None:
            return
        rows = np.unique(rows[~self.exact[rows]])
        if len(rows):
            self.values[rows] = self._exact_rows(rows)
            self.exact[rows] = True
            self.refined += len(rows)

    def ensure_all(self) -> None:
        if self.exact is not None:
            self.ensure(np.flatnonzero(~self.exact))
            self.exact = None

    def top(self, m: int) -> np.ndarray:
        """The ``m`` rows of highest exact similarity (any order), made exact. The estimates
        within 2·bound of the ``m``-th best estimate hold them: every row outside that band is
        below the ``m``-th exact value."""
        v = self.values
        if self.exact is None:
            return np.argpartition(-v, m - 1)[:m]
        band = np.flatnonzero(v >= _at_least(v, m) - 2 * self.bound)
        self.ensure(band)
        return band if len(band) <= m else band[np.argpartition(-v[band], m - 1)[:m]]


class Engine:
    """Persistent, incrementally maintained indexes of one store (thread-safe readers)."""

    def __init__(self, store: Store, folder: str | Path | None = None) -> None:
        self.store = store
        path = getattr(store, "path", ":memory:")
        if folder is not None:
            self.folder: Path | None = Path(folder)
        elif store.dialect == "sqlite" and path != ":memory:":
            self.folder = Path(str(path) + ".index")
        else:
            self.folder = None  # in memory (PostgreSQL: rebuilt per process, kept up to date)
        self._snap: S.Snapshot | None = None
        self._lock = threading.Lock()  # writers only: readers use the snapshot they got
        #: How queries were answered: from the candidates' bound (their first papers from the
        #: pgvector HNSW index, or from the dense product), or by scoring every person.
        self.stats = {"candidates": 0, "pgvector": 0, "everyone": 0}
        self._queries: dict[tuple[str, str], np.ndarray] = {}
        self._read_rows = 0  # float32 rows read since the pages were last released
        self._lock_queries = threading.Lock()

    # -- state -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """What the index covers and how far behind the database it is."""
        meta = S.load_meta(self.folder) if self.folder else {}
        snap = self._snap
        seq = snap.seq if snap else int(meta.get("seq", 0))
        built = snap is not None or bool(meta)
        last = changelog.last_seq(self.store) if built else 0
        behind = len(changelog.changed_since(self.store, seq, last)) if built and last > seq else 0
        return {
            "built": built,
            "path": str(self.folder) if self.folder else None,
            "papers": snap.n_live if snap else int(meta.get("rows", 0)),
            "models": sorted(snap.dense) if snap else sorted(meta.get("models", {})),
            "seq": seq,
            "stale_papers": behind,
        }

    def snapshot(
        self, encoder: Encoder | None = None, progress: S.Progress | None = None
    ) -> S.Snapshot:
        """The current snapshot, brought up to date (and given ``encoder``'s dense matrix)."""
        snap = self._snap
        if (
            snap is not None
            and changelog.last_seq(self.store) == snap.seq
            and (encoder is None or encoder.model_id in snap.dense)
        ):
            return snap
        with self._lock:
            return self._refresh(encoder, progress)

    def rebuild(
        self, encoder: Encoder | None = None, progress: S.Progress | None = None
    ) -> S.Snapshot:
        """Build every index from the database (and save it beside a SQLite file)."""
        with self._lock:
            models = [encoder] if encoder is not None else []
            snap = self._build(models, progress)
            self._commit(snap, force_save=True)
            return snap

    def _refresh(self, encoder: Encoder | None, progress: S.Progress | None) -> S.Snapshot:
        snap = self._snap
        if snap is None and self.folder is not None:
            meta = S.load_meta(self.folder)
            first = changelog.first_seq(self.store)
            if (
                meta
                and meta.get("db") == self._db_id()
                and (first == 0 or first <= int(meta["seq"]) + 1)
            ):
                try:
                    snap = S.load(self.folder, meta)
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("index in %s unreadable (%s): rebuilding", self.folder, exc)
        if snap is None or changelog.last_seq(self.store) < snap.seq:
            snap = self._build([encoder] if encoder is not None else [], progress)
            self._commit(snap, force_save=True)
            return snap
        last = changelog.last_seq(self.store)
        if last > snap.seq:
            changed = changelog.changed_since(self.store, snap.seq, last)
            snap = self._apply(snap, changed, last, progress)
        if encoder is not None and encoder.model_id not in snap.dense:
            snap = self._add_model(snap, encoder, progress)
            self._commit(snap, force_save=True)
            return snap
        self._commit(snap, force_save=False)
        return snap

    def save(self) -> None:
        """Compact and save the current snapshot now (beside a SQLite file; else a no-op)."""
        with self._lock:
            if self._snap is not None:
                self._commit(self._snap, force_save=True)

    def _db_id(self) -> str:
        return str(Path(str(getattr(self.store, "path", ""))).resolve())

    def _commit(self, snap: S.Snapshot, force_save: bool) -> None:
        if self.folder is not None and (
            force_save or snap.pending >= max(SAVE_MIN, SAVE_SHARE * snap.n_rows)
        ):
            snap = S.compacted(snap)
            try:
                S.save(snap, self.folder, {"db": self._db_id()})
                snap = S.load(self.folder, S.load_meta(self.folder))
            except OSError as exc:
                log.warning("cannot save the index to %s: %s (kept in memory)", self.folder, exc)
        elif snap.pending > max(SAVE_MIN, 0.2 * snap.n_rows):
            snap = S.compacted(snap)
        self._snap = snap

    # -- building and applying changes -----------------------------------------------------
    def _build(self, encoders: Sequence[Encoder], progress: S.Progress | None) -> S.Snapshot:
        try:
            changelog.install(self.store)
        except Exception as exc:  # noqa: BLE001 - a read-only database: answer, but say so
            log.warning(
                "index: cannot install the change-log triggers (%s); it will not see later changes",
                exc,
            )
        seq = changelog.last_seq(self.store)
        snap = S.empty_snapshot()
        snap = replace(
            snap,
            dense={
                e.model_id: S.Dense(
                    e.model_id,
                    e.dim,
                    np.zeros((0, e.dim), np.float32),
                    np.zeros((0, e.dim), np.float32),
                )
                for e in encoders
            },
        )
        total = int(self.store.scalar("SELECT COUNT(*) FROM papers") or 0)
        done, last_id = 0, -1
        while True:
            hi = self.store.scalar(
                "SELECT MAX(id) FROM (SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?) t",
                (last_id, S.BUILD_CHUNK),
            )
            if hi is None:
                break
            batch = S.read_papers(self.store, "@ > ? AND @ <= ?", (last_id, hi))
            vectors = {e.model_id: S.embed(self.store, e, batch.texts) for e in encoders}
            snap = S.apply_batch(snap, np.zeros(0, np.int64), batch, vectors, seq, final=False)
            done += int(
                self.store.scalar(
                    "SELECT COUNT(*) FROM papers WHERE id > ? AND id <= ?", (last_id, hi)
                )
                or 0
            )
            last_id = int(hi)
            if progress:
                progress("indexing papers", done, total)
        return replace(S.compacted(snap), seq=seq)

    def _apply(
        self, snap: S.Snapshot, changed: list[int], seq: int, progress: S.Progress | None
    ) -> S.Snapshot:
        dead = snap.rows_of(changed)
        batch = S.read_papers(self.store, "", ids=changed)
        vectors = {}
        for m, d in snap.dense.items():
            enc = self._encoders.get(m)
            found = (
                S.embed(self.store, enc, batch.texts)
                if enc
                else S.cached_vectors(self.store, m, d.dim, batch.texts)
            )
            if (
                found is None
            ):  # no encoder here and not all cached: the matrix is rebuilt when next asked for
                log.info("index: dropping the %s matrix (new papers not embedded yet)", m)
                continue
            vectors[m] = found
        if set(vectors) != set(snap.dense):
            snap = replace(snap, dense={m: d for m, d in snap.dense.items() if m in vectors})
        if progress:
            progress("updating index", len(changed), len(changed))
        return S.apply_batch(snap, dead, batch, vectors, seq)

    def _add_model(
        self, snap: S.Snapshot, encoder: Encoder, progress: S.Progress | None
    ) -> S.Snapshot:
        snap = S.compacted(snap)
        out = np.zeros((snap.n_rows, encoder.dim), np.float32)
        for a in range(0, snap.n_rows, S.BUILD_CHUNK):
            ids = snap.ids[a : a + S.BUILD_CHUNK].tolist()
            rows = self.store.query_in(
                "SELECT id, title, abstract FROM papers WHERE id IN ({marks})", ids
            )
            text = {r["id"]: S.paper_text(r["title"], r["abstract"]) or "" for r in rows}
            out[a : a + len(ids)] = S.embed(self.store, encoder, [text.get(i, "") for i in ids])
            if progress:
                progress("embedding papers", a + len(ids), snap.n_rows)
        dense = dict(snap.dense)
        dense[encoder.model_id] = S.Dense(
            encoder.model_id, encoder.dim, out, np.zeros((0, encoder.dim), np.float32)
        )
        return replace(snap, dense=dense)

    @property
    def _encoders(self) -> dict[str, Encoder]:
        return getattr(self, "_known_encoders", {})

    def remember(self, encoder: Encoder) -> None:
        """Keep ``encoder`` to embed papers added later to its matrix."""
        if not hasattr(self, "_known_encoders"):
            self._known_encoders: dict[str, Encoder] = {}
        self._known_encoders[encoder.model_id] = encoder

    # -- querying --------------------------------------------------------------------------
    def query_vector(self, encoder: Encoder, text: str) -> np.ndarray:
        """``encoder``'s vector of ``text``, kept for the last :data:`QUERY_CACHE` texts (a
        page reload, the next page of results, experts then reviewers on one text)."""
        key = (encoder.model_id, text)
        qv = self._queries.get(key)
        if qv is None:
            qv = encoder.encode_query(text)
            with self._lock_queries:
                self._queries[key] = qv
                while len(self._queries) > QUERY_CACHE:
                    self._queries.pop(next(iter(self._queries)))
        return qv

    def query_sims(
        self,
        snap: S.Snapshot,
        text: str,
        method: Method,
        encoder: Encoder | None,
        query_vector: np.ndarray | None,
    ) -> QuerySims:
        """float32 per row: ``dense × cosine + lexical × TF-IDF`` (dead rows: −inf); from the
        float16 first pass where the matrix has one: estimates within a bound, made exact
        where they are read."""
        sims = np.zeros(snap.n_rows, np.float32)
        lex = np.zeros(snap.n_rows, np.float32)
        if method.lexical:
            rows, scores = snap.lexical.scores(text)
            lex[rows] = scores.astype(np.float32)
        d, lx = np.float32(method.dense), np.float32(method.lexical)
        estimate = None
        if method.dense:
            if encoder is None:
                raise StoreError("a dense method needs an encoder")
            qv = query_vector if query_vector is not None else self.query_vector(encoder, text)
            dense = snap.dense[encoder.model_id]
            q = np.asarray(qv, np.float32).reshape(-1)
            estimate = dense.estimate(q)
            sims += d * (estimate[0] if estimate is not None else dense.sims(q))
        if method.lexical:
            sims += lx * lex
        sims[~snap.live] = -np.inf
        if estimate is None:
            return QuerySims(sims)

        def exact_rows(rows: np.ndarray) -> np.ndarray:
            out = np.zeros(len(rows), np.float32)
            out += d * np.einsum("ij,j->i", dense.rows(rows), q)  # no BLAS threads to wake
            out += lx * lex[rows]
            return out

        exact = ~snap.live  # dead rows are exactly −inf (a new array)
        exact[len(dense.base) :] = True  # rows added since the save: computed in float32
        return QuerySims(sims, exact, abs(float(d)) * estimate[1], exact_rows)

    def rank(
        self,
        text: str,
        method: Method,
        limit: int = 10,
        *,
        encoder: Encoder | None = None,
        query_vector: np.ndarray | None = None,
        exclude: Collection[int] = (),
        exhaustive: bool = False,
    ) -> list[Hit]:
        """The ``limit`` best people for ``text`` (exact, see the module docstring);
        ``exhaustive`` scores every person (the check of the candidate bound)."""
        if encoder is not None:
            self.remember(encoder)
        snap = self.snapshot(encoder if method.dense else None)
        if not len(snap.people.ids):
            return []
        excl = np.asarray(sorted(exclude), np.int64)
        if not exhaustive and encoder is not None and self._pgvector_ready(snap, method, encoder):
            qv = query_vector if query_vector is not None else self.query_vector(encoder, text)
            near = self._bounded_pgvector(snap, text, method, encoder, qv, limit, excl)
            if near is not None:
                self.stats["pgvector"] += 1
                return self._final(snap, QuerySims(near[0]), near[1], near[2], method, limit)
        sims = self.query_sims(snap, text, method, encoder, query_vector)
        try:
            if not exhaustive:
                found = self._bounded(snap, sims, method, limit, excl)
                if found is not None:
                    self.stats["candidates"] += 1
                    return self._final(snap, sims, found[0], found[1], method, limit)
            self.stats["everyone"] += 1
            sims.ensure_all()
            scores = self._score_all(snap, sims.values, method)
            persons = np.arange(len(snap.people.ids))
            if len(excl):
                keep = ~np.isin(snap.people.ids, excl)
                persons, scores = persons[keep], scores[keep]
            return self._final(snap, sims, persons, scores, method, limit)
        finally:
            self._read_rows += sims.refined  # rows read from the float32 file
            if self._read_rows >= RELEASE_ROWS:
                self._read_rows = 0
                for d in snap.dense.values():
                    d.release()

    def _bounded(
        self, snap: S.Snapshot, sims: QuerySims, method: Method, limit: int, excl: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(people, exact scores) that contain the answer, from the best papers only; None
        when scoring everyone is as cheap (the bound does not hold before ``m`` reaches all)."""
        if not self._bound_applies(snap, method):
            return None
        m = min(snap.n_live, max(FIRST_PAPERS, PAPERS_PER_HIT * limit))
        while m < snap.n_live:
            top = sims.top(m)
            found = self._from_papers(
                snap, sims, method, limit, excl, top, float(sims.values[top].min())
            )
            if found is not None:
                return found
            m = min(snap.n_live, 4 * m)
        return None

    def _bound_applies(self, snap: S.Snapshot, method: Method) -> bool:
        w = self._weights(snap, method)[1]
        return bool(len(w)) and float(w.min()) >= 0  # the bound needs paper weights ≥ 0

    def _from_papers(
        self,
        snap: S.Snapshot,
        sims: QuerySims,
        method: Method,
        limit: int,
        excl: np.ndarray,
        top: np.ndarray,
        tau: float,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(people, exact scores) from the authors of rows ``top`` when every other paper's
        similarity is ≤ ``tau``; None when that does not settle the ``limit`` best."""
        _, w, person_w = self._weights(snap, method)
        p = snap.people
        # Every other paper has similarity ≤ tau, so each of its entries weighs in at
        # ≤ floor (and a missing paper counts 0): no one is better than floor outside.
        floor = max(tau, 0.0) * max(1.0, float(w.max()))
        ent = S.ranges(p.starts[top], p.starts[top + 1])
        who = self._entry_person(snap)[ent]
        adj = sims.values[p.entry_row[ent]] * w[ent]  # rows of ``top``: exact
        if len(excl):
            keep = ~np.isin(p.ids[who], excl)
            who, adj = who[keep], adj[keep]
        if method.agg in ("topk", "max"):
            return self._best_bounded(snap, sims, method, limit, who, adj, floor, person_w)
        # score every candidate: any aggregation of values ≤ floor is ≤ floor
        persons = np.unique(who)
        scores = self._score(snap, sims, persons, method)
        ok = np.count_nonzero(scores > floor + EPS) >= limit
        return (persons, scores) if ok else None

    # -- the pgvector path (module docstring) ---------------------------------------------
    def _pgvector_ready(self, snap: S.Snapshot, method: Method, encoder: Encoder) -> bool:
        """PostgreSQL, the setting on, a dense method and the encoder's column in sync."""
        if (
            self.store.dialect != "postgresql"
            or method.dense <= 0
            or method.lexical < 0
            or encoder.model_id not in snap.dense
            or (get_setting("pgvector_search") or "0").strip().lower()
            not in ("1", "true", "yes", "on")
        ):
            return False
        from ..embeddings import pgvector

        gen = pgvector.sync_generation(self.store, encoder.model_id)
        if gen is None:
            return False
        key = ("pgvector in sync", encoder.model_id, gen)
        if key not in snap.cache:
            snap.cache[key] = self._pgvector_in_sync(snap, encoder.model_id)
            if not snap.cache[key]:
                log.info(
                    "index: the pgvector column of %s is out of sync (exact search until synced)",
                    encoder.model_id,
                )
        return bool(snap.cache[key])

    def _pgvector_in_sync(self, snap: S.Snapshot, model_id: str) -> bool:
        """The column holds exactly the snapshot's live papers with the snapshot's vectors."""
        from ..embeddings import pgvector

        dense = snap.dense[model_id]
        probes = np.random.default_rng(15).standard_normal((2, dense.dim)).astype(np.float32)
        try:
            n, id_sum, a, b = pgvector.column_digest(self.store, model_id, probes)
        except (ImportError, StoreError) as exc:
            log.warning("index: cannot read the pgvector column (%s): exact search", exc)
            return False
        live = np.flatnonzero(snap.live)
        ids = snap.ids[live]
        if n != len(live) or id_sum != int(ids.sum()):
            return False
        proj = dense.sims_block(probes)[:, live].astype(np.float64)
        tol = 1e-4 + 1e-5 * np.sqrt(len(live))
        return bool(
            abs(a - float(proj[0].sum())) <= tol
            and abs(b - float((proj[1] * (ids % 7 + 1)).sum())) <= 7 * tol
        )

    def _live_rows(self, snap: S.Snapshot, paper_ids: np.ndarray) -> np.ndarray:
        """Live rows of these paper ids, in their order; -1 where a paper has no live row."""
        if "live ids" not in snap.cache:
            live = np.flatnonzero(snap.live)
            order = np.argsort(snap.ids[live], kind="stable")
            snap.cache["live ids"] = (snap.ids[live][order], live[order])
        sorted_ids, rows = snap.cache["live ids"]
        at = np.minimum(np.searchsorted(sorted_ids, paper_ids), max(len(sorted_ids) - 1, 0))
        found = (len(sorted_ids) > 0) & (sorted_ids[at] == paper_ids)
        return np.where(found, rows[at], -1)

    def _bounded_pgvector(
        self,
        snap: S.Snapshot,
        text: str,
        method: Method,
        encoder: Encoder,
        qv: np.ndarray,
        limit: int,
        excl: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(similarities, people, exact scores) with the first papers from the HNSW index and
        similarities computed for the candidates' papers only (the others: NaN); None when
        the exact path must answer (stale column, short answer, bound not reached)."""
        from ..embeddings.pgvector import EF_SEARCH, nearest_papers

        if not self._bound_applies(snap, method):
            return None
        dense = snap.dense[encoder.model_id]
        q = np.asarray(qv, np.float32).reshape(-1)
        lex = np.zeros(snap.n_rows, np.float32)
        lex_order = np.zeros(0, np.int64)
        if method.lexical:
            lrows, lscores = snap.lexical.scores(text)
            lex[lrows] = lscores.astype(np.float32)
            lex_order = lrows[np.argsort(-lscores, kind="stable")]
        sims = np.full(snap.n_rows, np.nan, np.float32)
        sims[~snap.live] = -np.inf
        d, lx = np.float32(method.dense), np.float32(method.lexical)

        def fill(rows: np.ndarray) -> None:
            rows = np.unique(rows)
            rows = rows[np.isnan(sims[rows])]
            if len(rows):
                sims[rows] = d * (dense.rows(rows) @ q) + lx * lex[rows]

        p = snap.people
        prow = self._weights(snap, method)[2][0]
        entry_person = self._entry_person(snap)
        m = min(snap.n_live, max(FIRST_PAPERS, PAPERS_PER_HIT * limit))
        while m < snap.n_live and m <= PGVECTOR_MAX_PAPERS:
            near = nearest_papers(self.store, encoder.model_id, q, m, ef_search=max(EF_SEARCH, m))
            if len(near) < m:
                return None  # the index answered short: no bound on the papers it left out
            rows = self._live_rows(snap, np.asarray([pid for pid, _ in near], np.int64))
            cos = np.asarray([c for _, c in near], np.float32)
            if (rows < 0).any() or np.abs(dense.rows(rows) @ q - cos).max() > PGVECTOR_TOLERANCE:
                for key in [
                    k for k in snap.cache if k[:2] == ("pgvector in sync", encoder.model_id)
                ]:
                    snap.cache[key] = False  # until the next sync or change
                log.info(
                    "index: the pgvector column of %s disagrees with the index: exact search",
                    encoder.model_id,
                )
                return None
            tau = float(d) * float(cos.min())
            top = rows
            if method.lexical:
                top = np.union1d(rows, lex_order[:m])
                tau += float(lx) * (float(lex[lex_order[m]]) if len(lex_order) > m else 0.0)
            # Every candidate's papers get their exact similarity before any is scored.
            ent = S.ranges(p.starts[top], p.starts[top + 1])
            persons = np.unique(entry_person[ent])
            fill(top)
            fill(prow[S.ranges(p.p_starts[persons], p.p_starts[persons + 1])])
            found = self._from_papers(snap, QuerySims(sims), method, limit, excl, top, tau)
            if found is not None:
                return sims, found[0], found[1]
            m = min(snap.n_live, 4 * m)
        return None

    def _best_bounded(
        self,
        snap: S.Snapshot,
        sims: QuerySims,
        method: Method,
        limit: int,
        who: np.ndarray,
        adj: np.ndarray,
        floor: float,
        person_w: tuple[np.ndarray, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Candidates scored exactly in order of their upper bound, until the ``limit``-th
        exact score is above every bound left (and above ``floor``, everyone unseen)."""
        persons, bound, settled = upper_bounds(who, adj, floor, method)
        order = np.argsort(-bound, kind="stable")
        persons, bound, settled = persons[order], bound[order], settled[order]
        done = 0
        scores = np.zeros(0, np.float32)
        step = max(4 * limit, 32)
        while done < len(persons):
            nxt = min(len(persons), done + step)
            # A settled person's k best papers are among the known ones: the bound is the
            # score, and their other papers (heavy authors: thousands) are never read.
            batch = bound[done:nxt].astype(np.float32)
            todo = ~settled[done:nxt]
            if todo.any():
                batch[todo] = self._score(snap, sims, persons[done:nxt][todo], method, person_w)
            scores = np.concatenate([scores, batch])
            done, step = nxt, 4 * step
            if len(scores) < limit:
                continue
            cut = float(np.partition(scores, len(scores) - limit)[len(scores) - limit])
            left = max(floor, float(bound[done]) if done < len(persons) else floor)
            if cut - EPS > left + EPS:
                return persons[:done], scores
            if done < len(persons) and float(bound[done]) <= floor + 2 * EPS:
                return None  # no candidate left can lift the cut above floor: more papers
        return None

    def _score_all(self, snap: S.Snapshot, sims: np.ndarray, method: Method) -> np.ndarray:
        """Every person's score: bucketed entries and weights cached per snapshot and method."""
        key = ("weights", method.team, method.authors, method.recency, method.position)
        if "buckets" not in snap.cache:
            rows, pos, starts = self._entries(snap, np.arange(len(snap.people.ids)))
            snap.cache["buckets"] = (rows, pos, starts, bucket_layout(starts))
        rows, pos, starts, layout = snap.cache["buckets"]
        if key not in snap.cache:
            snap.cache[key] = entry_weights(
                method, snap.n_authors[rows], snap.years[rows], pos, snap.newest
            )
        return aggregate_layout(sims, rows, snap.cache[key], layout, len(starts) - 1, method)

    def _weights(
        self, snap: S.Snapshot, method: Method
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Cached per snapshot and method: entry rows, entry weights (row-major) and both in
        person-major order."""
        key = ("entry weights", method.team, method.authors, method.recency, method.position)
        if key not in snap.cache:
            p = snap.people
            rows = p.entry_row
            w = entry_weights(method, snap.n_authors[rows], snap.years[rows], p.pos, snap.newest)
            snap.cache[key] = (rows, w, (rows[p.order].astype(np.int32), w[p.order]))
        out: tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]] = snap.cache[key]
        return out

    def _entry_person(self, snap: S.Snapshot) -> np.ndarray:
        """Per entry (row-major), the index of its person in ``people.ids`` (cached)."""
        if "entry person" not in snap.cache:
            p = snap.people
            snap.cache["entry person"] = np.searchsorted(p.ids, p.person).astype(np.int32)
        out: np.ndarray = snap.cache["entry person"]
        return out

    def _entries(
        self, snap: S.Snapshot, persons: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, positions, group starts) of these people's entries, person-major."""
        p = snap.people
        pos_in_order = S.ranges(p.p_starts[persons], p.p_starts[persons + 1])
        ent = p.order[pos_in_order]
        entry_row = p.entry_row[ent]
        lengths = p.p_starts[persons + 1] - p.p_starts[persons]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return entry_row, p.pos[ent], starts

    def _score(
        self,
        snap: S.Snapshot,
        sims: QuerySims,
        persons: np.ndarray,
        method: Method,
        person_w: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        rows, w, starts = self._person_entries(snap, persons, method, person_w)
        _make_exact(sims, rows, w, starts, method)
        return aggregate_one(sims.values, rows, w, starts, method)

    def _person_entries(
        self,
        snap: S.Snapshot,
        persons: np.ndarray,
        method: Method,
        person_w: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, weights, group starts) of these people's entries, person-major, from the
        cached weights."""
        p = snap.people
        prow, pw = person_w if person_w is not None else self._weights(snap, method)[2]
        at = S.ranges(p.p_starts[persons], p.p_starts[persons + 1])
        lengths = p.p_starts[persons + 1] - p.p_starts[persons]
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return prow[at], pw[at], starts

    def _final(
        self,
        snap: S.Snapshot,
        sims: QuerySims,
        persons: np.ndarray,
        scores: np.ndarray,
        method: Method,
        limit: int,
    ) -> list[Hit]:
        if not len(persons):
            return []
        k = min(limit, len(scores))
        cut = np.partition(scores, len(scores) - k)[len(scores) - k]  # the limit-th best
        band = persons[scores >= cut - EPS]
        rows, w, starts = self._person_entries(snap, band, method)
        long = _make_exact(sims, rows, w, starts, method, evidence=EVIDENCE)
        ids = snap.people.ids[band]
        names = self._names(ids.tolist())
        hits = []
        for i, pid in enumerate(ids.tolist()):
            r = rows[starts[i] : starts[i + 1]]
            may, values = long.get(i, (None, None))
            s = (sims.values[r] if values is None else values)[None, :]
            score, contrib = _aggregate_one(s, w[starts[i] : starts[i + 1]], method, may)
            hits.append(
                Hit(
                    int(pid),
                    names.get(pid, str(pid)),
                    float(score[0]),
                    r,
                    s[0],
                    contrib[0],
                    snap.ids,
                )
            )
        hits.sort(key=lambda h: (-h.score, h.name))
        return hits[:limit]

    def _names(self, ids: list[int]) -> dict[int, str]:
        return {
            int(r["id"]): r["name"]
            for r in self.store.query_in("SELECT id, name FROM people WHERE id IN ({marks})", ids)
        }


_engines: weakref.WeakKeyDictionary[Store, Engine] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()


def engine_for(store: Store) -> Engine:
    """The process's one :class:`Engine` of ``store`` (loaded once, shared by every thread)."""
    with _engines_lock:
        engine = _engines.get(store)
        if engine is None:
            engine = _engines[store] = Engine(store)
        return engine


def _aggregate_one(
    sims: np.ndarray, weights: np.ndarray, method: Method, may_count: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`scoring.aggregate` for one query row; for top-k over many papers the same
    numbers without sorting them all (the k best in the stable order aggregate uses).
    ``may_count`` (``topk`` / ``max``): only those papers can be among the k best."""
    if may_count is not None and not may_count.all():
        score, part = _aggregate_one(sims[:, may_count], weights[may_count], method)
        contrib = np.zeros_like(sims)
        contrib[:, may_count] = part
        return score, contrib
    n = sims.shape[1]
    if method.agg != "topk" or n <= 4 * method.k:
        return aggregate(sims, weights, method)
    k = method.k
    adj = sims[0] * weights
    thr = np.partition(adj, n - k)[n - k]  # the k-th largest value
    above = np.flatnonzero(adj > thr)
    ties = np.flatnonzero(adj == thr)[: k - len(above)]
    top = np.concatenate([above, ties])
    top = top[np.lexsort((top, -adj[top]))]  # descending, ties by position (stable argsort)
    contrib = np.zeros_like(sims)
    contrib[0, top] = weights[top] / k
    return (adj[top][None, :].sum(1) / k).astype(np.float32), contrib


def _at_least(v: np.ndarray, m: int) -> float:
    """A value with at least ``m`` entries of ``v`` at or above it, near the ``m``-th largest:
    from a sample of 20,000 entries (about 4·m entries above it) when ``v`` is long, checked;
    else the ``m``-th largest itself."""
    n = len(v)
    if n >= 400_000 and 100 * m <= n:  # below, a full partition costs ~1 ms
        sample = v[np.random.default_rng(n).integers(0, n, 20_000)]
        r = max(1, 4 * m * len(sample) // n)
        t = float(np.partition(sample, len(sample) - r)[len(sample) - r])
        if np.isfinite(t) and m <= np.count_nonzero(v >= t) <= 50 * m:
            return t
    return float(np.partition(v, n - m)[n - m])


def _make_exact(
    sims: QuerySims,
    rows: np.ndarray,
    weights: np.ndarray,
    starts: np.ndarray,
    method: Method,
    evidence: int = 0,
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Make exact every entry that can change a group's score (and, with ``evidence``, its
    ``evidence`` most similar papers): all of them, except in a ``topk`` / ``max`` group of
    more than :data:`LONG_GROUP` papers, where an entry whose upper bound is below the k-th
    best lower bound cannot be among the k best (weights ≥ 0: the bound holds there).
    Returns, for those long groups, the mask of the entries that can count (the others are
    below every one of the k best, exact or estimated) and the group's values (exact there)."""
    if sims.exact is None:
        return {}
    lengths = np.diff(starts)
    long = np.flatnonzero(lengths > LONG_GROUP)
    if method.agg not in ("topk", "max") or not len(long) or float(weights.min(initial=0)) < 0:
        sims.ensure(rows)
        return {}
    sims.ensure(rows[np.repeat(lengths <= LONG_GROUP, lengths)])
    k = method.k if method.agg == "topk" else 1
    out = {}
    for g in long.tolist():
        r, w = rows[starts[g] : starts[g + 1]], weights[starts[g] : starts[g + 1]]
        v, exact = sims.values[r], sims.exact[r]
        need = _may_be_best(v * w, sims.bound * w, exact, k)
        if evidence:
            need |= _may_be_best(v, np.float32(sims.bound), exact, evidence)
        todo = r[need]
        sims.ensure(todo)
        v[need] = sims.values[todo]
        out[g] = (need, v)
    return out


def _may_be_best(values: np.ndarray, slack: Any, exact: np.ndarray, k: int) -> np.ndarray:
    """Which values, each within ``slack`` of the truth (0 where ``exact``), can be among the
    ``k`` largest: those whose upper end reaches the k-th largest lower end, taken over the
    exact values alone when there are k of them (no larger; no partition of the whole group).
    ``slack`` is the bound of an estimate, used for exact values too (a wider test, no less true)."""
    if len(values) <= k:
        return np.ones(len(values), bool)
    pool = values[exact]
    if len(pool) < k:
        pool = values - slack
    kth = np.partition(pool, len(pool) - k)[len(pool) - k]
    return np.asarray(values + slack >= kth)
