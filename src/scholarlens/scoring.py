"""Scoring: how a researcher's per-paper similarities to a text become one score (affinity).

A :class:`Method` says (1) how one paper's similarity is computed — ``dense`` × cosine of the
embeddings + ``lexical`` × TF-IDF cosine — and (2) how a person's papers are aggregated:

* ``max``        the single most similar paper (what openreview-expertise does);
* ``topk``       mean of the ``k`` most similar papers; a person with fewer than ``k``
                 usable papers is averaged over ``k`` anyway (missing papers count 0), so
                 thin evidence scores lower;
* ``mean``       every paper;
* ``softmax``    log-mean-exp with temperature ``temperature`` (between mean and max);
* ``decay``      rank-discounted sum: the j-th most similar paper (j = 0, 1, ...) counts
                 ``(1 - decay) * decay**j`` (``decay`` 0 is max; missing papers count 0).

Paper weights multiply a paper's similarity before aggregation:

* ``team``       papers with more than ``team`` authors count ``sqrt(team / n_authors)``
                 (a 400-author system card says little about any one author);
* ``authors``    ``1 / (1 + authors * ln n_authors)`` for every paper (a stronger discount);
* ``recency``    half-life in years, counted back from the newest paper in the pool;
* ``position``   middle authors (not first, not last) of papers with 3+ authors count
                 ``1 - position``.

Methods were compared by cross-validation by researcher on the reviewer-expertise gold
standard (``benchmarks/goldstandard.py --cv``; table and intervals in benchmarks/goldstandard.md).
No method, and no procedure that picks the best method on training researchers, beats ``top3``
(mean of the 3 most similar papers, dense cosine only) by more than its bootstrap interval:
``top3`` scores 0.196 (95 % interval 0.148-0.257), ``hybrid-top5`` (dense + 0.5 × TF-IDF, top 5)
0.169 (0.130-0.220, paired difference -0.026, interval -0.062 … +0.002). The simplest method is
the default (:data:`DEFAULT_METHOD`): on the held-out researchers the team could not see, the
methods that average more papers did worse, and nothing here earns its extra knobs.
:mod:`scholarlens.calibration` turns a named method's score into P(expertise ≥ 3) and a
strength label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from .errors import QueryError

AGGREGATIONS = ("max", "topk", "mean", "softmax", "decay")


@dataclass(frozen=True)
class Method:
    """Similarity and aggregation settings (see the module docstring)."""

    name: str = "hybrid-top5"
    dense: float = 1.0
    lexical: float = 0.5
    agg: str = "topk"
    k: int = 5
    temperature: float = 0.1
    decay: float = 0.5
    team: int = 20
    authors: float = 0.0
    recency: float = 0.0
    position: float = 0.0

    def describe(self) -> str:
        """One sentence: how a score is put together."""
        parts = [
            f"{w:g} × {what}" if w != 1 else what
            for w, what in ((self.dense, "dense cosine"), (self.lexical, "TF-IDF cosine"))
            if w
        ]
        sim = "(" + " + ".join(parts) + ")" if len(parts) > 1 else parts[0] if parts else "0"
        if self.agg == "max":
            how = f"the highest {sim} over the person's papers"
        elif self.agg == "topk":
            how = f"the mean of the {self.k} highest {sim} values over the person's papers (missing papers count 0)"
        elif self.agg == "mean":
            how = f"the mean {sim} over all the person's papers"
        elif self.agg == "decay":
            how = f"a rank-discounted sum of {sim} over the person's papers, best first, the j-th counting {1 - self.decay:g}·{self.decay:g}^j"
        else:
            how = f"a soft maximum (log-mean-exp, temperature {self.temperature:g}) of {sim} over the person's papers"
        weights = []
        if self.team:
            weights.append(
                f"papers with more than {self.team} authors count sqrt({self.team}/authors)"
            )
        if self.authors:
            weights.append(f"each paper counts 1/(1 + {self.authors:g}·ln authors)")
        if self.recency:
            weights.append(
                f"a paper's weight halves every {self.recency:g} years back from the newest paper"
            )
        if self.position:
            weights.append(f"middle-author papers count {1 - self.position:g}")
        text = f"Method {self.name}: score = {how}"
        if weights:
            text += "; " + "; ".join(weights)
        return text + "."


#: Named methods (``default`` = :data:`DEFAULT_METHOD`; see the module docstring).
METHODS: dict[str, Method] = {
    "top3": Method(name="top3", lexical=0.0, k=3),
    "hybrid-top5": Method(),
    "max": Method(name="max", lexical=0.0, agg="max", team=0),
    "top5": Method(name="top5", lexical=0.0),
    "mean": Method(name="mean", agg="mean"),
    "softmax": Method(name="softmax", agg="softmax"),
    "lexical": Method(name="lexical", dense=0.0, lexical=1.0),
    "authors": Method(name="authors", team=0, authors=0.5),
    "recency": Method(name="recency", recency=5.0),
    "position": Method(name="position", position=0.5),
}
DEFAULT_METHOD = "top3"


def get_method(spec: str | Method | None = None) -> Method:
    """A :class:`Method` from a name (``max``, ``top5``...) with optional overrides:
    ``"hybrid-top5,k=3,lexical=0"``. ``None`` gives the default."""
    if isinstance(spec, Method):
        return spec
    spec = (spec or DEFAULT_METHOD).strip()
    name, *overrides = [part.strip() for part in spec.split(",")]
    if name == "default":
        name = DEFAULT_METHOD
    if name not in METHODS:
        raise QueryError(
            f"unknown method {name!r}; choose from {', '.join(METHODS)} (with optional ,key=value overrides)"
        )
    method = METHODS[name]
    types = {f.name: f.type for f in fields(Method)}
    changes: dict[str, object] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in types or key == "name":
            raise QueryError(
                f"bad method override {item!r}; use key=value with key in {', '.join(k for k in types if k != 'name')}"
            )
        try:
            changes[key] = (
                value.strip()
                if key == "agg"
                else (int(value) if types[key] == "int" else float(value))
            )
        except ValueError as exc:
            raise QueryError(f"bad value in method override {item!r}") from exc
    if changes:
        method = replace(method, name=spec, **changes)  # type: ignore[arg-type]
    if method.agg not in AGGREGATIONS:
        raise QueryError(
            f"unknown aggregation {method.agg!r}; choose from {', '.join(AGGREGATIONS)}"
        )
    if method.k < 1:
        raise QueryError("k must be at least 1")
    if not 0 <= method.decay < 1:
        raise QueryError("decay must be at least 0 and below 1")
    return method


def paper_weights(
    method: Method,
    n_authors: Sequence[int],
    years: Sequence[int | None],
    positions: Sequence[int | None],
    newest_year: int | None,
) -> np.ndarray:
    """Weight of each of one person's papers (1 = full evidence)."""
    w = np.ones(len(n_authors), dtype=np.float32)
    for i, n in enumerate(n_authors):
        n = max(1, int(n or 1))
        if method.team and n > method.team:
            w[i] *= math.sqrt(method.team / n)
        if method.authors:
            w[i] /= 1 + method.authors * math.log(n)
        if method.recency and newest_year and years[i]:
            w[i] *= 0.5 ** (max(0, newest_year - int(years[i])) / method.recency)  # type: ignore[arg-type]
        pos = positions[i]
        if method.position and pos is not None and n >= 3 and 0 < pos < n - 1:
            w[i] *= 1 - method.position
    return w


