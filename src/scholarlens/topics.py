"""Topics of a person's work and their weight over time.

TF-IDF (words and bigrams; English stop words and the boilerplate of scientific writing and
of report titles dropped — "propose", "results", "system card", "technical report"; idf from
every stored paper so that "language model" in an NLP-only knowledge base weighs little) over
the person's titles and abstracts, factorised with scikit-learn NMF into a few topics; each
topic is labelled by its top terms. Papers with many authors count less, as in expertise
(√(20 / authors) above 20 authors), so a 400-author system card does not name a person's
research. A topic's weight is its share of the person's (weighted) work; ``by_year`` is its
share of each year's papers, given only when enough dated papers support a trend
(:data:`MIN_DATED` papers over :data:`MIN_YEARS` years). Deterministic (fixed seed,
``nndsvda`` initialisation).
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from .stores import Store

#: Topics never exceed this many; small outputs get fewer (about sqrt(papers / 2)).
MAX_TOPICS = 8
#: Topics below this share of the work are dropped.
MIN_WEIGHT = 0.03
LABEL_TERMS = 3
#: Papers with more authors than this weigh √(TEAM / authors) (the expertise default).
TEAM = 20
#: Topics over time need at least this many dated papers spanning this many years.
MIN_DATED = 6
MIN_YEARS = 3
#: Words of scientific and report boilerplate that never name a research area.
BOILERPLATE = frozenset(
    """
    abstract paper papers propose proposed proposes present presents presented show shows shown
    demonstrate demonstrates result results approach approaches method methods novel new work
    works study studies using use used based achieve achieves state art state-of-the-art
    performance perform performs significantly significant improve improves improved improvement
    task tasks experiments experimental evaluate evaluation existing prior recent recently
    introduce introduces introduced card cards system report technical preprint arxiv version
    findings finding describe describes describing including include includes various wide
    """.split()
)

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
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        vec = TfidfVectorizer(
            stop_words=sorted(ENGLISH_STOP_WORDS | BOILERPLATE),
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


def _terms(vec: Any) -> np.ndarray:
    """The fitted vectoriser's terms, made once per fit (a sorted list of every corpus term:
    ~1 s per call at 10^5 papers, which every person page paid)."""
    terms = getattr(vec, "_scholarlens_terms", None)
    if terms is None:
        terms = vec._scholarlens_terms = vec.get_feature_names_out()
    return terms


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


def team_weight(n_authors: int | None) -> float:
    """How much one paper says about one of its authors: 1, or √(TEAM / n) for big teams."""
    n = int(n_authors or 1)
    return 1.0 if n <= TEAM else math.sqrt(TEAM / n)


def trend_supported(years: list[int | None]) -> bool:
    """Whether ``years`` (one per paper, None when undated) can carry a topic trend."""
    dated = [y for y in years if y]
    return len(dated) >= MIN_DATED and len(set(dated)) >= MIN_YEARS


def _factorise(x: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    if k == 1:
        return np.ones((x.shape[0], 1)), np.asarray(x.sum(axis=0))
    from sklearn.decomposition import NMF

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny inputs
        model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=500)
        return model.fit_transform(x), model.components_


def _by_year(w: np.ndarray, t: int, years: list[int | None]) -> dict[str, float]:
    out = {}
    for y in sorted({y for y in years if y}):
        rows = [i for i, yy in enumerate(years) if yy == y]
        year_total = float(w[rows].sum())
        out[str(y)] = round(float(w[rows, t].sum()) / year_total, 3) if year_total else 0.0
    return out


def topics_of(
    store: Store,
    docs: Sequence[tuple[Any, ...]],
    vectorizer: CorpusVectorizer | None = None,
) -> list[dict[str, Any]]:
    """Topics of ``(title, abstract, year[, n_authors])`` documents:
    ``[{"label", "weight", "terms", "by_year"}]`` (``by_year`` empty without a trend)."""
    docs = [d for d in docs if (d[0] or d[1])]
    if not docs:
        return []
    vec = (vectorizer or CorpusVectorizer()).get(store)
    if not hasattr(vec, "vocabulary_"):
        return []
    weights = np.array([team_weight(d[3] if len(d) > 3 else None) for d in docs])
    x = vec.transform([_doc(d[0], d[1]) for d in docs]).multiply(weights[:, None]).tocsr()
    if x.nnz == 0:
        return []
    terms = _terms(vec)
    k = max(1, min(MAX_TOPICS, round(math.sqrt(len(docs) / 2)), x.shape[1]))
    w, h = _factorise(x, k)
    total = float(w.sum()) or 1.0
    years = [d[2] for d in docs]
    trend = trend_supported(years)
    out: list[dict[str, Any]] = []
    for t in range(w.shape[1]):
        weight = float(w[:, t].sum()) / total
        if weight < MIN_WEIGHT:
            continue
        top = [str(terms[i]) for i in np.argsort(-h[t])[:8] if h[t][i] > 0]
        by_year = _by_year(w, t, years) if trend else {}
        out.append({"label": _label(h[t], terms), "weight": round(weight, 3), "terms": top, "by_year": by_year})
    out.sort(key=lambda d: -d["weight"])
    return out


def person_topics(store: Store, person_id: int, vectorizer: CorpusVectorizer | None = None) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT title, abstract, year, n_authors FROM papers WHERE id IN "
        "(SELECT paper_id FROM authorships WHERE person_id = ?) ORDER BY id",
        (person_id,),
    )
    return topics_of(store, [(r["title"], r["abstract"], r["year"], r["n_authors"]) for r in rows], vectorizer)


__all__ = ["CorpusVectorizer", "person_topics", "team_weight", "topics_of", "trend_supported"]
