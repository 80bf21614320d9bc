"""Person pages that do not mislead: collaboration-weighted co-authors, one spelling per
organisation, topics named by research and not by system-card boilerplate, no trend drawn
from a handful of dated papers."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarlens.embeddings import HashingEncoder
from scholarlens.kb import KnowledgeBase

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "profiles"


@pytest.fixture(scope="module")
def metz() -> dict:
    with KnowledgeBase(":memory:", encoder=HashingEncoder()) as kb:
        assert kb.ingest([EXAMPLES]).ok
        view = kb.person("Luke Metz", similar=0)
        sizes = {p["id"]: p["authors"] for p in view["papers"]}
        shared = {
            c["person_id"]: [
                r["paper_id"]
                for r in kb.store.query(
                    "SELECT a.paper_id FROM authorships a JOIN authorships b ON a.paper_id = b.paper_id "
                    "WHERE a.person_id = ? AND b.person_id = ?",
                    (view["person"]["id"], c["person_id"]),
                )
            ]
            for c in view["coauthors"]
        }
        return {"view": view, "sizes": sizes, "shared": shared}


def test_coauthors_of_system_cards_do_not_crowd_out_real_collaborators(metz: dict) -> None:
    view, sizes, shared = metz["view"], metz["sizes"], metz["shared"]
    top = view["coauthors"][:5]
    assert top[0]["name"] == "Jascha Sohl-Dickstein"
    for c in top:  # each of the five shares at least one paper of a small team
        assert min(sizes[p] for p in shared[c["person_id"]]) <= 20, c
    strengths = [c["strength"] for c in view["coauthors"]]
    assert strengths == sorted(strengths, reverse=True)


def test_organisations_are_counted_once_whatever_the_case(metz: dict) -> None:
    names = [o["name"] for o in metz["view"]["organisations"]]
    assert len({n.casefold() for n in names}) == len(names)
    assert {"name": "OpenAI", "papers": 4} in metz["view"]["organisations"]


def test_topics_name_research_not_report_boilerplate(metz: dict) -> None:
    topics = metz["view"]["topics"]
    assert topics and all("card" not in t["terms"] and "report" not in t["terms"] for t in topics)
    assert any("evolution strategies" in t["terms"] for t in topics)


def test_no_trend_from_three_dated_papers(metz: dict) -> None:
    note = metz["view"]["topics_over_time"]
    assert note["shown"] is False and note["dated_papers"] == 3 and note["papers"] == 11
    assert "too few dated papers" in note["note"]
    assert all(t["by_year"] == {} for t in metz["view"]["topics"])