def aggregate(
    sims: np.ndarray, weights: np.ndarray, method: Method
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of one person for many queries.

    ``sims`` is ``(n_queries, n_papers)``, ``weights`` ``(n_papers,)``. Returns ``scores``
    ``(n_queries,)`` and ``contrib`` ``(n_queries, n_papers)``: how much each paper's
    similarity counts in the score, so that for the linear aggregations
    ``score == (contrib * sims).sum(1)``.
    """
    n_q, n_p = sims.shape
    if n_p == 0:
        return np.zeros(n_q, dtype=np.float32), np.zeros((n_q, 0), dtype=np.float32)
    adj = sims * weights[None, :]
    contrib = np.zeros_like(adj)
    rows = np.arange(n_q)
    if method.agg == "max":
        best = adj.argmax(1)
        contrib[rows, best] = weights[best]
        return adj[rows, best], contrib
    if method.agg == "mean":
        contrib[:] = weights[None, :] / n_p
        return adj.mean(1), contrib
    if method.agg == "softmax":
        t = method.temperature
        m = adj.max(1, keepdims=True)
        e = np.exp((adj - m) / t)
        scores = (m[:, 0] + t * np.log(e.mean(1))).astype(np.float32)
        contrib[:] = (e / e.sum(1, keepdims=True)) * weights[None, :]
        return scores, contrib
    if method.agg == "decay":
        order = np.argsort(-adj, axis=1, kind="stable")
        rank_w = ((1 - method.decay) * method.decay ** np.arange(n_p)).astype(np.float32)
        contrib[rows[:, None], order] = rank_w[None, :] * weights[order]
        return (np.take_along_axis(adj, order, 1) * rank_w[None, :]).sum(1), contrib
    k = method.k
    top = np.argsort(-adj, axis=1, kind="stable")[:, :k]
    for j in range(top.shape[1]):
        contrib[rows, top[:, j]] = weights[top[:, j]] / k
    return np.take_along_axis(adj, top, 1).sum(1) / k, contrib


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|et al|cf|vs|Fig|Figs|Eq|Sec|etc|resp|approx|No)\.)$")


def sentences(
    title: str | None, abstract: str | None, *, min_words: int = 6, limit: int = 16
) -> list[str]:
    """A paper cut into the short texts that sentence-level scoring embeds one by one.

    The title is the first piece; the abstract is split after ``.``, ``!`` or ``?`` followed
    by a capital, a digit or an opening bracket (not after "e.g.", "et al." and the like), and
    a piece shorter than ``min_words`` words is joined to the next one. At most ``limit`` pieces (the rest is joined to the last).
    """
    out: list[str] = []
    t = " ".join((title or "").split())
    if t:
        out.append(t)
    pending = ""
    for part in _SENTENCE_END.split(" ".join((abstract or "").split())):
        pending = f"{pending} {part}".strip() if pending else part.strip()
        if len(pending.split()) >= min_words and not _ABBREVIATION.search(pending):
            out.append(pending)
            pending = ""
    if pending:
        if len(out) > (1 if t else 0):
            out[-1] = f"{out[-1]} {pending}"
        else:
            out.append(pending)
    if len(out) > limit:
        out = out[: limit - 1] + [" ".join(out[limit - 1 :])]
    return out
