"""Similar people on the engine's snapshot: every person scored with array operations.

The score of a person's papers ``P`` for query texts ``Q`` (unit vectors) is
``0.5 · mean_q max_p q·p + 0.5 · cos(mean Q, mean P)`` (see :mod:`scholarlens.similar`), over
the papers they *authored* (owner links do not count). Here ``max_p`` is one bucketed
aggregation over all people per block of query texts, and the centroid cosine is
``(V @ mean Q)`` summed per person over ``‖Σ P‖`` (cached per snapshot and model). People
whose papers are partly left out (shared with the person asked about, or only in excluded
profiles) and the ones near the cut are re-scored with the reference function itself.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..scoring import Method
from .kernel import aggregate_layout, bucket_layout
from .snapshot import Dense, Snapshot, ranges

MAX = Method(name="max", dense=1.0, lexical=0.0, agg="max", team=0)
EPS = 1e-5
#: Query texts × papers similarities computed at once (bounds memory).
BLOCK_CELLS = 40_000_000

Reference = Callable[[np.ndarray, np.ndarray], tuple[float, np.ndarray]]


def authored(snap: Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:  # type: ignore[type-arg]
    """(person ids, rows, starts, layout) of authorship entries, distinct rows per person."""
    if "authored" not in snap.cache:
        p = snap.people
        ent = p.order[~p.owner[p.order]]
        person = p.person[ent]
        rows = np.searchsorted(p.starts, ent, side="right") - 1
        keep = np.ones(len(ent), bool)
        keep[1:] = (person[1:] != person[:-1]) | (rows[1:] != rows[:-1])
        person, rows = person[keep], rows[keep]
        ids, counts = np.unique(person, return_counts=True)
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        snap.cache["authored"] = (ids, rows, starts, bucket_layout(starts))
    return snap.cache["authored"]


def centroid_norms(snap: Snapshot, dense: Dense) -> np.ndarray:
    """‖Σ of each person's authored vectors‖ (cached per snapshot and model)."""
    key = ("centroid_norms", dense.model_id)
    if key not in snap.cache:
        ids, rows, starts, _ = authored(snap)
        out = np.zeros(len(ids), np.float32)
        step = 20_000
        for a in range(0, len(ids), step):
            b = min(a + step, len(ids))
            vec = dense.rows(rows[starts[a] : starts[b]]).astype(np.float64)
            # every person has ≥ 1 row, so reduceat's groups are never empty (np.add.at,
            # the same sums, took ~10 s at 10^5 papers: the cold `similar` command)
            sums = np.add.reduceat(vec, starts[a:b] - starts[a], axis=0)
            out[a:b] = np.linalg.norm(sums, axis=1)
        snap.cache[key] = out
    return snap.cache[key]


def person_rows(snap: Snapshot, person: int) -> np.ndarray:
    ids, rows, starts, _ = authored(snap)
    i = int(np.searchsorted(ids, person))
    if i >= len(ids) or ids[i] != person:
        return np.zeros(0, np.int64)
    return rows[starts[i] : starts[i + 1]]


def similar(
    snap: Snapshot,
    dense: Dense,
    q: np.ndarray,
    limit: int,
    reference: Reference,
    *,
    skip_person: int | None = None,
    bad_rows: np.ndarray | None = None,
) -> list[tuple[int, float, np.ndarray, np.ndarray]]:
    """The ``limit`` most similar people: ``(person id, score, own rows, sims)`` best first
    (ties by person id); ``bad_rows`` never count (shared or excluded papers)."""
    ids, rows, starts, layout = authored(snap)
    if not len(ids) or not len(q):
        return []
    q = np.asarray(q, np.float32)
    bad = np.zeros(snap.n_rows, bool)
    if bad_rows is not None and len(bad_rows):
        bad[bad_rows] = True
    ones = np.ones(len(rows), np.float32)
    best = np.zeros(len(ids), np.float64)
    block = max(1, BLOCK_CELLS // max(1, snap.n_rows))
    for a in range(0, len(q), block):
        s = dense.sims_block(q[a : a + block])
        s[:, bad] = -np.inf
        best += aggregate_layout(s, rows, ones, layout, len(ids), MAX).sum(0)
    best /= len(q)
    cq = q.mean(0)
    u = dense.sims(cq).astype(np.float64)
    dots = np.add.reduceat(u[rows], starts[:-1]) if len(rows) else np.zeros(len(ids))
    norms = centroid_norms(snap, dense).astype(np.float64) * float(np.linalg.norm(cq))
    score = 0.5 * best + 0.5 * dots / np.where(norms == 0, 1.0, norms)
    touched = _people_of(snap, np.flatnonzero(bad)) if bad.any() else np.zeros(0, np.int64)
    affected = np.searchsorted(ids, touched[np.isin(touched, ids)])
    valid = np.isfinite(score)
    if skip_person is not None:
        valid &= ids != skip_person
    score[~valid] = -np.inf
    score[affected] = -np.inf  # scored exactly below
    n_ok = int(np.count_nonzero(np.isfinite(score)))
    order = np.argsort(-score, kind="stable")[: min(limit, n_ok)]
    cut = score[order[-1]] if len(order) and len(order) >= limit else -np.inf
    band = np.flatnonzero(score >= cut - EPS) if np.isfinite(cut) else order
    todo = np.unique(np.concatenate([band, affected])).astype(np.int64)
    out = []
    for g in todo.tolist():
        if skip_person is not None and ids[g] == skip_person:
            continue
        own = rows[starts[g] : starts[g + 1]]
        own = own[~bad[own]]
        if not len(own):
            continue
        sim_score, sims = reference(q, dense.rows(own))
        out.append((int(ids[g]), float(sim_score), own, sims))
    out.sort(key=lambda t: (-t[1], t[0]))
    return out[:limit]


def _people_of(snap: Snapshot, rows: np.ndarray) -> np.ndarray:
    """Person ids with an entry on any of ``rows``."""
    p = snap.people
    return np.unique(p.person[ranges(p.starts[rows], p.starts[rows + 1])])
