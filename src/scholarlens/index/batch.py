"""Batch affinity as blocked matrix products: every submission × every reviewer at once.

:func:`affinity` takes a pool (papers with vectors and texts, each person's papers) and the
submissions, and returns the ``(n_submissions, n_people)`` score matrix of a
:class:`~scholarlens.scoring.Method` — the numbers the per-pair loop gives
(``scoring.paper_weights`` + ``scoring.aggregate`` per reviewer), computed per block of
submissions as one dense product, one sparse TF-IDF product and one aggregation over all
reviewers (:func:`.kernel.aggregate_groups`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..scoring import Method
from .basic import LexicalIndex
from .kernel import affinity_matrix, entry_weights


def affinity(
    method: Method,
    paper_vectors: np.ndarray | None,
    paper_texts: Sequence[str],
    people: Sequence[Sequence[tuple[int, int | None]]],
    n_authors: Sequence[int],
    years: Sequence[int | None],
    sub_vectors: np.ndarray | None,
    sub_texts: Sequence[str],
    *,
    block: int = 256,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> np.ndarray:
    """Scores ``(len(sub_texts), len(people))``; ``people[g]`` lists ``(paper column, author
    position or None)``. Vectors are unit rows (needed when ``method.dense``). The TF-IDF is
    fitted on the papers plus all submissions, as :class:`LexicalIndex` with ``extra``."""
    n_papers = len(paper_texts)
    lexical = (
        LexicalIndex(range(n_papers), list(paper_texts), extra=list(sub_texts))
        if method.lexical and n_papers
        else None
    )
    pv = np.asarray(paper_vectors, np.float32) if method.dense else None
    sv = np.asarray(sub_vectors, np.float32) if method.dense else None

    def sims(a: int, b: int) -> np.ndarray:
        out = np.zeros((b - a, n_papers), np.float32)
        if pv is not None and sv is not None:
            out += method.dense * (sv[a:b] @ pv.T)
        if lexical is not None:
            out += method.lexical * lexical.similarities(list(sub_texts[a:b]))
        return out

    rows = np.asarray([c for ps in people for c, _ in ps], np.int64)
    pos = np.asarray([-1 if p is None else p for ps in people for _, p in ps], np.int64)
    starts = np.concatenate([[0], np.cumsum([len(ps) for ps in people])]).astype(np.int64)
    yrs = np.asarray([y or 0 for y in years], np.int64)
    newest = int(yrs.max()) if len(yrs) and yrs.max() > 0 else None
    w = entry_weights(method, np.asarray(n_authors, np.int64)[rows], yrs[rows], pos, newest)
    return affinity_matrix(
        sims, len(sub_texts), rows, w, starts, method, block=block, progress=progress
    )
