"""The expertise engine: who knows about X, who should review this paper, batch affinity.

Every answer is a ranked list of people, each with a score, the evidence (their papers that
made the match, each with its similarity and the weight it has in the score) and a sentence
saying how the score was put together (see :mod:`scholarlens.scoring` for the methods).

* :func:`find_experts` — people of the knowledge base ranked for a topic.
* :func:`suggest_reviewers` — the same for a submission, with conflicts of interest marked.
* :func:`affinity_scores` — openreview-expertise compatible batch mode over an archives
  folder and a submissions file; it needs no knowledge base (it builds a temporary one that
  only caches embeddings, or uses the one given as ``cache``).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .embeddings import Encoder, embed_cached, get_encoder
from .errors import InputError, ParseError, QueryError
from .index import DenseIndex, LexicalIndex, check_query
from .kb import KnowledgeBase
from .models import ParsedPaper
from .names import person_key
from .scoring import Method, aggregate, get_method, paper_weights
from .stores import Store, open_store

log = logging.getLogger("scholarlens")
Progress = Callable[[str, int, int], None]

#: Submissions are scored against the pool in blocks of this many (bounds memory).
BLOCK = 256
#: Evidence papers listed per person.
EVIDENCE = 5


def paper_text(title: str | None, abstract: str | None) -> str | None:
    """The text embedded for a paper: ``title. abstract`` (either alone if the other is missing)."""
    t = " ".join((title or "").split())
    a = " ".join((abstract or "").split())
    if t and a:
        return f"{t}. {a}"
    return t or a or None


@dataclass
class Pool:
    """Papers that carry evidence, and which person wrote which (column indexes)."""

    ids: list[Any] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    titles: list[str | None] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    n_authors: list[int] = field(default_factory=list)
    #: person key -> [(column, author position or None)]
    people: dict[Any, list[tuple[int, int | None]]] = field(default_factory=dict)
    names: dict[Any, str] = field(default_factory=dict)

    def add_paper(
        self, pid: Any, text: str, title: str | None, year: int | None, n_authors: int
    ) -> int:
        self.ids.append(pid)
        self.texts.append(text)
        self.titles.append(title)
        self.years.append(year)
        self.n_authors.append(n_authors)
        return len(self.ids) - 1


def _similarities(
    pool: Pool,
    vectors: np.ndarray,
    query_texts: list[str],
    query_vectors: np.ndarray,
    method: Method,
) -> np.ndarray:
    sims = np.zeros((len(query_texts), len(pool.ids)), dtype=np.float32)
    if method.dense:
        sims += method.dense * DenseIndex(pool.ids, vectors).similarities_to(query_vectors)
    if method.lexical:
        sims += method.lexical * LexicalIndex(pool.ids, pool.texts, extra=query_texts).similarities(
            query_texts
        )
    return sims


def _rank(
    pool: Pool,
    sims: np.ndarray,
    method: Method,
    candidates: Sequence[Any] | None = None,
) -> list[list[tuple[Any, float, list[dict[str, Any]]]]]:
    """For each query row: [(person, score, evidence)] best first."""
    newest = max((y for y in pool.years if y), default=None)
    per_query: list[list[tuple[Any, float, list[dict[str, Any]]]]] = [
        [] for _ in range(sims.shape[0])
    ]
    for person in candidates if candidates is not None else pool.people:
        cols_pos = pool.people.get(person, [])
        if not cols_pos:
            continue
        cols = [c for c, _ in cols_pos]
        w = paper_weights(
            method,
            [pool.n_authors[c] for c in cols],
            [pool.years[c] for c in cols],
            [p for _, p in cols_pos],
            newest,
        )
        scores, contrib = aggregate(sims[:, cols], w, method)
        for q in range(sims.shape[0]):
            order = np.lexsort((-sims[q, cols], -contrib[q]))[:EVIDENCE]
            evidence = [
                {
                    "paper_id": pool.ids[cols[j]],
                    "title": pool.titles[cols[j]],
                    "year": pool.years[cols[j]],
                    "similarity": round(float(sims[q, cols[j]]), 4),
                    "weight": round(float(contrib[q, j]), 4),
                }
                for j in order
            ]
            per_query[q].append((person, float(scores[q]), evidence))
    for rows in per_query:
        rows.sort(key=lambda r: (-r[1], str(pool.names.get(r[0], r[0]))))
    return per_query


# -- the knowledge base as a pool --------------------------------------------------------


def _kb_pool(kb: KnowledgeBase) -> Pool:
    pool = Pool()
    col: dict[int, int] = {}
    for r in kb.store.query("SELECT id, title, abstract, year, n_authors FROM papers ORDER BY id"):
        text = paper_text(r["title"], r["abstract"])
        if text is None:
            continue
        col[r["id"]] = pool.add_paper(
            r["id"], text, r["title"], r["year"], int(r["n_authors"] or 0)
        )
    counts: Counter[int] = Counter()
    for r in kb.store.query(
        "SELECT a.paper_id, a.position, a.person_id, p.name FROM authorships a JOIN people p ON p.id = a.person_id ORDER BY a.paper_id, a.position"
    ):
        c = col.get(r["paper_id"])
        counts[r["paper_id"]] += 1
        if c is None:
            continue
        pool.people.setdefault(r["person_id"], []).append((c, r["position"]))
        pool.names[r["person_id"]] = r["name"]
    for pid, c in col.items():
        pool.n_authors[c] = max(pool.n_authors[c], counts[pid], 1)
    # Papers of a profile whose owner is known count for the owner even without an author list.
    for r in kb.store.query(
        "SELECT DISTINCT s.paper_id, pr.owner_person_id, pe.name FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id "
        "JOIN people pe ON pe.id = pr.owner_person_id WHERE pr.owner_person_id IS NOT NULL"
    ):
        c = col.get(r["paper_id"])
        person = r["owner_person_id"]
        if c is None or any(cc == c for cc, _ in pool.people.get(person, [])):
            continue
        pool.people.setdefault(person, []).append((c, None))
        pool.names[person] = r["name"]
    return pool


def _kb_vectors(
    kb: KnowledgeBase, pool: Pool, encoder: Encoder, progress: Progress | None
) -> np.ndarray:
    cb = (lambda d, t: progress("embedding papers", d, t)) if progress else None
    return embed_cached(kb.store, encoder, pool.texts, progress=cb)


def _results(
    pool: Pool, ranked: list[tuple[Any, float, list[dict[str, Any]]]], method: Method, limit: int
) -> list[dict[str, Any]]:
    out = []
    for rank, (person, score, evidence) in enumerate(ranked[:limit], start=1):
        n = len(pool.people.get(person, []))
        shown = [e for e in evidence if e["weight"] > 0]
        out.append(
            {
                "person_id": person,
                "name": pool.names.get(person, str(person)),
                "score": round(score, 4),
                "rank": rank,
                "evidence": evidence,
                "explanation": f"{method.describe()} {n} usable paper{'s' if n != 1 else ''}; "
                f"{len(shown)} shown with weight > 0.",
            }
        )
    return out


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise QueryError(f"limit must be at least 1 (got {limit})")


def find_experts(
    kb: KnowledgeBase,
    query: str,
    limit: int = 10,
    *,
    encoder: Encoder | None = None,
    method: str | Method | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """People of the knowledge base ranked by expertise in ``query`` (a topic or an abstract).

    Each result: ``person_id, name, score, rank, evidence, explanation``. Paper embeddings are
    cached in the knowledge base by text hash and model id; the query itself is not cached.
    """
    query = check_query(query)
    _check_limit(limit)
    m = get_method(method)
    result = _rank_text(kb, query, m, encoder, progress)
    if result is None:
        return []
    pool, ranked = result
    return _results(pool, ranked, m, limit)


def _rank_text(
    kb: KnowledgeBase, text: str, m: Method, encoder: Encoder | None, progress: Progress | None
) -> tuple[Pool, list[tuple[Any, float, list[dict[str, Any]]]]] | None:
    """The knowledge base's people ranked for one text (None when nobody has papers)."""
    enc = encoder or get_encoder()
    pool = _kb_pool(kb)
    if not pool.people:
        return None
    vectors = _kb_vectors(kb, pool, enc, progress)
    qv = enc.encode([text]) if m.dense else np.zeros((1, enc.dim), dtype=np.float32)
    return pool, _rank(pool, _similarities(pool, vectors, [text], qv, m), m)[0]


