"""Reviewer assignment under loads and conflicts: exact solvers, bounds, actionable infeasibility.

Input is an :class:`Affinity` (sparse edges: the top candidates of each paper, or a dense
matrix made sparse), per-paper demand, per-reviewer minimum and maximum loads, optional bids
and the hard conflicts. Two objectives:

* ``sum`` — maximise total affinity. A min-cost flow (OR-Tools ``SimpleMinCostFlow``):
  source → paper (capacity = demand) → reviewer (capacity 1, cost = −affinity) → sink
  (capacity = max load, with the min load as a lower bound). Costs are integers: affinities
  are scaled so the largest is :data:`COST_SCALE` (relative precision 1e-8); the flow is exact
  for the scaled costs, so the optimality gap against the real-valued LP is at most
  ``rounding_bound`` = assigned pairs / scale, reported with the result (and checked against an
  LP solved by OR-Tools GLOP in the tests).
* ``fair`` — raise the worst-off assignment first: the largest threshold *t* such that every
  paper can be fully staffed using only pairs with affinity ≥ *t* (binary search over the
  distinct affinities, each step an exact max-flow feasibility check with the load bounds),
  then the maximum total affinity among those pairs. Every paper's mean score is then ≥ *t*.
  This is a bottleneck (max–min) assignment, solved exactly — not a greedy pass.

Bids shift affinity: ``adjusted = affinity + bid_weight × bid`` with bids in [−1, 1] (labels:
``very high`` 1, ``high`` 0.5, ``neutral`` 0, ``low`` −0.5, ``very low`` −1; ``conflict`` /
``no`` make the pair a hard conflict). A bid on a pair without affinity adds the pair with
affinity 0.

Infeasible inputs raise :class:`Infeasible` with reasons a chair can act on: papers without
enough non-conflicted candidates, total capacity versus demand, minimum loads that cannot be
met, and — when only the combination fails — how many review slots a maximum flow can fill
and which papers stay short.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .assign_io import bid_value
from .errors import InputError

Progress = Callable[[str, int, int | None], None]

#: The largest |cost| handed to the min-cost flow (affinities are scaled to it).
COST_SCALE = 10**8
OBJECTIVES = ("sum", "fair")


class Infeasible(InputError):
    """No assignment meets demand, loads and conflicts; ``reasons`` say what to change."""

    def __init__(self, reasons: list[str], details: dict[str, Any] | None = None) -> None:
        self.reasons = reasons
        self.details = details or {}
        super().__init__("no assignment is possible:\n  - " + "\n  - ".join(reasons))


@dataclass
class Affinity:
    """Sparse paper × reviewer affinities: parallel arrays of edges, plus optional evidence."""

    papers: list[str]
    reviewers: list[str]
    paper: np.ndarray
    reviewer: np.ndarray
    score: np.ndarray
    evidence: dict[tuple[int, int], Any] = field(default_factory=dict)

    @classmethod
    def from_triples(
        cls,
        triples: Iterable[tuple[str, str, float]],
        papers: Sequence[str] | None = None,
        reviewers: Sequence[str] | None = None,
        evidence: dict[tuple[str, str], Any] | None = None,
    ) -> Affinity:
        """From ``(paper, reviewer, score)``; ``papers``/``reviewers`` fix the order and the set
        (pairs naming others are dropped); a repeated pair keeps its last score."""
        pidx = {p: i for i, p in enumerate(papers)} if papers is not None else {}
        ridx = {r: i for i, r in enumerate(reviewers)} if reviewers is not None else {}
        best: dict[tuple[int, int], float] = {}
        for p, r, s in triples:
            if p not in pidx:
                if papers is not None:
                    continue
                pidx[p] = len(pidx)
            if r not in ridx:
                if reviewers is not None:
                    continue
                ridx[r] = len(ridx)
            best[(pidx[p], ridx[r])] = float(s)
        keys = np.array(list(best), dtype=np.int64).reshape(-1, 2)
        ev = {}
        if evidence:
            ev = {(pidx[p], ridx[r]): v for (p, r), v in evidence.items() if p in pidx and r in ridx}
        return cls(
            list(pidx), list(ridx), keys[:, 0].astype(np.int32), keys[:, 1].astype(np.int32),
            np.fromiter(best.values(), dtype=np.float64, count=len(best)), ev,
        )

    @classmethod
    def from_dense(cls, matrix: np.ndarray, papers: Sequence[str], reviewers: Sequence[str], top_k: int | None = None) -> Affinity:
        """From a papers × reviewers matrix, keeping each paper's ``top_k`` best (all if None)."""
        m = np.asarray(matrix, dtype=np.float64)
        if m.shape != (len(papers), len(reviewers)):
            raise InputError(f"affinity matrix is {m.shape}, expected {len(papers)} × {len(reviewers)}")
        k = m.shape[1] if top_k is None or top_k >= m.shape[1] else top_k
        cols = np.argpartition(-m, k - 1, axis=1)[:, :k] if k < m.shape[1] else np.tile(np.arange(m.shape[1]), (m.shape[0], 1))
        rows = np.repeat(np.arange(m.shape[0]), cols.shape[1])
        cols = cols.ravel()
        return cls(list(papers), list(reviewers), rows.astype(np.int32), cols.astype(np.int32), m[rows, cols])

    def __len__(self) -> int:
        return int(self.score.shape[0])


