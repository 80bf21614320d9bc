"""Batch affinity, a drop-in for openreview-expertise: every submission × reviewer score.

``affinity_scores`` reads an archives folder of ``~<reviewerId>.jsonl`` files and a
submissions file, embeds every text once (cached in a store when given), and scores the
submissions against each reviewer's papers in blocks, with the same scoring methods as
:mod:`scholarlens.expertise`. It needs no knowledge base.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np

from .catalog import paper_text
from .embeddings import Encoder, embed_cached, get_encoder
from .errors import InputError
from .expertise import Pool, Progress
from .formats import openreview
from .index.batch import affinity as batch_affinity
from .models import ParsedPaper
from .names import person_key
from .scoring import Method, get_method
from .stores import Store, open_store

log = logging.getLogger("scholarlens")

#: Submissions are scored against the pool in blocks of this many (bounds memory).
BLOCK = 256


def read_archives(archives_dir: str | Path) -> tuple[Pool, list[str]]:
    """Read a folder of ``~<reviewerId>.jsonl`` archives (:func:`formats.openreview.read_archives`)
    into a pool; returns it and every reviewer id found (reviewers without usable papers are
    listed, with a warning, but have no papers in the pool)."""
    archives = openreview.read_archives(archives_dir)
    return build_pool(archives), list(archives)


def build_pool(archives: dict[str, list[ParsedPaper]]) -> Pool:
    """The pool of reviewer id → parsed papers: one column per paper id (the first text of an
    id given twice is used), with each reviewer's author position on their papers."""
    pool = Pool()
    columns: dict[str, int] = {}
    for rid, papers in archives.items():
        if not papers:
            log.warning("reviewer %s has no usable papers: they get no scores", rid)
            continue
        cols = [_column(pool, columns, rid, paper) for paper in papers]
        pool.people[rid] = list(zip(cols, author_positions(papers), strict=True))
        pool.names[rid] = rid
    return pool


def _column(pool: Pool, columns: dict[str, int], rid: str, paper: ParsedPaper) -> int:
    pid = paper.identifiers["openreview"]
    text = paper_text(paper.title, paper.abstract) or ""
    if pid in columns:
        if pool.texts[columns[pid]] != text:
            log.warning(
                "reviewer %s, line %s: paper id %s was seen before with another text; the first text is used",
                rid,
                paper.line,
                pid,
            )
        return columns[pid]
    n_authors = len(paper.authors) + len(paper.organisations)
    columns[pid] = pool.add_paper(pid, text, paper.title, paper.year, max(n_authors, 1))
    return columns[pid]


def author_positions(papers: list[ParsedPaper]) -> list[int | None]:
    """The reviewer's author position on each of their papers. The reviewer is the name on most
    of their papers (at least two and half of them); ``None`` where that name is not listed, or
    the author list is not the paper's own (an archive's owner filled in)."""
    keys = [[person_key(a.name) for a in p.authors] if p.authors_complete else [] for p in papers]
    names = Counter(
        person_key(name)
        for p in papers
        if p.authors_complete
        for name in sorted({a.name for a in p.authors})
    )
    if not names:
        return [None] * len(papers)
    key, hits = names.most_common(1)[0]
    if hits < max(2, len(papers) // 2):
        return [None] * len(papers)
    return [ks.index(key) if key in ks else None for ks in keys]


def read_submissions(path: str | Path) -> list[tuple[str, str]]:
    """``[(paper id, text)]`` of a submissions file or folder
    (:func:`formats.openreview.read_submissions`)."""
    out = [
        (p.identifiers["openreview"], paper_text(p.title, p.abstract) or "")
        for p in openreview.read_submissions(path)
    ]
    if not out:
        raise InputError(f"{path}: no submission with a title or abstract")
    return out


def affinity_scores(
    archives_dir: str | Path,
    submissions_path: str | Path,
    *,
    encoder: Encoder | None = None,
    method: str | Method | None = None,
    progress: Progress | None = None,
    cache: str | Path | Store | None = None,
    ray: str | None = None,
    model: str | None = None,
) -> list[tuple[str, str, float]]:
    """``(paper_id, reviewer_id, score)`` for every submission × reviewer with usable papers.

    The openreview-expertise batch: ``archives_dir`` holds ``~<reviewerId>.jsonl`` (one
    ``{"id", "content": {"title", "abstract"}}`` per line), ``submissions_path`` a JSON object
    ``{paperId: {"id", "content": {...}}}`` (or a list of notes, or a folder of them). Both are
    read by :mod:`scholarlens.formats.openreview`, whose cleaned title and abstract are the text
    embedded, as for an ingested paper. Embeddings go to ``cache`` (a SQLite path or store, so
    re-runs embed only new texts) or to a temporary in-memory store. ``ray`` (``auto``,
    ``local`` or a cluster address) embeds the missing texts on a Ray cluster with the encoder
    named ``model`` (:func:`scholarlens.distributed.embed_texts_with_ray`) before scoring.
    """
    m = get_method(method)
    enc = encoder or get_encoder(model)
    pool, reviewers = read_archives(archives_dir)
    subs = read_submissions(submissions_path)
    if not pool.people:
        raise InputError(f"no reviewer in {archives_dir} has a usable paper")
    store = cache if isinstance(cache, Store) else open_store(str(cache) if cache else ":memory:")
    try:
        texts = pool.texts + [t for _, t in subs]
        cb = (lambda d, t: progress("embedding", d, t)) if progress else None
        if m.dense and ray:
            from .distributed import embed_texts_with_ray  # Ray is an optional extra

            report = embed_texts_with_ray(store, texts, model, ray, progress)
            if report.model_id != enc.model_id:
                raise InputError(f"--ray embeds with {report.model_id}, the scores need {enc.model_id}: name the model")
        if m.dense:
            allv = embed_cached(store, enc, texts, progress=cb)
        else:
            allv = np.zeros((len(texts), enc.dim), dtype=np.float32)
    finally:
        if not isinstance(cache, Store):
            store.close()
    vectors, sub_vectors = allv[: len(pool.texts)], allv[len(pool.texts) :]
    order = [r for r in reviewers if r in pool.people]
    # Blocked products and one aggregation over every reviewer (index.batch); the rows come
    # out in the order the per-pair loop wrote them (block, reviewer, submission).
    scores = batch_affinity(
        m,
        vectors,
        pool.texts,
        [pool.people[r] for r in order],
        pool.n_authors,
        pool.years,
        sub_vectors,
        [t for _, t in subs],
        block=BLOCK,
        progress=progress,
    )
    out: list[tuple[str, str, float]] = []
    for start in range(0, len(subs), BLOCK):
        block = subs[start : start + BLOCK]
        for j, rid in enumerate(order):
            col = scores[start : start + len(block), j].tolist()
            out.extend((pid, rid, s) for (pid, _), s in zip(block, col, strict=True))
    return out
