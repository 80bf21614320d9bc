"""The one "same work?" rule (papers.same_work) in profile files and in dumps.

Different identifiers of one kind never merge, even with identical titles or abstracts; a
title match with years more than one apart and disjoint author lists is not the same work
(the volumes of a book series); and the grouping does not depend on the order of arrival.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scholarlens.kb import KnowledgeBase
from scholarlens.papers import RecordKeys, same_work

ABSTRACT = "We study the convergence of stochastic gradient methods on smooth non-convex objectives " * 3
SERIES = "Annual review of the proceedings of the society for the study of everything"


def csl(items: list[dict]) -> str:
    return json.dumps([
        {"id": f"i{n}", "type": "article-journal", "title": it["title"], "abstract": it.get("abstract"),
         **({"DOI": it["doi"]} if it.get("doi") else {}),
         "author": [{"family": f, "given": g} for g, f in (a.split(" ", 1) for a in it["authors"])],
         "issued": {"date-parts": [[it["year"]]]}}
        for n, it in enumerate(items)
    ])  # fmt: skip


def jsonl(items: list[dict]) -> str:
    """ScholarLens's own JSON-lines export: a dump format whose records may carry no identifier."""
    ids = lambda it: {k: it[k] for k in ("doi", "arxiv") if it.get(k)}  # noqa: E731
    return "\n".join(
        json.dumps({"paper_id": n, "title": it["title"], "abstract": it.get("abstract"), "year": it["year"],
                    "authors": [{"name": a} for a in it["authors"]], "authors_complete": True, "identifiers": ids(it)})
        for n, it in enumerate(items)
    ) + "\n"  # fmt: skip


def snapshot(items: list[dict]) -> str:
    return "\n".join(
        json.dumps({
            "id": it["arxiv"], "title": it["title"], "abstract": it.get("abstract") or "", "categories": "cs.LG",
            **({"doi": it["doi"]} if it.get("doi") else {}),
            "versions": [{"version": "v1", "created": f"Mon, 4 Jan {it['year']} 10:00:00 GMT"}],
            "authors_parsed": [[a.split(" ", 1)[1], a.split(" ", 1)[0], ""] for a in it["authors"]],
        })
        for it in items
    ) + "\n"  # fmt: skip


def write(path: Path, items: list[dict], kind: str) -> Path:
    path.write_text({"files": csl, "dumps": jsonl, "snapshot": snapshot}[kind](items))
    return path


def ingest_papers(tmp_path: Path, kind: str, groups: list[list[dict]], name: str = "kb") -> list[tuple]:
    """Ingest each group as its own file; the stored papers as (title, year, sources)."""
    suffix = ".json" if kind == "files" else ".jsonl"
    with KnowledgeBase(tmp_path / f"{name}.db") as kb:
        for i, items in enumerate(groups):
            report = kb.ingest([write(tmp_path / f"{name}-{i}{suffix}", items, kind)])
            assert report.ok and report.files[0].format == {"files": "csl-json", "dumps": "scholarlens-jsonl", "snapshot": "arxiv-snapshot"}[kind]
            assert kind == "files" or report.files[0].complete
        return sorted((p["title"], p["year"], len(p["sources"])) for p in kb.papers())


def item(n: int, **kw) -> dict:
    return {"title": kw.pop("title", "A title long enough to match on its own"), "abstract": ABSTRACT, "year": 2020,
            "authors": ["Ada Lovelace", "Bob Builder"], "arxiv": f"2001.{n:05d}", **kw}  # fmt: skip


@pytest.mark.parametrize("kind", ["files", "dumps"])
def test_different_dois_never_merge_even_with_identical_title_and_abstract(tmp_path, kind):
    got = ingest_papers(tmp_path, kind, [[item(1, doi="10.1000/a")], [item(2, doi="10.1000/b")]])
    assert [n for *_, n in got] == [1, 1]


@pytest.mark.parametrize("kind", ["files", "dumps"])
def test_same_doi_still_merges(tmp_path, kind):
    got = ingest_papers(tmp_path, kind, [[item(1, doi="10.1000/a", title="First spelling of it")], [item(2, doi="10.1000/A", title="Another")]])
    assert [n for *_, n in got] == [2]


@pytest.mark.parametrize("kind", ["dumps", "snapshot"])
def test_different_arxiv_ids_never_merge_even_with_identical_abstracts(tmp_path, kind):
    got = ingest_papers(tmp_path, kind, [[item(1), item(2, title="Another title of some length")]])
    assert [n for *_, n in got] == [1, 1]
    assert [n for *_, n in ingest_papers(tmp_path, kind, [[item(1)], [item(2)]], "split")] == [1, 1]


def _volumes() -> list[dict]:
    return [
        {"title": SERIES, "abstract": None, "year": 1970 + 5 * i, "authors": [f"Editor{i} Person{i}"], "arxiv": f"7001.{i:05d}"}
        for i in range(4)
    ]


@pytest.mark.parametrize("kind", ["files", "dumps"])
def test_volumes_of_a_series_stay_apart(tmp_path, kind):
    vols = [{k: v for k, v in it.items() if k != "arxiv"} for it in _volumes()]
    got = ingest_papers(tmp_path, kind, [vols[:2], vols[2:]])
    assert got == [(SERIES, 1970 + 5 * i, 1) for i in range(4)]


@pytest.mark.parametrize("kind", ["files", "dumps"])
def test_a_title_match_with_a_shared_author_or_close_years_still_merges(tmp_path, kind):
    base = {"title": SERIES, "abstract": None, "year": 1990, "authors": ["Ada Lovelace", "Bob Builder"]}
    shared_author = dict(base, year=2000, authors=["Carl Chen", "Ada Lovelace"])
    next_year = dict(base, year=1991, authors=["Dana Diaz"])
    items = [base, shared_author, next_year]
    got = ingest_papers(tmp_path, kind, [[it] for it in items])
    assert [n for *_, n in got] == [3]


@pytest.mark.parametrize("kind", ["files", "dumps"])
def test_grouping_does_not_depend_on_file_order(tmp_path, kind):
    vols = [{k: v for k, v in it.items() if k != "arxiv"} for it in _volumes()]
    records = [*vols, item(1, doi="10.1000/a"), item(2, doi="10.1000/b"), dict(item(3), title="A title long enough to match on its own",
               doi=None, arxiv=None), dict(vols[0], year=1971, authors=["Someone Else"])]  # fmt: skip
    records = [{k: v for k, v in r.items() if v is not None and k != "arxiv"} for r in records]
    forward = ingest_papers(tmp_path, kind, [[r] for r in records], "forward")
    backward = ingest_papers(tmp_path, kind, [[r] for r in reversed(records)], "backward")
    assert forward == backward


def keys(draw_ids: dict, title: str | None, year: int | None, families: frozenset) -> RecordKeys:
    return RecordKeys(title_key=title, abstract_fp=None, abstract_head=None, identifiers=draw_ids, year=year, families=families)


record_keys = st.builds(
    keys,
    st.dictionaries(st.sampled_from(["doi", "arxiv"]), st.sampled_from(["1", "2"]), max_size=2),
    st.sampled_from([None, "short", "a title that is long enough to match alone"]),
    st.sampled_from([None, 1990, 1991, 1995]),
    st.frozensets(st.sampled_from(["lovelace", "builder", "chen"]), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(record_keys, record_keys)
def test_same_work_is_symmetric(a, b):
    assert same_work(a, b) == same_work(b, a)