@dataclass
class Problem:
    """Everything the solver needs, by index (see :func:`build_problem`)."""

    affinity: Affinity
    demand: np.ndarray
    min_load: np.ndarray
    max_load: np.ndarray
    allowed: np.ndarray
    """Per edge: False when the pair is a hard conflict."""
    adjusted: np.ndarray
    """Per edge: the affinity after bids (what the objective maximises)."""
    bid: np.ndarray
    conflicts: dict[tuple[int, int], Any] = field(default_factory=dict)
    """Hard conflicts by (paper, reviewer) index, with their evidence (where given)."""


def build_problem(
    affinity: Affinity,
    per_paper: int | dict[str, int] = 3,
    min_load: int = 0,
    max_load: int | None = 6,
    loads: dict[str, tuple[int | None, int | None]] | None = None,
    conflicts: dict[tuple[str, str], Any] | set[tuple[str, str]] | None = None,
    bids: dict[tuple[str, str], float | str] | None = None,
    bid_weight: float = 0.25,
) -> Problem:
    """Index demand, loads (``loads[reviewer] = (min or None, max or None)``), conflicts and bids."""
    if max_load is not None and max_load < min_load:
        raise InputError(f"the maximum load ({max_load}) is below the minimum load ({min_load})")
    aff = affinity
    pidx = {p: i for i, p in enumerate(aff.papers)}
    ridx = {r: i for i, r in enumerate(aff.reviewers)}
    demand = np.full(len(aff.papers), per_paper if isinstance(per_paper, int) else 0, dtype=np.int64)
    if isinstance(per_paper, dict):
        for p, d in per_paper.items():
            if p in pidx:
                demand[pidx[p]] = d
    if (demand < 0).any():
        raise InputError("reviewers per paper must be 0 or more")
    hi = max_load if max_load is not None else int(demand.sum())
    lo_arr = np.full(len(aff.reviewers), min_load, dtype=np.int64)
    hi_arr = np.full(len(aff.reviewers), hi, dtype=np.int64)
    for r, (lo, up) in (loads or {}).items():
        if r in ridx:
            if lo is not None:
                lo_arr[ridx[r]] = lo
            if up is not None:
                hi_arr[ridx[r]] = up
    bad = [aff.reviewers[i] for i in np.flatnonzero(lo_arr > hi_arr)[:5]]
    if bad:
        raise InputError(f"minimum load above maximum load for reviewer(s) {', '.join(bad)}")
    conflict_idx: dict[tuple[int, int], Any] = {}
    for key in conflicts or ():
        p, r = key
        if p in pidx and r in ridx:
            conflict_idx[(pidx[p], ridx[r])] = conflicts[key] if isinstance(conflicts, dict) else None
    aff, bid = _apply_bids(aff, bids or {}, conflict_idx, pidx, ridx)
    code = aff.paper.astype(np.int64) * max(len(aff.reviewers), 1) + aff.reviewer
    banned = np.fromiter((p * max(len(aff.reviewers), 1) + r for p, r in conflict_idx), dtype=np.int64, count=len(conflict_idx))
    allowed = ~np.isin(code, banned)
    return Problem(aff, demand, lo_arr, hi_arr, allowed, aff.score + bid_weight * bid, bid, conflict_idx)


