"""Citation counts and h-index come from the ingested data, with where and when they were read."""

from __future__ import annotations

import json
from pathlib import Path

from scholarlens.catalog import h_index
from scholarlens.kb import KnowledgeBase

REAL = Path(__file__).resolve().parents[1] / "data" / "realworld"
TURING = REAL / "s2-author" / "author_turing.json"


def test_h_index_definition() -> None:
    assert h_index([]) == 0 and h_index([0, 0]) == 0 and h_index([1]) == 1
    assert h_index([10, 8, 5, 4, 3]) == 4 and h_index([25, 8, 5, 3, 3]) == 3


def test_person_metrics_from_a_semantic_scholar_author_record() -> None:
    record = json.loads(TURING.read_text())
    counts = [p["citationCount"] for p in record["papers"] if isinstance(p.get("citationCount"), int)]
    with KnowledgeBase(":memory:", encoder="hashing") as kb:
        assert kb.ingest([TURING]).ok
        turing = kb.find_people("A. Turing")[0]
        cites = kb.person(turing["id"], similar=0)["person"]["citations"]
    # His author record: 60 papers, h-index 23 by S2's own count (the record's "hIndex").
    # Three records are duplicates that merge (the highest count of a merged paper is kept).
    assert cites["sources"] == ["semantic-scholar"] and cites["as_of"]
    assert cites["papers_counted"] == cites["papers"] == 57 and len(counts) == 60
    assert cites["h_index"] == h_index(counts) == record["hIndex"] == 23
    assert sum(counts) - 20 <= cites["total"] <= sum(counts)


def test_openalex_counts_carry_their_update_date() -> None:
    path = REAL / "openalex" / "works_sample5_pretty.json"
    works = json.loads(path.read_text())["results"]
    with KnowledgeBase(":memory:", encoder="hashing") as kb:
        assert kb.ingest([path]).ok
        by_title = {p["title"]: p["citations"] for p in kb.papers()}
    for w in works:
        c = by_title[w["title"]]
        assert c == {"count": w["cited_by_count"], "source": "openalex", "as_of": w["updated_date"][:10]}


def test_papers_without_a_count_say_none() -> None:
    with KnowledgeBase(":memory:", encoder="hashing") as kb:
        assert kb.ingest([Path(__file__).resolve().parents[2] / "examples" / "profiles"]).ok
        assert all(p["citations"] is None for p in kb.papers())
        assert kb.person("Luke Metz", similar=0)["person"]["citations"] is None
