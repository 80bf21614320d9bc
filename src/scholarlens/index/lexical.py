"""Exact TF-IDF cosine from persistent postings, without refitting per query.

Today's lexical similarity (:class:`~scholarlens.index.basic.LexicalIndex`) fits scikit-learn's
``TfidfVectorizer(sublinear_tf=True, stop_words="english")`` on the indexed papers *plus the
query texts*, so the query changes the document frequencies (``n + Q`` documents, each query
term one more) and with them every paper's norm. This module gives the same numbers from
postings kept between queries:

* term × row postings (CSR), data ``s = 1 + ln count`` — the sublinear term frequency;
* ``df`` (live rows containing each term) and ``n`` (live rows);
* per row ``S0 = Σ s²``, ``S1 = Σ s² L``, ``S2 = Σ s² L²`` with ``L = ln(df + 1)``.

With ``A = ln(n + Q + 1) + 1`` and ``L'`` the log document frequency counting the queries,
``idf' = A − L'`` and ``‖row‖² = A²·S0 − 2A·S1' + S2'`` where ``S1'``/``S2'`` differ from
``S1``/``S2`` only on the postings of the query terms. So a query costs the postings of its
own terms, and the scores equal scikit-learn's (float32 there, float64 here: ≤ 1e-6 apart).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

#: Postings summed per pass when row sums are recomputed (bounds temporary memory).
CHUNK = 4_000_000


@lru_cache(maxsize=1)
def analyzer() -> Any:
    """scikit-learn's word analyzer as TfidfVectorizer uses it (lowercase, 2+ chars, English stop words)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(stop_words="english").build_analyzer()


def empty_postings(n_terms: int, n_rows: int) -> sp.csr_matrix:
    return sp.csr_matrix((n_terms, n_rows), dtype=np.float32)