def _apply_bids(
    aff: Affinity,
    bids: dict[tuple[str, str], float | str],
    conflicts: dict[tuple[int, int], Any],
    pidx: dict[str, int],
    ridx: dict[str, int],
) -> tuple[Affinity, np.ndarray]:
    """Per-edge bid values; pairs bid on without an affinity edge are added with affinity 0."""
    bid = np.zeros(len(aff), dtype=np.float64)
    if not bids:
        return aff, bid
    edge = {(int(p), int(r)): i for i, (p, r) in enumerate(zip(aff.paper, aff.reviewer, strict=True))}
    extra: list[tuple[int, int, float]] = []
    for (reviewer, paper), raw in bids.items():
        if paper not in pidx or reviewer not in ridx:
            continue
        key = (pidx[paper], ridx[reviewer])
        value = bid_value(raw)
        if value is None:
            conflicts.setdefault(key, {"kind": "bid", "explanation": f"bid {raw!r}"})
            continue
        if key in edge:
            bid[edge[key]] = value
        elif value > 0:
            extra.append((key[0], key[1], value))
    if extra:
        arr = np.array(extra)
        aff = Affinity(
            aff.papers, aff.reviewers,
            np.concatenate([aff.paper, arr[:, 0].astype(np.int32)]),
            np.concatenate([aff.reviewer, arr[:, 1].astype(np.int32)]),
            np.concatenate([aff.score, np.zeros(len(extra))]),
            aff.evidence,
        )
        bid = np.concatenate([bid, arr[:, 2]])
    return aff, bid


# -- feasibility -------------------------------------------------------------------------------


def diagnose(problem: Problem, mask: np.ndarray | None = None) -> list[str]:
    """Reasons why no assignment can exist, from counting alone (empty when none is found)."""
    aff, reasons = problem.affinity, []
    ok = problem.allowed if mask is None else problem.allowed & mask
    candidates = np.bincount(aff.paper[ok], minlength=len(aff.papers))
    short = np.flatnonzero(candidates < problem.demand)
    if short.size:
        shown = ", ".join(f"{aff.papers[i]} ({candidates[i]} of {problem.demand[i]})" for i in short[:10])
        more = f" and {short.size - 10} more" if short.size > 10 else ""
        reasons.append(
            f"{short.size} paper(s) have fewer non-conflicted candidate reviewers than reviewers needed: "
            f"{shown}{more}. Add candidates (a larger top-K or more reviewers) or lower the reviewers per paper (--per-paper) for them."
        )
    demand, capacity, floor = int(problem.demand.sum()), int(problem.max_load.sum()), int(problem.min_load.sum())
    if capacity < demand:
        reasons.append(
            f"total capacity {capacity} (sum of max loads over {len(aff.reviewers)} reviewers) is below the demand "
            f"{demand} (papers × reviewers per paper): raise the max load (--max-load) to at least "
            f"{-(-demand // max(len(aff.reviewers), 1))} or add reviewers."
        )
    if floor > demand:
        reasons.append(
            f"the minimum loads add up to {floor}, more than the {demand} reviews needed: lower the min load (--min-load)."
        )
    reach = np.bincount(aff.reviewer[ok], minlength=len(aff.reviewers))
    stuck = np.flatnonzero(reach < problem.min_load)
    if stuck.size:
        shown = ", ".join(f"{aff.reviewers[i]} ({reach[i]} candidate papers, min {problem.min_load[i]})" for i in stuck[:10])
        reasons.append(
            f"{stuck.size} reviewer(s) cannot reach their minimum load from their non-conflicted candidate "
            f"papers: {shown}. Lower their minimum (loads file) or give them more candidates."
        )
    return reasons


class _MaxFlow:
    """Feasibility of the load and demand bounds on a subset of edges, as one reusable max flow.

    Lower bounds (exact demand, minimum loads) use the circulation transform: a super source
    feeds each lower bound's head, its tail drains to a super sink, and the bounds hold
    exactly when the max flow saturates them all.
    """

    def __init__(self, problem: Problem) -> None:
        from ortools.graph.python import max_flow

        aff = problem.affinity
        p_n, r_n = len(aff.papers), len(aff.reviewers)
        self.src, self.snk, self.ssrc, self.ssnk = p_n + r_n, p_n + r_n + 1, p_n + r_n + 2, p_n + r_n + 3
        self.mf = max_flow.SimpleMaxFlow()
        reviewers = p_n + np.arange(r_n)
        floor = int(problem.min_load.sum())
        tails = [np.full(p_n, self.ssrc), aff.paper.astype(np.int64), reviewers, reviewers, np.array([self.src, self.ssrc, self.snk])]
        heads = [np.arange(p_n), p_n + aff.reviewer.astype(np.int64), np.full(r_n, self.snk), np.full(r_n, self.ssnk), np.array([self.ssnk, self.snk, self.src])]
        total = int(problem.demand.sum()) + floor
        caps = [problem.demand, np.ones(len(aff), dtype=np.int64), problem.max_load - problem.min_load, problem.min_load,
                np.array([int(problem.demand.sum()), floor, total])]
        self.first_edge = p_n
        self.n_edges = len(aff)
        self.mf.add_arcs_with_capacity(np.concatenate(tails), np.concatenate(heads), np.concatenate(caps).astype(np.int64))
        self.need = total

    def feasible(self, mask: np.ndarray) -> bool:
        arcs = np.arange(self.first_edge, self.first_edge + self.n_edges)
        self.mf.set_arcs_capacity(arcs, mask.astype(np.int64))
        status = self.mf.solve(self.ssrc, self.ssnk)
        return status == self.mf.OPTIMAL and self.mf.optimal_flow() == self.need


