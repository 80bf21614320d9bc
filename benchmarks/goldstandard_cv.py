"""Cross-validation by researcher on the gold standard's dev half (``goldstandard.py --cv``).

The ten d_20_i datasets resample the *same* 29 researchers, so they are not independent
evidence; the unit of evidence is the researcher. This module:

1. reads every dataset with the product's own readers (``formats.openreview`` and ``affinity``),
   embeds every text once (full ``title. abstract``, title, abstract, sentences) through the
   product's SQLite embedding cache, and computes one similarity matrix per representation;
2. scores every candidate method (representation × aggregation × paper weights ×
   normalisation) with the product's ``paper_weights``/``aggregate``, keeping per researcher and
   dataset the pieces of the paper's metric (loss numerator/denominator, easy and hard counts),
   so any subset of researchers is scored exactly like ``score.py`` scores the whole;
3. runs repeated K-fold cross-validation by researcher: the nested procedure picks the best
   candidate on K−1 folds' researchers and is scored on the left-out ones; a bootstrap over
   researchers gives 95 % intervals (of each method, and of its difference to the baseline);
4. fits the score → P(expertise ≥ 3) calibration under the same cross-validation
   (Platt and isotonic), prints log-loss / Brier / a reliability table, and writes the fitted
   constants into ``src/scholarlens/calibration.py`` (``--write-calibration``).
"""

from __future__ import annotations

import csv
import itertools
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scholarlens.affinity import build_pool, read_submissions
from scholarlens.embeddings import Encoder, embed_cached
from scholarlens.expertise import Pool
from scholarlens.formats import openreview
from scholarlens.index import LexicalIndex
from scholarlens.models import ParsedPaper
from scholarlens.scoring import aggregate, get_method, sentences

#: statistics kept per (dataset, researcher): loss numerator, denominator, easy good/all, hard good/all
N_STATS = 6


@dataclass
class Dataset:
    """One d_20_i: the pool of reviewer papers, the submissions, the ratings and the sims."""

    name: str
    pool: Pool
    reviewers: list[str]  # bare ids, in evaluation order
    sub_ids: list[str]
    sub_texts: list[str]
    sub_titles: list[str]
    sub_abstracts: list[str]
    pool_titles: list[str]
    pool_abstracts: list[str]
    rated: dict[str, list[tuple[int, float]]] = field(default_factory=dict)  # rid -> (row, rating)
    sims: dict[str, np.ndarray] = field(default_factory=dict)  # rep -> (n_subs, n_pool)
    background: dict[str, np.ndarray] = field(default_factory=dict)  # rep -> (n_pool, n_pool)


