"""The assignment solvers against brute force and an LP, on small real problems."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scholarlens.assign import Affinity, Infeasible, build_problem, solve, solve_lp, top_candidates
from scholarlens.errors import InputError


def dense(seed: int, papers: int, reviewers: int, top_k: int | None = None) -> Affinity:
    rng = np.random.default_rng(seed)
    m = np.round(rng.random((papers, reviewers)), 3)
    return Affinity.from_dense(m, [f"p{i}" for i in range(papers)], [f"r{j}" for j in range(reviewers)], top_k)


def brute_force(problem, key):
    """Best assignment by enumeration (tiny problems): each paper picks a set of candidates."""
    aff = problem.affinity
    per_paper = []
    for p in range(len(aff.papers)):
        edges = [e for e in range(len(aff)) if aff.paper[e] == p and problem.allowed[e]]
        per_paper.append(list(itertools.combinations(edges, int(problem.demand[p]))))
    best = None
    for choice in itertools.product(*per_paper):
        edges = np.array([e for group in choice for e in group], dtype=np.int64)
        loads = np.bincount(aff.reviewer[edges], minlength=len(aff.reviewers))
        if (loads > problem.max_load).any() or (loads < problem.min_load).any():
            continue
        value = key(problem, edges)
        best = value if best is None else max(best, value)
    return best


def total(problem, edges):
    return float(problem.adjusted[edges].sum())


def floor_then_total(problem, edges):
    return (float(problem.adjusted[edges].min()), round(float(problem.adjusted[edges].sum()), 9))


def check_valid(result):
    prob, aff = result.problem, result.problem.affinity
    assert prob.allowed[result.edges].all(), "a conflicted pair was assigned"
    per_paper = np.bincount(aff.paper[result.edges], minlength=len(aff.papers))
    assert (per_paper == prob.demand).all()
    loads = result.loads()
    assert (loads <= prob.max_load).all() and (loads >= prob.min_load).all()
    pairs = set(zip(aff.paper[result.edges].tolist(), aff.reviewer[result.edges].tolist(), strict=True))
    assert len(pairs) == result.edges.size, "a reviewer twice on one paper"


@pytest.mark.parametrize("seed", range(6))
def test_sum_and_fair_match_brute_force(seed):
    aff = dense(seed, 4, 4)
    rng = np.random.default_rng(100 + seed)
    conflicts = {(f"p{i}", f"r{j}") for i in range(4) for j in range(4) if rng.random() < 0.2}
    problem = build_problem(aff, 2, min_load=1, max_load=3, conflicts=conflicts)
    try:
        s = solve(problem, "sum")
    except Infeasible:
        assert brute_force(problem, total) is None
        return
    check_valid(s)
    assert s.total == pytest.approx(brute_force(problem, total), abs=1e-9)
    f = solve(problem, "fair")
    check_valid(f)
    assert floor_then_total(problem, f.edges) == pytest.approx(brute_force(problem, floor_then_total), abs=1e-9)
    assert f.summary()["lowest_pair_score"] >= s.summary()["lowest_pair_score"]


@pytest.mark.parametrize("seed", range(3))
def test_sum_equals_the_lp_bound_from_glop(seed):
    aff = dense(seed, 40, 25, top_k=10)
    rng = np.random.default_rng(seed)
    conflicts = {(f"p{i}", f"r{j}") for i in range(40) for j in range(25) if rng.random() < 0.05}
    loads = {"r0": (3, 4), "r1": (None, 1)}
    problem = build_problem(aff, 3, min_load=1, max_load=7, loads=loads, conflicts=conflicts)
    result = solve(problem, "sum", lp_bound=True)
    check_valid(result)
    assert result.loads()[0] >= 3 and result.loads()[1] <= 1
    gap = result.summary()["gap"]
    assert gap <= result.rounding_bound + 1e-9
    assert result.lp_bound == pytest.approx(solve_lp(problem), abs=1e-9)


def test_infeasible_names_short_papers_and_capacity():
    aff = dense(0, 5, 4)
    conflicts = {("p1", "r0"), ("p1", "r1"), ("p1", "r2")}
    with pytest.raises(Infeasible) as err:
        solve(build_problem(aff, 2, 0, 2, conflicts=conflicts))
    text = str(err.value)
    assert "p1 (1 of 2)" in text
    assert "total capacity 8" in text and "demand 10" in text and "(--max-load) to at least 3" in text


def test_infeasible_minimum_loads_are_explained():
    aff = dense(1, 3, 3)
    with pytest.raises(Infeasible, match="minimum loads add up to 9, more than the 6"):
        solve(build_problem(aff, 2, 3, 3))
    with pytest.raises(Infeasible, match="r2 .0 candidate papers, min 1"):
        solve(build_problem(aff, 1, 1, 3, conflicts={("p0", "r2"), ("p1", "r2"), ("p2", "r2")}))


def test_a_combination_that_counting_misses_reports_the_max_flow():
    # Each paper has two candidates, but p0..p2 all share r0/r1 whose loads allow only 2 each.
    triples = [(f"p{i}", r, 1.0) for i in range(3) for r in ("r0", "r1")] + [("p3", "r2", 1.0), ("p3", "r3", 1.0)]
    aff = Affinity.from_triples(triples)
    with pytest.raises(Infeasible, match="at most 6 of 8 review slots"):
        solve(build_problem(aff, 2, 0, 2))


def test_bids_move_the_assignment_and_conflict_bids_exclude():
    aff = Affinity.from_triples([("p0", "r0", 0.50), ("p0", "r1", 0.45), ("p0", "r2", 0.10)])
    plain = solve(build_problem(aff, 1, 0, 1))
    assert aff.reviewers[int(aff.reviewer[plain.edges[0]])] == "r0"
    bid = solve(build_problem(aff, 1, 0, 1, bids={("r1", "p0"): "very high"}))
    assert bid.problem.affinity.reviewers[int(bid.problem.affinity.reviewer[bid.edges[0]])] == "r1"
    no = solve(build_problem(aff, 1, 0, 1, bids={("r0", "p0"): "conflict", ("r1", "p0"): -1}, bid_weight=0.5))
    assert no.problem.affinity.reviewers[int(no.problem.affinity.reviewer[no.edges[0]])] == "r2"
    with pytest.raises(InputError, match="unknown bid"):
        build_problem(aff, 1, 0, 1, bids={("r0", "p0"): "maybe"})


def test_alternates_are_the_next_best_free_candidates():
    aff = dense(3, 6, 8)
    conflicts = {("p0", "r7")}
    result = solve(build_problem(aff, 2, 0, 3, conflicts=conflicts), alternates=2)
    a = result.problem.affinity
    for p, edges in result.alternates.items():
        assigned = {int(a.reviewer[e]) for e in result.edges if a.paper[e] == p}
        alts = [int(a.reviewer[e]) for e in edges]
        assert len(alts) == 2 and not set(alts) & assigned
        scores = [float(a.score[e]) for e in edges]
        assert scores == sorted(scores, reverse=True)
        rest = [float(a.score[e]) for e in range(len(a)) if a.paper[e] == p and int(a.reviewer[e]) not in assigned | set(alts)
                and result.problem.allowed[e]]
        assert all(s <= scores[-1] for s in rest)
    assert 7 not in [int(a.reviewer[e]) for e in result.alternates[0]]


def test_top_candidates_are_chosen_after_conflicts():
    aff = dense(4, 3, 6)
    best = int(np.argmax(np.where(aff.paper == 0, aff.score, -1)))
    banned = ("p0", aff.reviewers[int(aff.reviewer[best])])
    cut = top_candidates(aff, 2, {banned})
    assert len(cut) == 6
    assert banned not in {(cut.papers[int(p)], cut.reviewers[int(r)]) for p, r in zip(cut.paper, cut.reviewer, strict=True)}


def test_progress_is_reported_for_fair():
    seen = []
    solve(build_problem(dense(5, 10, 8), 2, 0, 4), "fair", progress=lambda s, d, t: seen.append(s))
    assert any(s.startswith("fair: searching") for s in seen) and any("min-cost flow" in s for s in seen)