@dataclass(frozen=True)
class Lexical:
    """An immutable snapshot of the postings (a refresh builds a new one)."""

    vocab: dict[str, int]
    #: terms × rows, ``1 + ln count``; ``base`` is compacted, ``delta`` holds rows added since.
    base: sp.csr_matrix
    delta: sp.csr_matrix
    df: np.ndarray  # int64 (n_terms,)
    n: int
    s0: np.ndarray  # float64 (n_rows,)
    s1: np.ndarray
    s2: np.ndarray

    @property
    def n_rows(self) -> int:
        return int(self.s0.shape[0])

    # -- queries ---------------------------------------------------------------------------
    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, s) of one term, base and delta together."""
        parts_r, parts_s = [], []
        for m in (self.base, self.delta):
            if term < m.shape[0]:
                a, b = m.indptr[term], m.indptr[term + 1]
                if b > a:
                    parts_r.append(np.asarray(m.indices[a:b]))
                    parts_s.append(np.asarray(m.data[a:b]))
        if not parts_r:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(parts_r), np.concatenate(parts_s)

    def scores(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """TF-IDF cosine of ``text`` (fitted with it, as LexicalIndex does) to every row that
        shares a term with it, as ``(rows, scores)``; every other row scores 0."""
        counts: dict[str, int] = {}
        for tok in analyzer()(text):
            counts[tok] = counts.get(tok, 0) + 1
        if not counts or self.n == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        a = np.log(self.n + 2) + 1.0
        terms, c = [], []
        q_norm2 = 0.0
        for tok, k in counts.items():
            t = self.vocab.get(tok)
            df = int(self.df[t]) if t is not None and t < len(self.df) else 0
            w = (1.0 + np.log(k)) * (a - np.log(df + 2.0))
            q_norm2 += w * w
            if df:
                terms.append(t)
                c.append(k)
        if not terms:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        t_arr = np.asarray(terms, np.int64)
        dfs = self.df[t_arr].astype(np.float64)
        l0, l1 = np.log(dfs + 1.0), np.log(dfs + 2.0)
        idf = a - l1
        wq = (1.0 + np.log(np.asarray(c, np.float64))) * idf * idf
        num = np.zeros(self.n_rows, np.float64)
        d12 = np.zeros((self.n_rows, 2), np.float64)
        dl = np.stack([l1 - l0, l1 * l1 - l0 * l0], axis=1)
        for m in (self.base, self.delta):
            inside = t_arr < m.shape[0]
            if not m.nnz or not inside.any():
                continue
            sub = m[t_arr[inside]]  # query terms' postings (CSR row selection, in C)
            num += sub.T @ wq[inside]
            data = np.asarray(sub.data, np.float64)
            sq = sp.csr_matrix((data * data, sub.indices, sub.indptr), shape=sub.shape)
            d12 += sq.T @ dl[inside]
        d1, d2 = d12[:, 0], d12[:, 1]
        rows = np.flatnonzero(num)
        norm2 = (
            a * a * self.s0[rows] - 2 * a * (self.s1[rows] + d1[rows]) + self.s2[rows] + d2[rows]
        )
        out = num[rows] / (np.sqrt(np.maximum(norm2, 1e-300)) * np.sqrt(q_norm2))
        return rows, out

    # -- changes ---------------------------------------------------------------------------
    def with_changes(
        self,
        dead_rows: np.ndarray,
        new_rows: Sequence[int],
        new_texts: Sequence[str],
        n_rows: int,
        *,
        sums: bool = True,
    ) -> Lexical:
        """A new snapshot: ``dead_rows`` (still live here) removed, ``new_texts`` added as
        ``new_rows``, the row space grown to ``n_rows``."""
        vocab = dict(self.vocab)
        df = self.df.copy()
        # Removed rows: find their postings (one vectorised pass) and take them out of df.
        dead_mask = np.zeros(n_rows, bool)
        dead_mask[dead_rows] = True
        for m in (self.base, self.delta):
            if len(dead_rows) and m.nnz:
                pos = np.flatnonzero(dead_mask[m.indices])
                terms = np.searchsorted(m.indptr, pos, side="right") - 1
                df[: m.shape[0]] -= np.bincount(terms, minlength=m.shape[0])
        # Added rows: count terms with the same analyzer.
        an = analyzer()
        r_idx: list[int] = []
        t_idx: list[int] = []
        cnt: list[int] = []
        for row, text in zip(new_rows, new_texts, strict=True):
            counts: dict[int, int] = {}
            for tok in an(text):
                t = vocab.setdefault(tok, len(vocab))
                counts[t] = counts.get(t, 0) + 1
            r_idx.extend([row] * len(counts))
            t_idx.extend(counts)
            cnt.extend(counts.values())
        n_terms = len(vocab)
        if n_terms > len(df):
            df = np.concatenate([df, np.zeros(n_terms - len(df), np.int64)])
        added = sp.csr_matrix(
            (
                1.0 + np.log(np.asarray(cnt, np.float32)),
                (np.asarray(t_idx, np.int64), np.asarray(r_idx, np.int64)),
            ),
            shape=(n_terms, n_rows),
            dtype=np.float32,
        )
        df += np.diff(added.indptr)
        old_delta = self.delta
        old_delta = sp.csr_matrix(
            (old_delta.data, old_delta.indices, old_delta.indptr), shape=old_delta.shape
        )
        old_delta.resize((n_terms, n_rows))
        delta = (old_delta + added).tocsr()
        base = self.base
        if base.shape[1] != n_rows:
            base = sp.csr_matrix(
                (base.data, base.indices, base.indptr), shape=(base.shape[0], n_rows)
            )
        n = self.n - len(dead_rows) + len(new_rows)
        if sums:
            s0, s1, s2 = _row_sums(base, delta, df, n_rows)
        else:  # a build in chunks: summed once at the end (compacted)
            s0 = s1 = s2 = np.zeros(n_rows, np.float64)
        return replace(self, vocab=vocab, base=base, delta=delta, df=df, n=n, s0=s0, s1=s1, s2=s2)

    def compacted(self, keep: np.ndarray) -> Lexical:
        """Base and delta merged, only the rows ``keep`` (ascending), renumbered 0..len-1."""
        n_terms = len(self.vocab)
        base = sp.csr_matrix(
            (self.base.data, self.base.indices, self.base.indptr), shape=self.base.shape
        )
        base.resize((n_terms, self.n_rows))
        merged = (base + self.delta).tocsc()[:, keep].tocsr()
        merged.sort_indices()
        merged.indices = merged.indices.astype(np.int32)
        s0, s1, s2 = _row_sums(merged, empty_postings(n_terms, len(keep)), self.df, len(keep))
        return replace(
            self, base=merged, delta=empty_postings(n_terms, len(keep)), s0=s0, s1=s1, s2=s2
        )


def _row_sums(
    base: sp.csr_matrix, delta: sp.csr_matrix, df: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row Σ s², Σ s² ln(df+1), Σ s² ln(df+1)² (dead rows sum to 0: they have no
    postings once compacted, and are never candidates before)."""
    s0 = np.zeros(n_rows, np.float64)
    s1 = np.zeros(n_rows, np.float64)
    s2 = np.zeros(n_rows, np.float64)
    log_df = np.log(df.astype(np.float64) + 1.0)
    for m in (base, delta):
        indptr = np.asarray(m.indptr)
        t0 = 0
        while t0 < m.shape[0]:  # chunks of ~4M postings bound the temporaries
            t1 = int(np.searchsorted(indptr, indptr[t0] + CHUNK, side="right"))
            t1 = max(t1 - 1, t0 + 1)
            a, b = int(indptr[t0]), int(indptr[t1])
            if b > a:
                sq = np.asarray(m.data[a:b], np.float64) ** 2
                ld = np.repeat(log_df[t0:t1], np.diff(indptr[t0 : t1 + 1]))
                rows = np.asarray(m.indices[a:b])
                s0 += np.bincount(rows, weights=sq, minlength=n_rows)
                sq *= ld
                s1 += np.bincount(rows, weights=sq, minlength=n_rows)
                sq *= ld
                s2 += np.bincount(rows, weights=sq, minlength=n_rows)
            t0 = t1
    return s0, s1, s2


def empty_lexical() -> Lexical:
    z = np.zeros(0, np.float64)
    return Lexical(
        {}, empty_postings(0, 0), empty_postings(0, 0), np.zeros(0, np.int64), 0, z, z, z
    )
