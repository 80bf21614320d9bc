"""Indexes over paper texts: dense (embeddings, exact numpy) and lexical (TF-IDF, BM25).

Both answer the same question — how similar is each query text to each indexed paper — as a
dense ``(n_queries, n_papers)`` matrix, because every expertise score aggregates over *all*
of a person's papers, not only the nearest few. Exact numpy search is fast enough here
(~3 ms/query at 200k vectors, see STACK.md); :meth:`VectorIndex.search` gives the top k.

* :class:`DenseIndex` — cosine of unit vectors from any :class:`~scholarlens.embeddings.Encoder`.
* :class:`LexicalIndex` — scikit-learn TF-IDF (sublinear tf, English stop words) cosine, or
  Okapi BM25 computed on the same tokenisation; fitted on the indexed papers plus the
  queries, so rare query words still count.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import QueryError


class VectorIndex(ABC):
    """Similarity of query texts to indexed papers."""

    ids: list[int]

    @abstractmethod
    def similarities(self, queries: Sequence[str]) -> np.ndarray:
        """``(len(queries), len(self.ids))`` float32 similarities (higher = closer)."""

    def search(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` most similar papers as ``(id, similarity)``, best first."""
        if not self.ids:
            return []
        sims = self.similarities([query])[0]
        k = min(k, len(sims))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[i], float(sims[i])) for i in top]

    def __len__(self) -> int:
        return len(self.ids)


class DenseIndex(VectorIndex):
    """Exact cosine search over unit vectors (a dot product)."""

    def __init__(self, ids: Sequence[int], vectors: np.ndarray, query_encoder=None) -> None:  # type: ignore[no-untyped-def]
        if len(ids) != len(vectors):
            raise ValueError("one vector per id")
        self.ids = list(ids)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.encoder = query_encoder

    def similarities_to(self, query_vectors: np.ndarray) -> np.ndarray:
        return np.asarray(query_vectors, dtype=np.float32) @ self.vectors.T

    def similarities(self, queries: Sequence[str]) -> np.ndarray:
        if self.encoder is None:
            raise ValueError("this DenseIndex has no encoder for query texts; use similarities_to")
        return self.similarities_to(self.encoder.encode(list(queries)))


class LexicalIndex(VectorIndex):
    """TF-IDF cosine or Okapi BM25 over title + abstract, on scikit-learn's tokeniser.

    The vocabulary and document frequencies are fitted once, on the papers plus ``extra``
    texts (pass the queries when they are known up front, so rare query words count).
    """

    KINDS = ("tfidf", "bm25")

    def __init__(
        self,
        ids: Sequence[int],
        texts: Sequence[str],
        kind: str = "tfidf",
        *,
        extra: Sequence[str] = (),
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

        if kind not in self.KINDS:
            raise ValueError(
                f"unknown lexical index kind {kind!r}; choose from {', '.join(self.KINDS)}"
            )
        self.ids = list(ids)
        self.kind = kind
        corpus = list(texts) + list(extra)
        self._vec: Any = None
        self._docs: Any = None
        if not self.ids:
            return
        vec = (
            TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float32)
            if kind == "tfidf"
            else CountVectorizer(stop_words="english", dtype=np.float32)
        )
        try:
            vec.fit(corpus)
        except ValueError as exc:  # every text empty or stop words only
            if "empty vocabulary" not in str(exc):
                raise
            return
        self._vec = vec
        docs = vec.transform(list(texts))
        if kind == "bm25":
            docs = self._bm25_weights(docs.tocoo(), k1, b)
        self._docs = docs.T.tocsr()

    @staticmethod
    def _bm25_weights(d: Any, k1: float, b: float) -> Any:
        import scipy.sparse as sp

        n = d.shape[0]
        df = np.bincount(d.col, minlength=d.shape[1])
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        doc_len = np.bincount(d.row, weights=d.data, minlength=n)
        avg = float(doc_len.mean()) or 1.0
        tf = d.data
        w = tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len[d.row] / avg)) * idf[d.col]
        return sp.csr_matrix((w.astype(np.float32), (d.row, d.col)), shape=d.shape)

    def similarities(self, queries: Sequence[str]) -> np.ndarray:
        queries = list(queries)
        if self._vec is None or not queries:
            return np.zeros((len(queries), len(self.ids)), dtype=np.float32)
        q = self._vec.transform(queries)
        if self.kind == "bm25":
            q = q.tocsr()
            q.data[:] = 1.0
        return np.asarray((q @ self._docs).toarray(), dtype=np.float32)


def check_query(text: str, *, max_chars: int = 20_000) -> str:
    """Strip a query; refuse empty ones and ones longer than ``max_chars`` with a QueryError."""
    text = (text or "").strip()
    if not text:
        raise QueryError("the query is empty: give a topic, or a title and abstract")
    if len(text) > max_chars:
        raise QueryError(
            f"the query is {len(text):,} characters long (limit {max_chars:,}); give a title and abstract, not a full paper"
        )
    return text
