"""Score calibration on the gold standard: score -> P(expertise >= 3), under CV by researcher.

Part of ``benchmarks/goldstandard.py --cv`` (see goldstandard_cv.py for the data and the
folds). Platt scaling and isotonic regression are fitted on the training folds' researchers
and judged on the held-out ones (log-loss, Brier, reliability table, the observed rate of
each strength label, the error rates of the "no one here has worked on this" rule); the
constants shipped in ``src/scholarlens/calibration.py`` are Platt's fit on all pairs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from goldstandard_cv import Candidate, Dataset, _fmt, pair_scores

from scholarlens.scoring import get_method

EXPERT = 3.0  # the gold standard's 1-5 scale: 3 = "I could review it"
CLIP = 0.01  # probabilities are kept in [CLIP, 1 - CLIP] (log-loss stays finite)


def pairs(
    cand: Candidate, datasets: list[Dataset], researchers: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scores, labels, researcher index)`` of every rated pair in every dataset."""
    xs, ys, who = [], [], []
    for ds in datasets:
        scores = pair_scores(cand, ds)
        for r, rid in enumerate(researchers):
            xs.extend(scores[rid].tolist())
            ys.extend(float(x >= EXPERT) for _, x in ds.rated[rid])
            who.extend([r] * len(ds.rated[rid]))
    return np.asarray(xs), np.asarray(ys), np.asarray(who)


def fit_platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``p = 1 / (1 + exp(-(a * score + b)))`` by (almost unregularised) logistic regression."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4).fit(x[:, None], y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def platt(ab: tuple[float, float], x: np.ndarray) -> np.ndarray:
    return np.clip(1 / (1 + np.exp(-(ab[0] * x + ab[1]))), CLIP, 1 - CLIP)