def read_ratings(path: Path) -> dict[str, dict[str, float]]:
    """``{researcher id: {paper id: expertise}}`` from evaluations.tsv."""
    out: dict[str, dict[str, float]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out[row["ParticipantID"]] = {
                row[f"Paper{i}"]: float(row[f"Expertise{i}"])
                for i in range(1, 11)
                if row.get(f"Paper{i}") and row.get(f"Expertise{i}")
            }
    return out


def load(root: Path, n_datasets: int = 10) -> tuple[list[Dataset], list[str]]:
    """Every dataset with its ratings; returns them and the researcher ids (sorted)."""
    ratings = read_ratings(root / "evaluations.tsv")
    researchers = sorted(ratings)
    out = []
    for i in range(1, n_datasets + 1):
        d = root / f"d_20_{i}"
        # The product's readers: the format module's parsed (cleaned) papers, the affinity pool.
        archives = openreview.read_archives(d / "archives")
        pool, reviewers = build_pool(archives), list(archives)
        subs = read_submissions(d / "submissions.json")
        parsed: dict[str, ParsedPaper] = {}
        for papers in archives.values():
            for paper in papers:
                parsed.setdefault(paper.identifiers["openreview"], paper)
        parsed_subs = {
            p.identifiers["openreview"]: p
            for p in openreview.read_submissions(d / "submissions.json")
        }
        ta_pool = [(parsed[pid].title or "", parsed[pid].abstract or "") for pid in pool.ids]
        ta_subs = [
            (parsed_subs[pid].title or "", parsed_subs[pid].abstract or "") for pid, _ in subs
        ]
        ds = Dataset(
            name=f"d_20_{i}",
            pool=pool,
            reviewers=[r.lstrip("~") for r in reviewers],
            sub_ids=[pid for pid, _ in subs],
            sub_texts=[t for _, t in subs],
            sub_titles=[t for t, _ in ta_subs],
            sub_abstracts=[a for _, a in ta_subs],
            pool_titles=[t for t, _ in ta_pool],
            pool_abstracts=[a for _, a in ta_pool],
        )
        row = {pid: j for j, pid in enumerate(ds.sub_ids)}
        for rid in researchers:
            ds.rated[rid] = [(row[p], r) for p, r in sorted(ratings[rid].items())]
        out.append(ds)
    return out, researchers


# -- representations ---------------------------------------------------------------------


def _segment_max_sims(
    q: np.ndarray, q_owner: np.ndarray, n_q: int, p: np.ndarray, p_owner: np.ndarray, n_p: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sentence-level late interaction between two sets of documents.

    ``q``/``p`` are sentence vectors, ``*_owner`` the document each sentence belongs to
    (sorted). Returns ``(maxsim, colbert)``, both ``(n_q, n_p)``: the best sentence pair, and
    the mean over the query document's sentences of each one's best match in the paper.
    """
    m = q @ p.T
    p_starts = np.searchsorted(p_owner, np.arange(n_p))
    q_starts = np.searchsorted(q_owner, np.arange(n_q))
    best_in_p = np.maximum.reduceat(m, p_starts, axis=1)  # (q sents, n_p)
    maxsim = np.maximum.reduceat(best_in_p, q_starts, axis=0)
    counts = np.diff(np.append(q_starts, len(q_owner)))
    colbert = np.add.reduceat(best_in_p, q_starts, axis=0) / counts[:, None]
    return maxsim.astype(np.float32), colbert.astype(np.float32)


def _sentence_vectors(
    store: object,
    enc: Encoder,
    titles: Sequence[str],
    abstracts: Sequence[str],
    texts: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    sents: list[str] = []
    owner: list[int] = []
    for j, (t, a, full) in enumerate(zip(titles, abstracts, texts, strict=True)):
        parts = sentences(t, a) or [full]
        sents.extend(parts)
        owner.extend([j] * len(parts))
    return embed_cached(store, enc, sents), np.asarray(owner)  # type: ignore[arg-type]


def compute_sims(
    datasets: list[Dataset],
    enc: Encoder,
    store: object,
    progress: Callable[[str], None] = lambda s: None,
) -> None:
    """Fill ``ds.sims`` and ``ds.background`` for every representation."""
    for ds in datasets:
        t0 = time.perf_counter()
        pool = ds.pool

        def vecs(texts: Sequence[str], fallback: Sequence[str]) -> np.ndarray:
            return embed_cached(store, enc, [t or f for t, f in zip(texts, fallback, strict=True)])  # type: ignore[arg-type]

        pf, sf = vecs(pool.texts, pool.texts), vecs(ds.sub_texts, ds.sub_texts)
        pt, st = vecs(ds.pool_titles, pool.texts), vecs(ds.sub_titles, ds.sub_texts)
        pa, sa = vecs(ds.pool_abstracts, pool.texts), vecs(ds.sub_abstracts, ds.sub_texts)
        ps, po = _sentence_vectors(store, enc, ds.pool_titles, ds.pool_abstracts, pool.texts)
        ss, so = _sentence_vectors(store, enc, ds.sub_titles, ds.sub_abstracts, ds.sub_texts)
        n_p, n_s = len(pool.ids), len(ds.sub_ids)
        ds.sims["full"] = sf @ pf.T
        ds.sims["title"] = st @ pt.T
        ds.sims["abstract"] = sa @ pa.T
        ds.sims["sent-max"], ds.sims["sent-colbert"] = _segment_max_sims(ss, so, n_s, ps, po, n_p)
        lex = LexicalIndex(pool.ids, pool.texts, extra=ds.sub_texts)
        ds.sims["lexical"] = lex.similarities(ds.sub_texts)
        # background: the pool's papers as queries against the pool (for per-paper z-scores)
        ds.background["full"] = pf @ pf.T
        ds.background["title"] = pt @ pt.T
        ds.background["abstract"] = pa @ pa.T
        ds.background["sent-max"], ds.background["sent-colbert"] = _segment_max_sims(
            ps, po, n_p, ps, po, n_p
        )
        ds.background["lexical"] = lex.similarities(pool.texts)
        progress(
            f"{ds.name}: {n_p} pool papers, {n_s} submissions, {len(ps) + len(ss)} sentences, {time.perf_counter() - t0:.1f}s"
        )


# -- candidate methods -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A paper-similarity recipe plus a product :class:`~scholarlens.scoring.Method` spec."""

    name: str
    mix: tuple[tuple[str, float], ...]  # (representation, weight)
    spec: str  # scoring method spec: aggregation and paper weights (its dense/lexical are ignored)
    norm: str = "none"  # none | paper-z | query-center (see similarity)
    coherence: float = 0.0  # weight a paper by (its mean similarity to the person's others)**this

    def similarity(self, ds: Dataset) -> np.ndarray:
        """Submission × pool similarities. ``paper-z`` z-scores each pool paper's column
        against that paper's similarities to the other pool papers (a background of other
        queries); ``query-center`` subtracts half of each submission's mean similarity to
        the pool (a mild hubness correction)."""
        sims = np.asarray(sum(w * ds.sims[rep] for rep, w in self.mix), dtype=np.float32)
        if self.norm == "none":
            return sims
        if self.norm == "query-center":
            return sims - 0.5 * sims.mean(1, keepdims=True)
        bg = sum(w * ds.background[rep] for rep, w in self.mix)
        bg = np.asarray(bg, dtype=np.float64).copy()
        np.fill_diagonal(bg, np.nan)  # a paper is not its own background
        mu = np.nanmean(bg, axis=0)
        sd = np.nanstd(bg, axis=0) + 1e-6
        return ((sims - mu[None, :]) / sd[None, :]).astype(np.float32)


def pair_scores(cand: Candidate, ds: Dataset) -> dict[str, np.ndarray]:
    """``{researcher: scores of their rated papers}`` (order of ``ds.rated[researcher]``)."""
    method = get_method(cand.spec)
    sims = cand.similarity(ds)
    pool = ds.pool
    newest = max((y for y in pool.years if y), default=None)
    out = {}
    for rid, rated in ds.rated.items():
        cols_pos = pool.people.get("~" + rid) or pool.people.get(rid) or []
        rows = [r for r, _ in rated]
        if not cols_pos:
            out[rid] = np.zeros(len(rows), dtype=np.float32)
            continue
        cols, w = pool.weights(cols_pos, method, newest)
        if cand.coherence and len(cols) > 1:
            bg = ds.background["full"][np.ix_(cols, cols)]
            centrality = (bg.sum(1) - np.diag(bg)) / (len(cols) - 1)
            w = w * np.clip(centrality, 0.01, None).astype(np.float32) ** cand.coherence
        scores, _ = aggregate(sims[np.ix_(rows, cols)], w, method)
        out[rid] = scores
    return out


def reviewer_stats(scores: np.ndarray, ratings: Sequence[float]) -> np.ndarray:
    """The paper's metric pieces for one reviewer (ties as score.py sees them: 6 decimals)."""
    s = np.round(np.asarray(scores, dtype=np.float64), 6)
    st = np.zeros(N_STATS)
    for i, j in itertools.combinations(range(len(ratings)), 2):
        true, pred = ratings[i] - ratings[j], s[i] - s[j]
        st[1] += abs(true)
        if true * pred < 0:
            st[0] += abs(true)
        elif true * pred == 0:
            st[0] += abs(true) / 2
        if true == 0:
            continue
        good = true * pred > 0
        if min(ratings[i], ratings[j]) >= 4:
            st[4] += good
            st[5] += 1
        if max(ratings[i], ratings[j]) >= 4 and min(ratings[i], ratings[j]) <= 2:
            st[2] += good
            st[3] += 1
    return st


def candidate_stats(cand: Candidate, datasets: list[Dataset], researchers: list[str]) -> np.ndarray:
    """``(n_datasets, n_researchers, N_STATS)`` for one candidate."""
    out = np.zeros((len(datasets), len(researchers), N_STATS))
    for d, ds in enumerate(datasets):
        scores = pair_scores(cand, ds)
        for r, rid in enumerate(researchers):
            out[d, r] = reviewer_stats(scores[rid], [x for _, x in ds.rated[rid]])
    return out


def metric(stats: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """(loss, easy, hard) of ``(n_datasets, n_researchers, N_STATS)`` stats, researchers
    weighted by ``weights`` (bootstrap counts), as score.py computes them."""
    if weights is not None:
        stats = stats * weights[None, :, None]
    tot = stats.sum(1)  # (n_datasets, N_STATS)
    with np.errstate(invalid="ignore", divide="ignore"):
        loss = np.nanmean(tot[:, 0] / tot[:, 1])
        easy = np.nanmean(tot[:, 2] / tot[:, 3])
        hard = np.nanmean(tot[:, 4] / tot[:, 5])
    return float(loss), float(easy), float(hard)


def losses(stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Loss for many researcher weightings at once: ``stats`` ``(..., n_d, n_r, N)``,
    ``weights`` ``(n_w, n_r)`` → ``(..., n_w)``."""
    num = np.einsum("...dr,wr->...wd", stats[..., 0], weights)
    den = np.einsum("...dr,wr->...wd", stats[..., 1], weights)
    return (num / den).mean(-1)


def _ci(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def bootstrap_weights(n: int, b: int, seed: int) -> np.ndarray:
    """``(b, n)`` multiplicities of researchers in ``b`` bootstrap resamples."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(b, n))
    w = np.zeros((b, n))
    np.add.at(w, (np.arange(b)[:, None], idx), 1)
    return w


def folds(n: int, k: int, repeats: int, seed: int) -> list[list[np.ndarray]]:
    """For each repeat, ``k`` disjoint held-out index sets covering ``range(n)``."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(repeats):
        perm = rng.permutation(n)
        out.append([np.sort(perm[f::k]) for f in range(k)])
    return out


def nested_cv(
    all_stats: np.ndarray, splits: list[list[np.ndarray]], simplicity: Sequence[int] | None = None
) -> tuple[np.ndarray, list[int]]:
    """The selection procedure: per fold pick the candidate with the lowest training loss
    (ties go to the simpler one: lower ``simplicity``, then the earlier). Returns the held-out
    stats averaged over repeats ``(n_d, n_r, N)`` and every pick."""
    n_c, n_d, n_r, _ = all_stats.shape
    simple = np.asarray(simplicity if simplicity is not None else np.zeros(n_c))
    held = np.zeros((n_d, n_r, N_STATS))
    picks = []
    for repeat in splits:
        for test in repeat:
            train = np.ones(n_r)
            train[test] = 0
            tl = losses(all_stats, train[None, :])[:, 0]
            best = min(range(n_c), key=lambda c: (round(tl[c], 6), simple[c], c))
            picks.append(best)
            held[:, test] += all_stats[best][:, test]
    return held / len(splits), picks


def summarise(
    stats: np.ndarray, boot: np.ndarray, baseline: np.ndarray | None = None
) -> dict[str, float]:
    """Point figures plus bootstrap intervals (of the loss, and of the loss minus the baseline's)."""
    loss, easy, hard = metric(stats)
    bl = losses(stats, boot)
    out = {"loss": loss, "easy": easy, "hard": hard}
    out["lo"], out["hi"] = _ci(bl)
    if baseline is not None:
        diff = bl - losses(baseline, boot)
        out["diff"] = loss - metric(baseline)[0]
        out["dlo"], out["dhi"] = _ci(diff)
    return out


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.3f}"


# -- the candidates ----------------------------------------------------------------------

FULL = (("full", 1.0),)
HYBRID = (("full", 1.0), ("lexical", 0.5))
#: the simple baseline every change is measured against: mean of the 3 best MiniLM cosines
BASELINE = Candidate("top3", FULL, "top3")


def grid() -> list[Candidate]:
    """The few-knob family the default is chosen from: lexical mix × aggregation × team
    discount. Names are ``--method`` specs the product accepts."""
    out = []
    aggs = [f"k={k}" for k in range(1, 7)] + [f"agg=decay,decay={r}" for r in (0.5, 0.7, 0.8, 0.9)]
    for lex, mix in ((0.0, FULL), (0.5, HYBRID)):
        for agg in aggs:
            for team in (0, 20):
                spec = f"top5,{agg},lexical={lex:g},team={team}"
                out.append(Candidate(spec, mix, spec))
    return out


def others() -> list[Candidate]:
    """Single variants measured against the baseline (not all expressible as a product spec
    yet: the representation names say what they need)."""
    k3 = "top5,k=3,lexical=0,team=0"
    out = [
        Candidate("hybrid-top5", HYBRID, "hybrid-top5"),
        Candidate("max", FULL, "max"),
        Candidate("mean", FULL, "mean,lexical=0,team=0"),
        Candidate("softmax", HYBRID, "softmax"),
        Candidate(
            "softmax,temperature=0.2,lexical=0,team=0",
            FULL,
            "softmax,temperature=0.2,lexical=0,team=0",
        ),
        Candidate("recency", HYBRID, "recency"),
        Candidate("top3,recency=5", FULL, "top3,recency=5"),
        Candidate("authors", HYBRID, "authors"),
        Candidate("top3,authors=0.5,team=0", FULL, "top3,authors=0.5,team=0"),
        Candidate("position", HYBRID, "position"),
        Candidate("lexical", (("lexical", 1.0),), "lexical"),
    ]
    for name, mix in (
        ("title vectors only", (("title", 1.0),)),
        ("abstract vectors only", (("abstract", 1.0),)),
        ("title + abstract as separate vectors", (("title", 1.0), ("abstract", 1.0))),
        ("full + title vectors", (("full", 1.0), ("title", 1.0))),
        ("sentences, best pair (max-sim)", (("sent-max", 1.0),)),
        ("sentences, late interaction (ColBERT mean of max)", (("sent-colbert", 1.0),)),
        ("full + sentence late interaction", (("full", 1.0), ("sent-colbert", 1.0))),
        ("full + sentence max-sim", (("full", 1.0), ("sent-max", 1.0))),
    ):
        out.append(Candidate(f"{name}, top-3", mix, k3))
    out.append(Candidate("per-paper z-score vs. pool background, top-3", FULL, k3, "paper-z"))
    out.append(Candidate("query centring (half the mean), top-3", FULL, k3, "query-center"))
    for spec, gamma in (("max", 2.0), ("top3", 1.0)):
        out.append(
            Candidate(
                f"{spec}, papers weighted by coherence^{gamma:g}", FULL, spec, coherence=gamma
            )
        )
    return out


def _plain(c: Candidate) -> bool:
    """A candidate the product runs as is: one ``--method`` spec, no extra representation."""
    return c.name == c.spec and c.mix in (FULL, HYBRID) and c.norm == "none"


PROCEDURES: dict[str, Callable[[list[Candidate]], list[int]]] = {
    "pick k of top-k (dense, k=1..6)": lambda cs: [
        i
        for i, c in enumerate(cs)
        if _plain(c) and c.spec in {f"top5,k={k},lexical=0,team=0" for k in range(1, 7)}
    ],
    "pick from the grid (lexical × aggregation × team, 40)": lambda cs: [
        i for i, c in enumerate(cs) if _plain(c) and c.spec.startswith("top5,")
    ],
    "pick from every candidate": lambda cs: list(range(len(cs))),
}


@dataclass
class CVReport:
    """Everything the markdown table and the calibration need."""

    rows: list[tuple[str, dict[str, float]]]
    procedures: list[tuple[str, dict[str, float], dict[str, int], float]]
    stats: dict[str, np.ndarray]
    config: dict[str, object]


def cross_validate(
    datasets: list[Dataset],
    researchers: list[str],
    cands: list[Candidate],
    *,
    k: int = 5,
    repeats: int = 10,
    seed: int = 0,
    n_boot: int = 2000,
) -> CVReport:
    """Every candidate's figures and every selection procedure's nested-CV figures."""
    n_r = len(researchers)
    all_stats = np.stack([candidate_stats(c, datasets, researchers) for c in cands])
    base = all_stats[[c.name for c in cands].index(BASELINE.name)]
    boot = bootstrap_weights(n_r, n_boot, seed + 1)
    rows = [(c.name, summarise(all_stats[i], boot, base)) for i, c in enumerate(cands)]
    splits = folds(n_r, k, repeats, seed)
    procs = []
    for pname, select in PROCEDURES.items():
        idx = select(cands)
        held, picks = nested_cv(all_stats[idx], splits)
        counts: dict[str, int] = {}
        optimism = []
        for p, test in zip(picks, [t for rep in splits for t in rep], strict=True):
            counts[cands[idx[p]].name] = counts.get(cands[idx[p]].name, 0) + 1
            train = np.ones(n_r)
            train[test] = 0
            test_w = 1 - train
            optimism.append(
                losses(all_stats[idx[p]], test_w[None])[0]
                - losses(all_stats[idx[p]], train[None])[0]
            )
        procs.append((pname, summarise(held, boot, base), counts, float(np.mean(optimism))))
    return CVReport(
        rows,
        procs,
        {c.name: all_stats[i] for i, c in enumerate(cands)},
        {"folds": k, "repeats": repeats, "seed": seed, "bootstrap": n_boot, "researchers": n_r},
    )


def table(report: CVReport) -> str:
    """Markdown: procedures first, then every candidate best first."""
    head = "| {} | loss | 95 % interval | easy | hard | Δ loss vs top3 | Δ 95 % interval |\n|---|---|---|---|---|---|---|\n"

    def line(name: str, s: dict[str, float]) -> str:
        return (
            f"| {name} | {s['loss']:.3f} | {s['lo']:.3f}–{s['hi']:.3f} | {s['easy']:.3f} | "
            f"{s['hard']:.3f} | {s['diff']:+.3f} | {s['dlo']:+.3f} … {s['dhi']:+.3f} |\n"
        )

    out = head.format("selection procedure (nested CV)")
    for name, s, _, _ in report.procedures:
        out += line(name, s)
    out += "\n" + head.format("method (`--method` spec or variant)")
    for name, s in sorted(report.rows, key=lambda r: r[1]["loss"]):
        out += line(f"`{name}`" if "," in name or name in ("top3", "max", "mean") else name, s)
    return out


def picks_text(report: CVReport) -> str:
    """What each procedure picked, how often, and its optimism (training minus held-out loss)."""
    lines = []
    for name, _, counts, optimism in report.procedures:
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
        lines.append(
            f"- {name}: optimism of the training-fold loss {optimism:+.3f}; picks "
            + ", ".join(f"`{n}` ×{c}" for n, c in top)
        )
    return "\n".join(lines)


def main_cv(
    root: Path,
    cache: str | None,
    model: str | None,
    *,
    k: int = 5,
    repeats: int = 10,
    seed: int = 0,
    n_boot: int = 2000,
    calibrate_methods: Sequence[str] = (),
    write_calibration: bool = False,
) -> str:
    """Load, embed (through ``cache``), cross-validate, calibrate; returns the markdown."""
    from goldstandard_calibration import calibrate, calibration_text

    from scholarlens.embeddings import get_encoder
    from scholarlens.scoring import METHODS
    from scholarlens.stores import open_store

    t0, c0 = time.perf_counter(), time.process_time()
    datasets, researchers = load(root)
    store = open_store(cache or ":memory:")
    try:
        compute_sims(datasets, get_encoder(model), store, log)
    finally:
        store.close()
    log(f"similarities: {time.perf_counter() - t0:.0f}s wall, {time.process_time() - c0:.0f}s CPU")
    cands = [BASELINE] + grid() + others()
    report = cross_validate(
        datasets, researchers, cands, k=k, repeats=repeats, seed=seed, n_boot=n_boot
    )
    cfg = report.config
    out = [
        f"{cfg['folds']}-fold cross-validation by researcher × {cfg['repeats']} repeats (seed {cfg['seed']}), "
        f"{cfg['researchers']} researchers, 95 % intervals from {cfg['bootstrap']} bootstrap resamples of researchers.",
        "",
        table(report),
        picks_text(report),
        "",
    ]
    splits = folds(len(researchers), k, repeats, seed)
    consts = {}
    for name in calibrate_methods or list(METHODS):
        const, cv = calibrate(name, datasets, researchers, splits)
        consts[name] = const
        out.append(calibration_text(name, const, cv))
    if write_calibration:
        from scholarlens import calibration

        calibration.write_constants(consts)
        log(f"wrote {len(consts)} calibrations into {calibration.__file__}")
    log(f"total: {time.perf_counter() - t0:.0f}s wall, {time.process_time() - c0:.0f}s CPU")
    return "\n".join(out)
