"""A small knowledge base with dated papers, author-list sizes and affiliations (OpenAlex)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scholarlens.kb import KnowledgeBase

#: The year conflict windows count back from in these tests (fixed: tests must not age).
YEAR = 2026


def _work(i: int, year: int | None, authors: list[tuple[str, str | None, str | None]], title: str) -> dict:
    return {
        "id": f"https://openalex.org/W{i}",
        "title": title,
        **({"publication_year": year} if year else {}),
        "authorships": [
            {"author": {"display_name": n, "orcid": o}, "institutions": [{"display_name": inst}] if inst else []}
            for n, o, inst in authors
        ],
        "abstract_inverted_index": {w: [k] for k, w in enumerate(f"{title} studies reviewer matching {i}".split())},
    }


WORKS = [
    _work(1, 2024, [("Ann Lee", None, "University of Alpha"), ("Rex Recent", None, "Lab Xi")], "A recent small paper"),
    _work(2, 2015, [("Ann Lee", None, None), ("Olga Old", None, None)], "An old paper from long ago"),
    _work(3, 2023, [("Ann Lee", None, None), ("Bea Big", None, None)] + [(f"Filler Person{k}", None, None) for k in range(28)],
          "A thirty author benchmark paper"),
    _work(4, None, [("Ann Lee", None, None), ("Una Undated", None, None)], "A paper without any year"),
    _work(5, 2024, [("Ines Inst", None, "University of Alpha"), ("Tom Other", None, None)], "Another paper at the same university"),
    _work(6, 2022, [("Orla Orcid", "0000-0002-0000-0007", None), ("Tom Other", None, None)], "A paper by someone with an ORCID"),
]


@pytest.fixture
def conflict_kb(tmp_path: Path) -> KnowledgeBase:
    path = tmp_path / "works.jsonl"
    path.write_text("\n".join(json.dumps(w) for w in WORKS) + "\n", encoding="utf-8")
    k = KnowledgeBase(tmp_path / "kb.db")
    report = k.ingest([path])
    assert report.ok, report.to_dict()
    yield k
    k.close()
