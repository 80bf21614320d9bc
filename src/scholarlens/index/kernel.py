"""The scoring kernel as array operations: paper weights and per-person aggregation.

:func:`entry_weights` is :func:`scoring.paper_weights` for many (person, paper) entries at once
(the same float32 operations in the same order, so the same numbers). :func:`aggregate_groups`
is :func:`scoring.aggregate` for many people and many query rows at once: people are bucketed
by paper count (powers of two) and each bucket is one padded ``(queries, people, papers)``
array, so a heavy tail (one person with 2,000 papers) costs only its own bucket.

Used by the engine for one query over candidate people and by the batch affinity for blocks
of submissions × all reviewers (:func:`affinity_matrix`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..scoring import Method


def entry_weights(
    method: Method,
    n_authors: np.ndarray,
    years: np.ndarray,
    positions: np.ndarray,
    newest: int | None,
) -> np.ndarray:
    """float32 weight per entry; ``years`` 0 = unknown, ``positions`` −1 = unknown."""
    n = np.maximum(1, np.asarray(n_authors, np.int64))
    w = np.ones(len(n), np.float32)
    if method.team:
        big = n > method.team
        w[big] *= np.sqrt(method.team / n[big]).astype(np.float32)
    if method.authors:
        w /= (1 + method.authors * np.log(n)).astype(np.float32)
    if method.recency and newest:
        y = np.asarray(years, np.int64)
        has = y != 0
        w[has] *= (0.5 ** (np.maximum(0, newest - y[has]) / method.recency)).astype(np.float32)
    if method.position:
        pos = np.asarray(positions, np.int64)
        middle = (pos > 0) & (n >= 3) & (pos < n - 1)
        w[middle] *= np.float32(1 - method.position)
    return w


def _buckets(lengths: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Groups split by padded length (powers of two): [(group indexes, width)]."""
    out = []
    width = np.maximum(1, 1 << np.ceil(np.log2(np.maximum(lengths, 1))).astype(np.int64))
    for w in np.unique(width):
        out.append((np.flatnonzero(width == w), int(w)))
    return out