def fit_isotonic(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Knots of a non-decreasing step fit (interpolated linearly between knots)."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=CLIP, y_max=1 - CLIP, out_of_bounds="clip").fit(x, y)
    return [float(v) for v in iso.X_thresholds_], [float(v) for v in iso.y_thresholds_]


def isotonic(knots: tuple[list[float], list[float]], x: np.ndarray) -> np.ndarray:
    return np.clip(np.interp(x, knots[0], knots[1]), CLIP, 1 - CLIP)


def _logloss(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def calibration_cv(
    x: np.ndarray, y: np.ndarray, who: np.ndarray, splits: list[list[np.ndarray]]
) -> dict[str, object]:
    """Out-of-fold probabilities for each pair (by researcher), per repeat; log-loss and
    Brier (mean over repeats) of Platt, isotonic and the base rate; a reliability table of
    Platt's out-of-fold probabilities (all repeats pooled)."""
    res: dict[str, list[float]] = {}
    pooled_p, pooled_y = [], []
    for repeat in splits:
        oof = {name: np.zeros(len(y)) for name in ("platt", "isotonic", "base rate")}
        for test in repeat:
            te = np.isin(who, test)
            tr = ~te
            oof["platt"][te] = platt(fit_platt(x[tr], y[tr]), x[te])
            oof["isotonic"][te] = isotonic(fit_isotonic(x[tr], y[tr]), x[te])
            oof["base rate"][te] = np.clip(y[tr].mean(), CLIP, 1 - CLIP)
        for name, p in oof.items():
            res.setdefault(f"{name} log-loss", []).append(_logloss(p, y))
            res.setdefault(f"{name} Brier", []).append(float(np.mean((p - y) ** 2)))
        pooled_p.append(oof["platt"])
        pooled_y.append(y)
    p_all, y_all = np.concatenate(pooled_p), np.concatenate(pooled_y)
    edges = [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    rel = []
    for lo, hi in itertools.pairwise(edges):
        m = (p_all >= lo) & ((p_all < hi) | (hi == 1.0))
        if m.any():
            rel.append(
                (lo, hi, int(m.sum()) / len(splits), float(p_all[m].mean()), float(y_all[m].mean()))
            )
    return {"metrics": {k: float(np.mean(v)) for k, v in res.items()}, "reliability": rel}


def candidate_for(name: str) -> Candidate:
    """The candidate that scores exactly like the product's named method ``name``."""
    m = get_method(name)
    mix = tuple((rep, w) for rep, w in (("full", m.dense), ("lexical", m.lexical)) if w)
    return Candidate(name, mix, name)


NO_MATCH_QUANTILE = 5.0  # percent of expert pairs allowed below the "no one" threshold


def calibrate(
    name: str, datasets: list[Dataset], researchers: list[str], splits: list[list[np.ndarray]]
) -> tuple[dict[str, float], dict[str, object]]:
    """The shipped constants of one method and its cross-validated figures (including the
    strength labels' observed rates and the "no one" rule's error rates on held-out folds)."""
    from scholarlens.calibration import MODERATE, STRONG

    x, y, who = pairs(candidate_for(name), datasets, researchers)
    cv = calibration_cv(x, y, who, splits)
    labels: dict[str, list[float]] = {"strong": [], "moderate": [], "weak match": []}
    below_expert, below_other = [], []
    for repeat in splits:
        for test in repeat:
            te = np.isin(who, test)
            tr = ~te
            p = platt(fit_platt(x[tr], y[tr]), x[te])
            for lab, m in (
                ("strong", p >= STRONG),
                ("moderate", (p >= MODERATE) & (p < STRONG)),
                ("weak match", p < MODERATE),
            ):
                labels[lab].extend(y[te][m].tolist())
            thr = np.percentile(x[tr][y[tr] == 1], NO_MATCH_QUANTILE)
            below_expert.extend((x[te][y[te] == 1] < thr).tolist())
            below_other.extend((x[te][y[te] == 0] < thr).tolist())
    cv["labels"] = {
        k: (len(v) / len(splits), float(np.mean(v)) if v else math.nan) for k, v in labels.items()
    }
    cv["no_match_rates"] = (float(np.mean(below_expert)), float(np.mean(below_other)))
    a, b = fit_platt(x, y)
    metrics = cv["metrics"]
    assert isinstance(metrics, dict)
    const = {
        "a": round(a, 4),
        "b": round(b, 4),
        "no_match": round(float(np.percentile(x[y == 1], NO_MATCH_QUANTILE)), 4),
        "pairs": int(len(y)),
        "base_rate": round(float(y.mean()), 4),
        "cv_log_loss": round(metrics["platt log-loss"], 4),
        "cv_brier": round(metrics["platt Brier"], 4),
    }
    return const, cv


def calibration_text(name: str, const: dict[str, float], cv: dict[str, object]) -> str:
    """Markdown block: metrics, reliability and label rates of one method."""
    m = cv["metrics"]
    assert isinstance(m, dict)
    out = [
        f"**{name}**: p = 1/(1+exp(−({const['a']:g}·score {const['b']:+g}))), "
        f"no-match threshold score {const['no_match']:g}; {const['pairs']} pairs, base rate {const['base_rate']:.2f}.",
        "",
        "| predictor (CV by researcher) | log-loss | Brier |\n|---|---|---|",
    ]
    for pred in ("platt", "isotonic", "base rate"):
        out.append(f"| {pred} | {m[f'{pred} log-loss']:.3f} | {m[f'{pred} Brier']:.3f} |")
    out += [
        "",
        "| Platt p (held out) | pairs per repeat | mean p | observed P(≥3) |\n|---|---|---|---|",
    ]
    for lo, hi, n, mp, obs in cv["reliability"]:  # type: ignore[attr-defined]
        out.append(f"| {lo:.1f}–{hi:.1f} | {n:.0f} | {mp:.3f} | {obs:.3f} |")
    out += ["", "| label | pairs per repeat | observed P(≥3) |\n|---|---|---|"]
    for lab, (n, obs) in cv["labels"].items():  # type: ignore[attr-defined]
        out.append(f"| {lab} | {n:.0f} | {_fmt(obs)} |")
    e, o = cv["no_match_rates"]  # type: ignore[misc]
    out += [
        "",
        f"No-match rule on held-out researchers: {e:.1%} of expert pairs (≥ 3) and {o:.1%} of the others fall below the threshold.",
    ]
    return "\n".join(out) + "\n"
