"""Topics of a person's work and their weight over time.

TF-IDF (words and bigrams, English stop words dropped, idf from every stored paper so that
"language model" in an NLP-only knowledge base weighs little) over the person's titles and
abstracts, factorised with scikit-learn NMF into a few topics; each topic is labelled by its
top terms. A topic's weight is its share of the person's work; ``by_year`` is its share of
each year's papers. Deterministic (fixed seed, ``nndsvda`` initialisation).
"""

from __future__ import annotations

import math
import threading
import warnings
from typing import Any

import numpy as np

from .stores import Store

#: Topics never exceed this many; small outputs get fewer (about sqrt(papers / 2)).
MAX_TOPICS = 8
#: Topics below this share of the work are dropped.
MIN_WEIGHT = 0.03
LABEL_TERMS = 3

def _doc(title: str | None, abstract: str | None) -> str:
    return " ".join(t for t in (title, title, abstract) if t)  # the title counts twice


class CorpusVectorizer:
    """A TF-IDF vectoriser fitted on every stored paper, refitted when papers change.

    Owned by one :class:`~scholarlens.kb.KnowledgeBase` (no module-level cache); thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._vec: Any = None

    def get(self, store: Store) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        row = store.one("SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS m FROM papers")
        stamp = (int(row["n"]), int(row["m"])) if row else (0, 0)
        with self._lock:
            if self._vec is not None and self._stamp == stamp:
                return self._vec
        docs = [_doc(r["title"], r["abstract"]) for r in store.query("SELECT title, abstract FROM papers ORDER BY id")]
        docs = [d for d in docs if d.strip()]
        vec = TfidfVectorizer(
            stop_words="english",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=1,
            max_df=0.5 if len(docs) >= 20 else 1.0,
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9\-]{2,}\b",
        )
        if docs:
            vec.fit(docs)
        with self._lock:
            self._stamp, self._vec = stamp, vec
        return vec


def _label(weights: np.ndarray, terms: np.ndarray) -> str:
    chosen: list[str] = []
    for i in np.argsort(-weights):
        if weights[i] <= 0:
            break
        term = str(terms[i])
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == LABEL_TERMS:
            break
    return ", ".join(chosen)


def topics_of(store: Store, docs: list[tuple[str | None, str | None, int | None]], vectorizer: CorpusVectorizer | None = None) -> list[dict[str, Any]]:
    """Topics of ``(title, abstract, year)`` documents: ``[{"label", "weight", "terms", "by_year"}]``."""
    docs = [d for d in docs if (d[0] or d[1])]
    if not docs:
        return []
    vec = (vectorizer or CorpusVectorizer()).get(store)
    if not hasattr(vec, "vocabulary_"):
        return []
    x = vec.transform([_doc(t, a) for t, a, _ in docs])
    if x.nnz == 0:
        return []
    terms = vec.get_feature_names_out()
    k = max(1, min(MAX_TOPICS, round(math.sqrt(len(docs) / 2)), x.shape[1]))
    if k == 1:
        w = np.ones((len(docs), 1))
        h = np.asarray(x.sum(axis=0))
    else:
        from sklearn.decomposition import NMF

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on tiny inputs
            model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=500)
            w = model.fit_transform(x)
            h = model.components_
    total = float(w.sum()) or 1.0
    years = sorted({y for _, _, y in docs if y})
    out: list[dict[str, Any]] = []
    for t in range(w.shape[1]):
        weight = float(w[:, t].sum()) / total
        if weight < MIN_WEIGHT:
            continue
        by_year = {}
        for y in years:
            rows = [i for i, d in enumerate(docs) if d[2] == y]
            year_total = float(w[rows].sum())
            by_year[str(y)] = round(float(w[rows, t].sum()) / year_total, 3) if year_total else 0.0
        top = [str(terms[i]) for i in np.argsort(-h[t])[:8] if h[t][i] > 0]
        out.append({"label": _label(h[t], terms), "weight": round(weight, 3), "terms": top, "by_year": by_year})
    out.sort(key=lambda d: -d["weight"])
    return out


def person_topics(store: Store, person_id: int, vectorizer: CorpusVectorizer | None = None) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT title, abstract, year FROM papers WHERE id IN (SELECT paper_id FROM authorships WHERE person_id = ?) ORDER BY id",
        (person_id,),
    )
    return topics_of(store, [(r["title"], r["abstract"], r["year"]) for r in rows], vectorizer)


__all__ = ["CorpusVectorizer", "person_topics", "topics_of"]