def _submission(paper: str | ParsedPaper) -> tuple[str, list[str]]:
    if isinstance(paper, ParsedPaper):
        text = paper_text(paper.title, paper.abstract)
        if text is None:
            raise QueryError("the submission has neither a title nor an abstract")
        return check_query(text), [a.name for a in paper.authors]
    return check_query(paper), []


def conflicts(kb: KnowledgeBase, authors: Sequence[str]) -> dict[int, dict[str, Any]]:
    """person id -> ``{"reason": "author"|"coauthor", "with": [names]}`` for ``authors``."""
    out: dict[int, dict[str, Any]] = {}
    author_ids: dict[int, str] = {}
    for name in authors:
        for p in kb.find_people(name):
            author_ids[p["id"]] = name
            out[p["id"]] = {"reason": "author", "with": [name]}
    if not author_ids:
        return out
    rows = kb.store.query_in(
        "SELECT DISTINCT a.person_id, b.person_id AS author FROM authorships a JOIN authorships b ON a.paper_id = b.paper_id "
        "WHERE b.person_id IN ({marks}) AND a.person_id <> b.person_id",
        list(author_ids),
    )
    for r in rows:
        if r["person_id"] in author_ids:
            continue
        c = out.setdefault(r["person_id"], {"reason": "coauthor", "with": []})
        name = author_ids[r["author"]]
        if name not in c["with"]:
            c["with"].append(name)
    for c in out.values():
        c["with"].sort()
    return out