def _shortfall(problem: Problem, mask: np.ndarray) -> list[str]:
    """When counting finds nothing: how many slots a max flow (no minimum loads) fills, who stays short."""
    from ortools.graph.python import max_flow

    aff = problem.affinity
    p_n = len(aff.papers)
    mf = max_flow.SimpleMaxFlow()
    src, snk = p_n + len(aff.reviewers), p_n + len(aff.reviewers) + 1
    keep = np.flatnonzero(mask)
    mf.add_arcs_with_capacity(np.full(p_n, src), np.arange(p_n), problem.demand)
    mf.add_arcs_with_capacity(aff.paper[keep].astype(np.int64), p_n + aff.reviewer[keep].astype(np.int64), np.ones(keep.size, dtype=np.int64))
    mf.add_arcs_with_capacity(p_n + np.arange(len(aff.reviewers)), np.full(len(aff.reviewers), snk), problem.max_load)
    mf.solve(src, snk)
    got = mf.flows(np.arange(p_n))
    short = np.flatnonzero(got < problem.demand)
    shown = ", ".join(f"{aff.papers[i]} ({got[i]} of {problem.demand[i]})" for i in short[:10])
    return [
        f"at most {mf.optimal_flow()} of {int(problem.demand.sum())} review slots can be filled together "
        f"(the same few reviewers are the only candidates of several papers); short: {shown}"
        f"{' and more' if short.size > 10 else ''}. Add candidates for these papers or raise those reviewers' max load."
    ]


# -- solving ---------------------------------------------------------------------------------


