"""The engine's data: one immutable :class:`Snapshot` of every index, built, changed, saved.

A snapshot has *rows* (one per paper with a title or abstract, in the order they were added);
a removed or changed paper's old row is marked dead and a changed paper gets a new row, until
:meth:`Snapshot.compacted` renumbers them. Per row: the paper id, year, author count; the
TF-IDF postings (:mod:`.lexical`); one dense matrix per embedding model; the person × paper
entries (author position, or an owner link) in row-major order plus a person-major
permutation. Refreshing builds a new snapshot and swaps it in, so readers never lock.

On disk (``<database>.index/``): ``meta.json`` names the generation of the ``.npy`` files and
the change-log ``seq`` they cover; dense matrices are raw float32 files, memory-mapped, with a
float16 copy (``.f16``) from :data:`HALF_MIN_ROWS` rows on.
"""

from __future__ import annotations

import json
import mmap
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..embeddings import Encoder, embed_cached, text_hash
from ..stores import Store
from .lexical import Lexical, empty_lexical

FORMAT = 1
Progress = Callable[[str, int, int | None], None]
#: Papers read from the database per pass of a full build.
BUILD_CHUNK = 20_000


def paper_text(title: str | None, abstract: str | None) -> str | None:
    """The text embedded and indexed for a paper: ``title. abstract`` (as the expertise queries)."""
    t = " ".join((title or "").split())
    a = " ".join((abstract or "").split())
    if t and a:
        return f"{t}. {a}"
    return t or a or None