def suggest_reviewers(
    kb: KnowledgeBase,
    paper: str | ParsedPaper,
    authors: list[str] | None = None,
    limit: int = 10,
    *,
    encoder: Encoder | None = None,
    method: str | Method | None = None,
    exclude_conflicts: bool = False,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """People ranked as reviewers of ``paper`` (text, or a parsed paper), conflicts marked.

    A candidate is in conflict as ``author`` (is one of ``authors``, or of the parsed paper's
    authors when ``authors`` is None) or ``coauthor`` (shares a stored paper with one).
    Conflicted candidates stay in the ranking, marked, unless ``exclude_conflicts``.
    """
    text, paper_authors = _submission(paper)
    _check_limit(limit)
    names = [a for a in (authors if authors is not None else paper_authors) if a and a.strip()]
    coi = conflicts(kb, names)
    m = get_method(method)
    result = _rank_text(kb, text, m, encoder, progress)
    if result is None:
        return []
    pool, ranked = result
    if exclude_conflicts:
        ranked = [r for r in ranked if r[0] not in coi]
    out = _results(pool, ranked, m, limit)
    for r in out:
        r["conflict"] = coi.get(r["person_id"])
    return out


# -- OpenReview batch mode ---------------------------------------------------------------

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
            for a in set(c.get("authors") or [])
            if isinstance(a, str)
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
    lexical = LexicalIndex(pool.ids, pool.texts, extra=[t for _, t in subs]) if m.lexical else None
    out: list[tuple[str, str, float]] = []
    order = [r for r in reviewers if r in pool.people]
    for start in range(0, len(subs), BLOCK):
        block = subs[start : start + BLOCK]
        sims = np.zeros((len(block), len(pool.ids)), dtype=np.float32)
        if m.dense:
            sims += m.dense * (sub_vectors[start : start + len(block)] @ vectors.T)
        if lexical is not None:
            sims += m.lexical * lexical.similarities([t for _, t in block])
        newest = max((y for y in pool.years if y), default=None)
        for rid in order:
            cols_pos = pool.people[rid]
            cols = [c for c, _ in cols_pos]
            w = paper_weights(
                m,
                [pool.n_authors[c] for c in cols],
                [pool.years[c] for c in cols],
                [p for _, p in cols_pos],
                newest,
            )
            scores, _ = aggregate(sims[:, cols], w, m)
            out.extend((pid, rid, float(s)) for (pid, _), s in zip(block, scores, strict=True))
        if progress:
            progress("scoring", min(start + BLOCK, len(subs)), len(subs))
    return out
