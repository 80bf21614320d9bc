"""Batch affinity, a drop-in for openreview-expertise: every submission × reviewer score.

``affinity_scores`` reads an archives folder of ``~<reviewerId>.jsonl`` files and a
submissions file, embeds every text once (cached in a store when given), and scores the
submissions against each reviewer's papers in blocks, with the same scoring methods as
:mod:`scholarlens.expertise`. It needs no knowledge base.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .catalog import paper_text
from .embeddings import Encoder, embed_cached, get_encoder
from .errors import InputError, ParseError
from .expertise import Pool, Progress
from .index.batch import affinity as batch_affinity
from .names import person_key
from .scoring import Method, get_method
from .stores import Store, open_store

log = logging.getLogger("scholarlens")

#: Submissions are scored against the pool in blocks of this many (bounds memory).
BLOCK = 256

ARCHIVE_FORMAT = "openreview-archive"
SUBMISSIONS_FORMAT = "openreview-submissions"


def _record_text(
    record: Any, source: str, fmt: str, line: int | None = None, key: str | None = None
) -> tuple[str, str | None, dict[str, Any]]:
    """(id, text or None, content) of one OpenReview record ``{"id", "content": {...}}``."""
    if not isinstance(record, dict):
        raise ParseError(
            "a record must be a JSON object",
            source=source,
            format=fmt,
            line=line,
            record=key,
            expected='{"id": ..., "content": {"title": ..., "abstract": ...}}',
        )
    content = record.get("content")
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise ParseError(
            '"content" must be an object', source=source, format=fmt, line=line, record=key
        )
    rid = key if key is not None else record.get("id")
    if rid is None or str(rid).strip() == "":
        raise ParseError('the record has no "id"', source=source, format=fmt, line=line, record=key)

    def field(name: str) -> str | None:
        value = content.get(name)
        if isinstance(value, dict):  # OpenReview API v2: {"value": ...}
            value = value.get("value")
        return value if isinstance(value, str) else None

    return str(rid), paper_text(field("title"), field("abstract")), content


def read_archives(archives_dir: str | Path) -> tuple[Pool, list[str]]:
    """Read ``~<reviewerId>.jsonl`` files into a pool; returns it and every reviewer id found
    (reviewers without usable papers are listed but have no papers in the pool)."""
    folder = Path(archives_dir)
    if not folder.is_dir():
        raise InputError(f"archives folder {folder} does not exist or is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file())
    if not files:
        raise InputError(
            f"no .jsonl files in {folder}: expected one ~<reviewerId>.jsonl per reviewer"
        )
    pool = Pool()
    col: dict[str, int] = {}
    reviewers: list[str] = []
    seen: dict[str, Path] = {}
    for path in files:
        rid = path.stem
        bare = rid.lstrip("~")
        if bare in seen:
            raise InputError(
                f"reviewer {bare} has two archive files: {seen[bare].name} and {path.name}"
            )
        seen[bare] = path
        reviewers.append(rid)
        papers: list[tuple[int, int | None]] = []
        records: list[dict[str, Any]] = []
        with path.open(encoding="utf-8") as fh:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ParseError(
                        f"not valid JSON: {exc.msg}",
                        source=str(path),
                        format=ARCHIVE_FORMAT,
                        line=line_no,
                    ) from exc
                pid, text, content = _record_text(record, str(path), ARCHIVE_FORMAT, line=line_no)
                if text is None:
                    log.warning(
                        "%s, line %d: paper %s has neither title nor abstract; skipped",
                        path,
                        line_no,
                        pid,
                    )
                    continue
                if pid in col and pool.texts[col[pid]] != text:
                    log.warning(
                        "%s, line %d: paper id %s was seen before with another text; the first text is used",
                        path,
                        line_no,
                        pid,
                    )
                if any(c == col.get(pid) for c, _ in papers):
                    log.warning(
                        "%s, line %d: paper %s is listed twice for this reviewer; counted once",
                        path,
                        line_no,
                        pid,
                    )
                    continue
                if pid not in col:
                    authors = content.get("authors")
                    n = len(authors) if isinstance(authors, list) else 0
                    year = content.get("year")
                    col[pid] = pool.add_paper(
                        pid,
                        text,
                        content.get("title") if isinstance(content.get("title"), str) else None,
                        year if isinstance(year, int) else None,
                        max(n, 1),
                    )
                papers.append((col[pid], None))
                records.append(content)
        # The reviewer is the name on most of their papers: gives author positions.
        names = Counter(
            person_key(a)
            for c in records
            for a in sorted({a for a in c.get("authors") or [] if isinstance(a, str)})
        )
        if names and records:
            key, hits = names.most_common(1)[0]
            if hits >= max(2, len(records) // 2):
                for i, c in enumerate(records):
                    keys = [
                        person_key(a) if isinstance(a, str) else ""
                        for a in (c.get("authors") or [])
                    ]
                    papers[i] = (papers[i][0], keys.index(key) if key in keys else None)
        if papers:
            pool.people[rid] = papers
            pool.names[rid] = rid
        else:
            log.warning("reviewer %s (%s) has no usable papers: they get no scores", rid, path)
    return pool, reviewers


def read_submissions(path: str | Path) -> list[tuple[str, str]]:
    """``[(paper id, text)]`` from a JSON object ``{paperId: {"id", "content": {...}}}``."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read submissions file {path}: {exc.strerror}") from exc

    def no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        dup = next((k for k, n in Counter(keys).items() if n > 1), None)
        if (
            dup is not None
            and len(pairs)
            and all(isinstance(v, dict) for _, v in pairs)
            and "content" in pairs[0][1]
        ):
            raise ParseError(
                f"submission id {dup!r} appears twice",
                source=str(path),
                format=SUBMISSIONS_FORMAT,
                record=dup,
            )
        return dict(pairs)

    try:
        data = json.loads(raw, object_pairs_hook=no_dupes)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"not valid JSON: {exc.msg}",
            source=str(path),
            format=SUBMISSIONS_FORMAT,
            line=exc.lineno,
        ) from exc
    if not isinstance(data, dict):
        raise ParseError(
            "expected a JSON object of submissions",
            source=str(path),
            format=SUBMISSIONS_FORMAT,
            expected='{"paperId": {"id": ..., "content": {...}}}',
        )
    out = []
    for key, record in data.items():
        pid, text, _ = _record_text(record, str(path), SUBMISSIONS_FORMAT, key=key)
        if text is None:
            log.warning(
                "%s: submission %s has neither title nor abstract: it gets no scores", path, key
            )
            continue
        out.append((pid, text))
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
) -> list[tuple[str, str, float]]:
    """``(paper_id, reviewer_id, score)`` for every submission × reviewer with usable papers.

    The openreview-expertise batch: ``archives_dir`` holds ``~<reviewerId>.jsonl`` (one
    ``{"id", "content": {"title", "abstract"}}`` per line), ``submissions_path`` a JSON object
    ``{paperId: {"id", "content": {...}}}``. Embeddings go to ``cache`` (a SQLite path or
    store, so re-runs embed only new texts) or to a temporary in-memory store.
    """
    m = get_method(method)
    enc = encoder or get_encoder()
    pool, reviewers = read_archives(archives_dir)
    subs = read_submissions(submissions_path)
    if not pool.people:
        raise InputError(f"no reviewer in {archives_dir} has a usable paper")
    store = cache if isinstance(cache, Store) else open_store(str(cache) if cache else ":memory:")
    try:
        texts = pool.texts + [t for _, t in subs]
        cb = (lambda d, t: progress("embedding", d, t)) if progress else None
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