def bucket_layout(
    starts: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per bucket: (groups, entry index matrix (n_b, width), valid mask, group lengths)."""
    lengths = np.diff(starts)
    out = []
    for groups, width in _buckets(lengths):
        g_len = lengths[groups]
        offs = np.arange(width)
        valid = offs[None, :] < g_len[:, None]
        ent = np.where(valid, starts[groups][:, None] + offs[None, :], 0)
        out.append((groups, ent, valid, g_len))
    return out


def aggregate_layout(
    sims: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    layout: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    n_groups: int,
    method: Method,
) -> np.ndarray:
    """:func:`aggregate_groups` on a precomputed :func:`bucket_layout`; 1-D ``sims`` gives 1-D scores."""
    one = sims.ndim == 1
    sims2 = np.atleast_2d(sims)
    out = np.zeros((sims2.shape[0], n_groups), np.float32)
    if len(rows):
        for groups, ent, valid, g_len in layout:
            adj = sims2[:, rows[ent]] * weights[ent][None, :, :]
            out[:, groups] = _reduce(adj, valid, g_len, method)
    return out[0] if one else out


def aggregate_groups(
    sims: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    starts: np.ndarray,
    method: Method,
) -> np.ndarray:
    """Scores ``(n_queries, n_groups)``: group ``g`` owns entries ``starts[g]:starts[g+1]``,
    entry ``e`` is column ``rows[e]`` of ``sims`` (``(n_queries, n_cols)``) with weight
    ``weights[e]``. Same definitions as :func:`scholarlens.scoring.aggregate`."""
    return aggregate_layout(
        np.atleast_2d(sims), rows, weights, bucket_layout(starts), len(starts) - 1, method
    )


def _reduce(adj: np.ndarray, valid: np.ndarray, g_len: np.ndarray, method: Method) -> np.ndarray:
    empty = g_len == 0
    if method.agg == "mean":
        adj = np.where(valid[None], adj, 0)
        res = adj.sum(-1) / np.maximum(g_len, 1)
    else:
        adj = np.where(valid[None], adj, -np.inf)
        if method.agg == "max":
            res = adj.max(-1)
        elif method.agg == "decay":  # the j-th best entry counts (1 - d) d^j
            best = -np.sort(-adj, axis=-1)
            rank_w = (1 - method.decay) * method.decay ** np.arange(adj.shape[-1])
            res = (np.where(np.isfinite(best), best, 0) * rank_w.astype(np.float32)).sum(-1)
        elif method.agg == "softmax":
            t = method.temperature
            m = adj.max(-1, keepdims=True)
            e = np.exp((adj - np.where(np.isfinite(m), m, 0)) / t)
            res = m[..., 0] + t * np.log(e.sum(-1) / np.maximum(g_len, 1))
        else:
            k = method.k
            top = adj if adj.shape[-1] <= k else -np.partition(-adj, k - 1, axis=-1)[..., :k]
            res = np.where(np.isfinite(top), top, 0).sum(-1) / k
    return np.where(empty[None], 0, res).astype(np.float32)


def affinity_matrix(
    paper_sims: Callable[[int, int], np.ndarray],
    n_queries: int,
    rows: np.ndarray,
    weights: np.ndarray,
    starts: np.ndarray,
    method: Method,
    *,
    block: int = 256,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> np.ndarray:
    """``(n_queries, n_groups)`` scores in blocks of ``block`` queries: ``paper_sims(a, b)``
    gives the ``(b - a, n_papers)`` similarities of queries ``a:b`` (a matrix product), then
    every group is aggregated at once. Memory ~ block × (papers + entries) floats."""
    out = np.zeros((n_queries, len(starts) - 1), np.float32)
    for a in range(0, n_queries, block):
        b = min(a + block, n_queries)
        out[a:b] = aggregate_groups(paper_sims(a, b), rows, weights, starts, method)
        if progress:
            progress("scoring", b, n_queries)
    return out


def upper_bounds(
    group: np.ndarray, values: np.ndarray, floor: float, method: Method
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper bounds of ``topk`` / ``max`` scores from some of each group's weighted similarities.

    ``values[e]`` is a known weighted similarity of group ``group[e]``; every other entry of a
    seen group, and every entry of an unseen one, is at most ``floor`` (≥ 0) or missing (which
    counts 0). The k best of a group are then at most the k best of its known values padded
    with ``floor``: returns (distinct groups ascending, bound per group, settled per group).
    A group is *settled* when k of its known values are ≥ ``floor``: its k best are known, and
    the bound is its score (summed in float64: within ~1e-7 of the float32 kernel)."""
    k = method.k if method.agg == "topk" else 1
    order = np.lexsort((-values, group))
    g, v = group[order], values[order]
    new = np.ones(len(g), bool)
    new[1:] = g[1:] != g[:-1]
    first = np.flatnonzero(new)
    counts = np.diff(np.append(first, len(g)))
    rank = np.arange(len(g)) - np.repeat(first, counts)
    keep = rank < k
    idx = np.repeat(np.arange(len(first)), counts)[keep]
    known = np.bincount(idx, weights=np.maximum(v[keep], floor), minlength=len(first))
    total = known + (k - np.minimum(counts, k)) * floor
    settled = counts >= k
    settled[settled] = v[first[settled] + k - 1] >= floor
    return g[first], (total / k).astype(np.float64), settled


#: One query's groups longer than this are reduced from their own slice (``topk``/``max``):
#: padding a person with 300,000 papers to 2^19 columns costs more than the reduction.
FLAT_GROUP = 4096


def aggregate_one(
    sims: np.ndarray,
    rows: np.ndarray,
    weights: np.ndarray,
    starts: np.ndarray,
    method: Method,
) -> np.ndarray:
    """:func:`aggregate_groups` for one query row (1-D ``sims``); long groups of ``topk`` /
    ``max`` without padding (the same values, summed in another order: ≤ 1 ulp apart)."""
    lengths = np.diff(starts)
    long = np.flatnonzero(lengths > FLAT_GROUP)
    if method.agg not in ("topk", "max") or not len(long):
        return aggregate_groups(sims[None, :], rows, weights, starts, method)[0]
    out = np.zeros(len(lengths), np.float32)
    short = lengths <= FLAT_GROUP
    keep = np.repeat(short, lengths)
    s_starts = np.concatenate([[0], np.cumsum(lengths[short])]).astype(np.int64)
    out[short] = aggregate_groups(sims[None, :], rows[keep], weights[keep], s_starts, method)[0]
    k = method.k if method.agg == "topk" else 1
    for g in long.tolist():
        a, b = int(starts[g]), int(starts[g + 1])
        adj = sims[rows[a:b]] * weights[a:b]
        if method.agg == "max":
            out[g] = adj.max()
        else:
            top = adj if len(adj) <= k else np.partition(adj, len(adj) - k)[len(adj) - k :]
            out[g] = np.where(np.isfinite(top), top, 0).sum(dtype=np.float32) / np.float32(k)
    return out