def _min_cost_flow(problem: Problem, mask: np.ndarray) -> tuple[np.ndarray, float]:
    """Edges chosen by the max-affinity flow over ``mask`` (indexes), and the cost scale."""
    from ortools.graph.python import min_cost_flow

    aff = problem.affinity
    p_n, r_n = len(aff.papers), len(aff.reviewers)
    src, snk = p_n + r_n, p_n + r_n + 1
    keep = np.flatnonzero(mask)
    values = problem.adjusted[keep]
    top = float(np.abs(values).max()) if keep.size else 0.0
    scale = COST_SCALE / top if top > 0 else 1.0
    costs = -np.rint(values * scale).astype(np.int64)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        aff.paper[keep].astype(np.int64) , p_n + aff.reviewer[keep].astype(np.int64), np.ones(keep.size, dtype=np.int64), costs
    )
    smcf.add_arcs_with_capacity_and_unit_cost(np.full(p_n, src), np.arange(p_n), problem.demand, np.zeros(p_n, dtype=np.int64))
    smcf.add_arcs_with_capacity_and_unit_cost(
        p_n + np.arange(r_n), np.full(r_n, snk), problem.max_load - problem.min_load, np.zeros(r_n, dtype=np.int64)
    )
    demand, floor = int(problem.demand.sum()), int(problem.min_load.sum())
    supplies = np.zeros(p_n + r_n + 2, dtype=np.int64)
    supplies[src] = demand
    supplies[p_n : p_n + r_n] = -problem.min_load
    supplies[snk] = -(demand - floor)
    smcf.set_nodes_supplies(np.arange(p_n + r_n + 2), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise Infeasible(diagnose(problem, mask) or _shortfall(problem, mask) or [f"the flow solver answered {status}"])
    flows = smcf.flows(np.arange(keep.size))
    return keep[flows > 0], scale


def _fair_threshold(problem: Problem, progress: Progress | None) -> tuple[float, int]:
    """The largest affinity floor that still staffs every paper, by binary search (exact)."""
    ok = problem.allowed
    values = np.unique(problem.adjusted[ok])
    # No paper can do better than its demand-th best candidate: an upper bound for the search.
    order = np.lexsort((-problem.adjusted, problem.affinity.paper))
    good = order[ok[order]]
    starts = np.searchsorted(problem.affinity.paper[good], np.arange(len(problem.affinity.papers)))
    cap = np.inf
    for p, start in enumerate(starts):
        d = int(problem.demand[p])
        if d:
            cap = min(cap, float(problem.adjusted[good[start + d - 1]]))
    values = values[values <= cap]
    flow = _MaxFlow(problem)
    lo, hi, steps = 0, len(values) - 1, 0
    total = max(1, int(np.ceil(np.log2(max(len(values), 2)))))
    if not values.size or not flow.feasible(ok & (problem.adjusted >= values[0])):
        raise Infeasible(diagnose(problem) or _shortfall(problem, ok))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        steps += 1
        if flow.feasible(ok & (problem.adjusted >= values[mid])):
            lo = mid
        else:
            hi = mid - 1
        if progress:
            progress("fair: searching the floor", min(steps, total), total)
    return float(values[lo]), steps


@dataclass
class Result:
    """An assignment: chosen edges (indexes into the problem's affinity), figures, alternates."""

    problem: Problem
    objective: str
    edges: np.ndarray
    total: float
    """Sum of the adjusted affinity (affinity + bids) of the chosen pairs: what was maximised."""
    rounding_bound: float
    """Upper bound on the gap to the real-valued optimum caused by integer costs."""
    threshold: float | None = None
    """``fair``: the affinity floor every chosen pair meets."""
    seconds: float = 0.0
    alternates: dict[int, list[int]] = field(default_factory=dict)
    lp_bound: float | None = None

    def paper_scores(self) -> np.ndarray:
        """Mean affinity of each paper's reviewers (NaN for papers that need none)."""
        aff = self.problem.affinity
        sums = np.bincount(aff.paper[self.edges], weights=aff.score[self.edges], minlength=len(aff.papers))
        counts = np.bincount(aff.paper[self.edges], minlength=len(aff.papers))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def loads(self) -> np.ndarray:
        return np.bincount(self.problem.affinity.reviewer[self.edges], minlength=len(self.problem.affinity.reviewers))

    def summary(self) -> dict[str, Any]:
        scores = self.paper_scores()
        aff, loads = self.problem.affinity, self.loads()
        gap = None if self.lp_bound is None else max(0.0, self.lp_bound - self.total)
        return {
            "objective": self.objective,
            "papers": len(aff.papers),
            "reviewers": len(aff.reviewers),
            "candidate_pairs": len(aff),
            "hard_conflicts": len(self.problem.conflicts),
            "assigned": int(self.edges.size),
            "total_affinity": round(float(aff.score[self.edges].sum()), 6),
            "objective_value": round(self.total, 6),
            "lp_bound": None if self.lp_bound is None else round(self.lp_bound, 6),
            "gap": None if gap is None else round(gap, 9),
            "rounding_bound": self.rounding_bound,
            "worst_paper_score": None if np.all(np.isnan(scores)) else round(float(np.nanmin(scores)), 6),
            "mean_paper_score": None if np.all(np.isnan(scores)) else round(float(np.nanmean(scores)), 6),
            "lowest_pair_score": round(float(aff.score[self.edges].min()), 6) if self.edges.size else None,
            "fair_threshold": None if self.threshold is None else round(self.threshold, 6),
            "load": {"min": int(loads.min()) if loads.size else 0, "max": int(loads.max()) if loads.size else 0,
                     "mean": round(float(loads.mean()), 3) if loads.size else 0.0,
                     "idle_reviewers": int((loads == 0).sum())},
            "seconds": round(self.seconds, 3),
        }

    def by_paper(self) -> dict[int, list[int]]:
        """paper index → chosen edge indexes, best first."""
        out: dict[int, list[int]] = {}
        aff = self.problem.affinity
        for e in self.edges[np.lexsort((-aff.score[self.edges], aff.paper[self.edges]))]:
            out.setdefault(int(aff.paper[e]), []).append(int(e))
        return out


def solve(
    problem: Problem,
    objective: str = "sum",
    *,
    alternates: int = 0,
    lp_bound: bool = False,
    progress: Progress | None = None,
) -> Result:
    """The optimal assignment for ``objective`` (``sum`` or ``fair``); raises :class:`Infeasible`."""
    if objective not in OBJECTIVES:
        raise InputError(f"unknown objective {objective!r}: use one of {', '.join(OBJECTIVES)}")
    if alternates < 0:
        raise InputError("--alternates must be 0 or more")
    start = time.perf_counter()
    reasons = diagnose(problem)
    if reasons:
        raise Infeasible(reasons)
    mask, threshold = problem.allowed, None
    if objective == "fair":
        threshold, _ = _fair_threshold(problem, progress)
        mask = problem.allowed & (problem.adjusted >= threshold)
    if progress:
        progress(f"{objective}: min-cost flow over {int(mask.sum()):,} pairs", 0, 1)
    edges, scale = _min_cost_flow(problem, mask)
    if progress:
        progress(f"{objective}: min-cost flow over {int(mask.sum()):,} pairs", 1, 1)
    total = float(problem.adjusted[edges].sum())
    result = Result(problem, objective, edges, total, edges.size / scale, threshold)
    result.alternates = _alternates(problem, edges, alternates)
    if lp_bound:
        result.lp_bound = solve_lp(problem, mask)
    result.seconds = time.perf_counter() - start
    return result


def _alternates(problem: Problem, edges: np.ndarray, n: int) -> dict[int, list[int]]:
    """paper index → the next ``n`` best non-conflicted, unassigned candidate edges."""
    if n <= 0:
        return {}
    aff = problem.affinity
    free = problem.allowed.copy()
    free[edges] = False
    cand = np.flatnonzero(free)
    cand = cand[np.lexsort((-aff.score[cand], aff.paper[cand]))]
    out: dict[int, list[int]] = {}
    for e in cand:
        rows = out.setdefault(int(aff.paper[e]), [])
        if len(rows) < n:
            rows.append(int(e))
    return out


def solve_lp(problem: Problem, mask: np.ndarray | None = None) -> float:
    """The LP relaxation's optimum (OR-Tools GLOP) over the allowed pairs: an upper bound on
    any assignment's objective. Meant for checks on small and medium problems."""
    from ortools.linear_solver import pywraplp

    aff = problem.affinity
    keep = np.flatnonzero(problem.allowed if mask is None else mask)
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(0.0, 1.0, "") for _ in keep]
    by_paper: dict[int, list[Any]] = {}
    by_reviewer: dict[int, list[Any]] = {}
    for var, e in zip(x, keep, strict=True):
        by_paper.setdefault(int(aff.paper[e]), []).append(var)
        by_reviewer.setdefault(int(aff.reviewer[e]), []).append(var)
    for p in range(len(aff.papers)):
        d = int(problem.demand[p])
        solver.Add(solver.Sum(by_paper.get(p, [])) == d)
    for r in range(len(aff.reviewers)):
        terms = by_reviewer.get(r, [])
        solver.Add(solver.Sum(terms) <= int(problem.max_load[r]))
        solver.Add(solver.Sum(terms) >= int(problem.min_load[r]))
    solver.Maximize(solver.Sum([float(problem.adjusted[e]) * v for v, e in zip(x, keep, strict=True)]))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise Infeasible(["the LP relaxation has no solution either"])
    return float(solver.Objective().Value())


def top_candidates(aff: Affinity, k: int, exclude: set[tuple[str, str]] | None = None) -> Affinity:
    """Each paper's ``k`` best edges, leaving out the ``(paper, reviewer)`` pairs in ``exclude``."""
    keep = np.ones(len(aff), dtype=bool)
    if exclude:
        pidx = {p: i for i, p in enumerate(aff.papers)}
        ridx = {r: i for i, r in enumerate(aff.reviewers)}
        n = max(len(aff.reviewers), 1)
        banned = np.array([pidx[p] * n + ridx[r] for p, r in exclude if p in pidx and r in ridx], dtype=np.int64)
        keep &= ~np.isin(aff.paper.astype(np.int64) * n + aff.reviewer, banned)
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((-aff.score[idx], aff.paper[idx]))]
    papers = aff.paper[order]
    starts = np.searchsorted(papers, papers, side="left")
    rank = np.arange(order.size) - starts
    chosen = np.sort(order[rank < k])
    ev = {key: v for key, v in aff.evidence.items()} if aff.evidence else {}
    return Affinity(aff.papers, aff.reviewers, aff.paper[chosen], aff.reviewer[chosen], aff.score[chosen], ev)