def ranges(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(a[i], b[i])`` for all i, vectorised."""
    n = np.asarray(b, np.int64) - np.asarray(a, np.int64)
    total = int(n.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.asarray(a, np.int64) - np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    return offsets + np.arange(total)


#: Matrices with at least this many saved rows also keep a float16 copy for the first pass of
#: a query (:meth:`Dense.estimate`): a quarter of the bytes of float32 read per query.
HALF_MIN_ROWS = 32_768


@dataclass(frozen=True)
class Half:
    """A float16 copy of a matrix's saved rows and the bound of what it changes: for unit
    queries ``q``, ``|x·q − estimate| ≤ err + norm · ‖q − float16(q)‖ + ACCUMULATION``."""

    codes: np.ndarray  # float16 (rows, dim)
    err: float  # max over rows of ‖x − float16(x)‖
    norm: float  # max over rows of ‖float16(x)‖

    @staticmethod
    def of(base: np.ndarray) -> Half:
        codes = np.empty(base.shape, np.float16)
        err = norm = 0.0
        for a in range(0, len(base), BUILD_CHUNK):  # chunks: no float64 copy of the matrix
            x = np.asarray(base[a : a + BUILD_CHUNK], np.float32)
            c = codes[a : a + len(x)] = x.astype(np.float16)
            back = c.astype(np.float32)
            err = max(err, float(np.linalg.norm(x - back, axis=1).max(initial=0.0)))
            norm = max(norm, float(np.linalg.norm(back, axis=1).max(initial=0.0)))
        return Half(codes, err, norm)


#: Float32 rounding of the two dot products (384 terms: ~1e-7 each), with a wide margin.
ACCUMULATION = 1e-5
#: The first pass over this many rows or more is split across the cores (numkong releases the
#: GIL): at 10^6 rows on 2 cores, 40 → 26 ms wall for ~25 % more CPU.
SPLIT_ROWS = 262_144


@cache
def _split_pool(workers: int) -> ThreadPoolExecutor:
    """The threads the first pass is split over (made on first use, one per process)."""
    return ThreadPoolExecutor(workers, thread_name_prefix="scholarlens-dense")


@dataclass(frozen=True)
class Dense:
    """Unit vectors of one model: ``base`` (memory-mapped when saved) then ``extra`` rows;
    ``half``: a float16 copy of ``base`` (saved beside it, else made on first use) when
    ``base`` has :data:`HALF_MIN_ROWS` rows and numkong is installed."""

    model_id: str
    dim: int
    base: np.ndarray
    extra: np.ndarray
    half_saved: Half | None = None

    def sims(self, q: np.ndarray) -> np.ndarray:
        q = np.asarray(q, np.float32).reshape(-1)
        parts = [self.base @ q] if len(self.base) else []
        if len(self.extra):
            parts.append(self.extra @ q)
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)

    @cached_property
    def half(self) -> Half | None:
        if self.half_saved is not None:
            return self.half_saved
        if len(self.base) < HALF_MIN_ROWS or _numkong() is None:
            return None
        return Half.of(self.base)

    def estimate(self, q: np.ndarray) -> tuple[np.ndarray, float] | None:
        """(similarity per row, bound): within ``bound`` of :meth:`sims` on the saved rows
        (from the float16 copy: ~3× less CPU than the float32 product), exact on the rows
        added since; None without a float16 copy."""
        half, nk = self.half, _numkong()
        if half is None or nk is None:
            return None
        q = np.asarray(q, np.float32).reshape(-1)
        q16 = q.astype(np.float16)
        dq = float(np.linalg.norm(q - q16.astype(np.float32)))
        out = np.empty(len(self.base) + len(self.extra), np.float32)

        def part(a: int, b: int) -> None:  # float64 out: numkong's fastest
            out[a:b] = np.asarray(nk.cdist(half.codes[a:b], q16[None, :], metric="dot")).reshape(-1)

        n, cores = len(self.base), min(4, os.cpu_count() or 1)
        if n >= SPLIT_ROWS and cores > 1:
            cuts = np.linspace(0, n, cores + 1).astype(int)
            pool = _split_pool(cores)
            for f in [pool.submit(part, a, b) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]:
                f.result()
        else:
            part(0, n)
        if len(self.extra):
            out[len(self.base) :] = self.extra @ q
        qn = float(np.linalg.norm(q))
        return out, half.err * qn + half.norm * dq + ACCUMULATION * max(1.0, qn)

    def sims_block(self, q: np.ndarray) -> np.ndarray:
        """``(len(q), n_rows)`` float32 similarities of several query vectors."""
        q = np.asarray(q, np.float32)
        parts = [q @ np.asarray(self.base).T] if len(self.base) else []
        if len(self.extra):
            parts.append(q @ self.extra.T)
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(q), 0), np.float32)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        nb = len(self.base)
        out = np.empty((len(rows), self.dim), np.float32)
        low = rows < nb
        out[low] = self.base[rows[low]]
        out[~low] = self.extra[rows[~low] - nb]
        return out

    def release(self) -> None:
        """Unmap the pages of the float32 file that queries read rows from (when it has a float16
        copy: every query reads a few thousand scattered rows, and the pages would otherwise
        pile up in the process until the whole file is mapped). The data stays in the OS's
        page cache; the next read maps it again."""
        mm = getattr(self.base, "_mmap", None)
        if mm is not None and self.half_saved is not None and hasattr(mmap, "MADV_DONTNEED"):
            try:
                mm.madvise(mmap.MADV_DONTNEED)
            except (OSError, ValueError):  # pragma: no cover - closed, or a kernel without it
                pass

    def grown(self, vectors: np.ndarray) -> Dense:
        return replace(
            self,
            extra=np.concatenate([self.extra, vectors.astype(np.float32)]),
            half_saved=self.half if "half" in self.__dict__ else self.half_saved,
        )


def _numkong() -> Any:
    """The numkong module (SIMD float16 dot products; installed with usearch), or None."""
    try:
        import numkong
    except ImportError:  # pragma: no cover - a dependency; the exact float32 product answers
        return None
    return numkong


@dataclass(frozen=True)
class People:
    """Person × paper entries, row-major (``starts`` per row) with a person-major order."""

    starts: np.ndarray  # int64 (n_rows + 1)
    person: np.ndarray  # int64 person id per entry
    pos: np.ndarray  # int32 author position, -1 unknown (owner links)
    owner: np.ndarray  # bool: an owner link, not an authorship
    ids: np.ndarray  # int64 sorted distinct person ids
    p_starts: np.ndarray  # int64 (n_people + 1) into order
    order: np.ndarray  # int64 entries in (person, owner, paper id, position) order

    @cached_property
    def entry_row(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.starts) - 1), np.diff(self.starts))


def make_people(
    starts: np.ndarray,
    person: np.ndarray,
    pos: np.ndarray,
    owner: np.ndarray,
    paper_ids: np.ndarray,
) -> People:
    entry_paper = np.repeat(paper_ids, np.diff(starts))
    order = np.lexsort((pos, entry_paper, owner, person)).astype(np.int64)
    ids, counts = np.unique(person, return_counts=True)
    p_starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return People(
        starts.astype(np.int64),
        person.astype(np.int64),
        pos.astype(np.int32),
        owner.astype(bool),
        ids.astype(np.int64),
        p_starts,
        order,
    )


@dataclass(frozen=True)
class Snapshot:
    seq: int
    ids: np.ndarray  # int64 paper id per row
    live: np.ndarray  # bool
    years: np.ndarray  # int32, 0 unknown
    n_authors: np.ndarray  # int32, max(stored, authorships, 1)
    lexical: Lexical
    people: People
    dense: dict[str, Dense] = field(default_factory=dict)
    #: Changes applied since the snapshot was last saved (rows added or removed).
    pending: int = 0
    #: Derived arrays computed on first use (bucketed entries, weights per method).
    cache: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    @cached_property
    def n_live(self) -> int:
        return int(self.live.sum())

    @cached_property
    def newest(self) -> int | None:
        y = self.years[self.live]
        y = y[y != 0]
        return int(y.max()) if len(y) else None

    def rows_of(self, paper_ids: Sequence[int]) -> np.ndarray:
        """Live rows of these paper ids (missing ids are skipped)."""
        live_rows = np.flatnonzero(self.live)
        lids = self.ids[live_rows]
        order = np.argsort(lids, kind="stable")
        want = np.asarray(paper_ids, np.int64)
        at = np.searchsorted(lids[order], want)
        ok = at < len(order)
        ok[ok] = lids[order][at[ok]] == want[ok]
        return live_rows[order[at[ok]]]


def empty_snapshot() -> Snapshot:
    z = np.zeros(0, np.int64)
    people = People(
        np.zeros(1, np.int64), z, z.astype(np.int32), z.astype(bool), z, np.zeros(1, np.int64), z
    )
    return Snapshot(
        0, z, z.astype(bool), z.astype(np.int32), z.astype(np.int32), empty_lexical(), people
    )


# -- reading papers from the store -------------------------------------------------------------


@dataclass
class Batch:
    """Papers read from the store: the ones with text, their authorships and owner links."""

    ids: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    n_authors: list[int] = field(default_factory=list)
    #: per paper (in ``ids`` order): [(person id, position or -1, owner link?)]
    entries: list[list[tuple[int, int, bool]]] = field(default_factory=list)


def read_papers(
    store: Store, where: str, params: Sequence[Any] = (), ids: Sequence[int] | None = None
) -> Batch:
    """Papers matching ``where`` (on ``papers``) or with these ``ids``."""

    def q(sql: str, col: str) -> list[dict[str, Any]]:
        if ids is not None:
            return store.query_in(sql + f" WHERE {col} IN ({{marks}})", list(ids))
        return store.query(sql + " WHERE " + where.replace("@", col), params)

    batch = Batch()
    index: dict[int, int] = {}
    for r in q("SELECT id, title, abstract, year, n_authors FROM papers", "id"):
        text = paper_text(r["title"], r["abstract"])
        if text is None:
            continue
        index[r["id"]] = len(batch.ids)
        batch.ids.append(int(r["id"]))
        batch.texts.append(text)
        batch.years.append(int(r["year"] or 0))
        batch.n_authors.append(int(r["n_authors"] or 0))
        batch.entries.append([])
    counts: dict[int, int] = {}
    for r in q("SELECT paper_id, position, person_id FROM authorships", "paper_id"):
        counts[r["paper_id"]] = counts.get(r["paper_id"], 0) + 1
        i = index.get(r["paper_id"])
        if i is not None:
            batch.entries[i].append((int(r["person_id"]), int(r["position"]), False))
    for pid, i in index.items():
        batch.n_authors[i] = max(batch.n_authors[i], counts.get(pid, 0), 1)
    owners = (
        q(
            "SELECT DISTINCT s.paper_id, pr.owner_person_id FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
            "JOIN people pe ON pe.id = pr.owner_person_id",
            "s.paper_id",
        )
        if ids is not None
        else store.query(
            "SELECT DISTINCT s.paper_id, pr.owner_person_id FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
            "JOIN people pe ON pe.id = pr.owner_person_id WHERE "
            + where.replace("@", "s.paper_id"),
            params,
        )
    )
    for r in sorted(owners, key=lambda r: (r["paper_id"], r["owner_person_id"])):
        i = index.get(r["paper_id"])
        person = int(r["owner_person_id"])
        if i is not None and all(p != person for p, _, _ in batch.entries[i]):
            batch.entries[i].append((person, -1, True))
    return batch


def embed(store: Store, encoder: Encoder, texts: list[str]) -> np.ndarray:
    return embed_cached(store, encoder, texts).astype(np.float32)


def cached_vectors(store: Store, model_id: str, dim: int, texts: list[str]) -> np.ndarray | None:
    """Vectors of ``texts`` from the embedding cache, or None when any is missing."""
    hashes = [text_hash(t) for t in texts]
    found = {
        r["text_hash"]: np.frombuffer(r["vector"], dtype=np.float32)
        for r in store.query_in(
            "SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND dim = ? AND text_hash IN ({marks})",
            sorted(set(hashes)),
            (model_id, dim),
        )
    }
    if any(h not in found for h in hashes):
        return None
    return np.asarray([found[h] for h in hashes], np.float32).reshape(len(texts), dim)


def apply_batch(
    snap: Snapshot,
    dead: np.ndarray,
    batch: Batch,
    vectors: dict[str, np.ndarray],
    seq: int,
    *,
    final: bool = True,
) -> Snapshot:
    """A new snapshot: rows ``dead`` removed, the papers of ``batch`` appended (``final``
    False: a build in chunks, derived sums and orders are made once by :func:`compacted`)."""
    n_old = snap.n_rows
    n_rows = n_old + len(batch.ids)
    new_rows = list(range(n_old, n_rows))
    live = np.concatenate([snap.live, np.ones(len(batch.ids), bool)])
    live[dead] = False
    lexical = snap.lexical.with_changes(dead, new_rows, batch.texts, n_rows, sums=final)
    ids = np.concatenate([snap.ids, np.asarray(batch.ids, np.int64)])
    p = snap.people
    keep_entry = np.repeat(live[:n_old], np.diff(p.starts))
    counts = np.diff(p.starts).copy()
    counts[dead] = 0
    new_counts = np.asarray([len(e) for e in batch.entries], np.int64)
    flat = [e for es in batch.entries for e in es]
    starts = np.concatenate([[0], np.cumsum(np.concatenate([counts, new_counts]))])
    person = np.concatenate([p.person[keep_entry], np.asarray([e[0] for e in flat], np.int64)])
    pos = np.concatenate([p.pos[keep_entry], np.asarray([e[1] for e in flat], np.int32)])
    owner = np.concatenate([p.owner[keep_entry], np.asarray([e[2] for e in flat], bool)])
    if final:
        people = make_people(starts, person, pos, owner, ids)
    else:
        z = np.zeros(0, np.int64)
        people = People(starts.astype(np.int64), person, pos, owner, z, np.zeros(1, np.int64), z)
    dense = {m: d.grown(vectors[m]) for m, d in snap.dense.items()}
    return Snapshot(
        seq,
        ids,
        live,
        np.concatenate([snap.years, np.asarray(batch.years, np.int32)]),
        np.concatenate([snap.n_authors, np.asarray(batch.n_authors, np.int32)]),
        lexical,
        people,
        dense,
        snap.pending + len(dead) + len(batch.ids),
    )


def compacted(snap: Snapshot) -> Snapshot:
    """Dead rows dropped, rows renumbered, postings merged (what is saved)."""
    keep = np.flatnonzero(snap.live)
    if (
        len(keep) == snap.n_rows
        and len(snap.people.order) == len(snap.people.person)
        and not snap.lexical.delta.nnz
        and all(not len(d.extra) for d in snap.dense.values())
    ):
        return replace(snap, pending=0)
    p = snap.people
    counts = np.diff(p.starts)[keep]
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    if len(p.order) != len(p.person):  # built in chunks: order made once here
        people = make_people(starts, p.person, p.pos, p.owner, snap.ids[keep])
    else:
        people = replace(
            p, starts=starts
        )  # entries of dead rows are already gone: order stays valid
    dense = {
        m: Dense(m, d.dim, d.rows(keep), np.zeros((0, d.dim), np.float32))
        for m, d in snap.dense.items()
    }
    return Snapshot(
        snap.seq,
        snap.ids[keep],
        np.ones(len(keep), bool),
        snap.years[keep],
        snap.n_authors[keep],
        snap.lexical.compacted(keep),
        people,
        dense,
        0,
    )


# -- disk ----------------------------------------------------------------------------------------


def _safe(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id)


ARRAYS = {
    "ids": lambda s: s.ids,
    "years": lambda s: s.years,
    "n_authors": lambda s: s.n_authors,
    "lex_indptr": lambda s: s.lexical.base.indptr,
    "lex_indices": lambda s: s.lexical.base.indices,
    "lex_data": lambda s: s.lexical.base.data,
    "lex_df": lambda s: s.lexical.df,
    "lex_sums": lambda s: np.stack([s.lexical.s0, s.lexical.s1, s.lexical.s2]),
    "pp_starts": lambda s: s.people.starts,
    "pp_person": lambda s: s.people.person,
    "pp_pos": lambda s: s.people.pos,
    "pp_owner": lambda s: s.people.owner,
    "pp_ids": lambda s: s.people.ids,
    "pp_p_starts": lambda s: s.people.p_starts,
    "pp_order": lambda s: s.people.order,
}


def save(snap: Snapshot, folder: Path, extra_meta: dict[str, Any]) -> None:
    """Write a compacted snapshot as a new generation, then switch ``meta.json`` to it."""
    assert snap.pending == 0 and bool(snap.live.all())
    folder.mkdir(parents=True, exist_ok=True)
    old = load_meta(folder)
    gen = int(old.get("generation", 0)) + 1 if old else 1
    for name, get in ARRAYS.items():
        np.save(folder / f"{name}.{gen}.npy", np.ascontiguousarray(get(snap)))
    vocab = sorted(snap.lexical.vocab, key=snap.lexical.vocab.__getitem__)
    (folder / f"vocab.{gen}.json").write_text(json.dumps(vocab))
    models = {}
    for m, d in snap.dense.items():
        name = f"dense-{_safe(m)}.{gen}.f32"
        np.ascontiguousarray(d.base, np.float32).tofile(folder / name)
        models[m] = {"file": name, "dim": d.dim}
        if d.half is not None:
            half = f"dense-{_safe(m)}.{gen}.f16"
            np.ascontiguousarray(d.half.codes).tofile(folder / half)
            models[m]["half"] = {"file": half, "err": d.half.err, "norm": d.half.norm}
    meta = {
        "format": FORMAT,
        "generation": gen,
        "seq": snap.seq,
        "rows": snap.n_rows,
        "n": snap.lexical.n,
        "terms": len(vocab),
        "models": models,
        **extra_meta,
    }
    tmp = folder / f"meta.json.{os.getpid()}"
    tmp.write_text(json.dumps(meta, indent=1))
    os.replace(tmp, folder / "meta.json")
    for f in folder.iterdir():  # earlier generations (open maps of them stay valid)
        parts = f.name.split(".")
        if (
            f.name != "meta.json"
            and len(parts) >= 3
            and parts[-2].isdigit()
            and int(parts[-2]) != gen
        ):
            f.unlink(missing_ok=True)


def load_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else {}


def load(folder: Path, meta: dict[str, Any]) -> Snapshot:
    gen = meta["generation"]

    def arr(name: str, mmap: bool = False) -> np.ndarray:
        return np.load(folder / f"{name}.{gen}.npy", mmap_mode="r" if mmap else None)

    vocab_list = json.loads((folder / f"vocab.{gen}.json").read_text())
    vocab = {t: i for i, t in enumerate(vocab_list)}
    n_rows = int(meta["rows"])
    base = sp.csr_matrix(
        (arr("lex_data", True), arr("lex_indices", True), arr("lex_indptr")),
        shape=(len(vocab), n_rows),
    )
    sums = arr("lex_sums")
    lexical = Lexical(
        vocab,
        base,
        sp.csr_matrix((len(vocab), n_rows), dtype=np.float32),
        arr("lex_df"),
        int(meta["n"]),
        sums[0],
        sums[1],
        sums[2],
    )
    people = People(
        arr("pp_starts"),
        arr("pp_person"),
        arr("pp_pos"),
        arr("pp_owner"),
        arr("pp_ids"),
        arr("pp_p_starts"),
        arr("pp_order"),
    )
    dense = {}
    for m, info in meta.get("models", {}).items():
        path = folder / info["file"]
        dim = int(info["dim"])
        base_v = (
            np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, dim))
            if n_rows
            else np.zeros((0, dim), np.float32)
        )
        half = info.get("half")
        saved = None
        if n_rows and isinstance(half, dict) and (folder / str(half.get("file"))).is_file():
            codes = np.memmap(
                folder / half["file"], dtype=np.float16, mode="r", shape=(n_rows, dim)
            )
            saved = Half(codes, float(half["err"]), float(half["norm"]))
        dense[m] = Dense(m, dim, base_v, np.zeros((0, dim), np.float32), saved)
    ids = arr("ids")
    return Snapshot(
        int(meta["seq"]),
        ids,
        np.ones(len(ids), bool),
        arr("years"),
        arr("n_authors"),
        lexical,
        people,
        dense,
        0,
    )
