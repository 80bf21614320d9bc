from __future__ import annotations

import pytest

from scholarlens import suggest_reviewers
from scholarlens.errors import QueryError
from scholarlens.records import ParsedAuthor, ParsedPaper


def _paper_with_authors(kb, n: int = 3):
    """A small paper inside the conflict policy's default window (5 years), so co-authorship counts."""
    import datetime

    for p in kb.papers():
        if len(p["authors"]) == n and p["abstract"] and (p.get("year") or 0) >= datetime.date.today().year - 5:
            return p
    raise AssertionError("no suitable paper in the examples")


def test_authors_and_their_coauthors_are_marked_as_conflicts(seeded_kb, encoder):
    p = _paper_with_authors(seeded_kb)
    author = p["authors"][0]
    rows = suggest_reviewers(
        seeded_kb, p["title"] + "\n" + p["abstract"], authors=[author], limit=50, encoder=encoder
    )
    by_name = {r["name"]: r for r in rows}
    def brief(c):
        return {"reason": c["reason"], "with": c["with"], "strength": c["strength"]}

    assert brief(by_name[author]["conflict"]) == {"reason": "author", "with": [author], "strength": "hard"}
    for co in p["authors"][1:]:
        assert brief(by_name[co]["conflict"]) == {"reason": "coauthor", "with": [author], "strength": "hard"}
        assert by_name[co]["conflict"]["evidence"]["title"]
    assert any(r["conflict"] is None for r in rows)


def test_conflicts_can_be_left_out(seeded_kb, encoder):
    p = _paper_with_authors(seeded_kb)
    rows = suggest_reviewers(
        seeded_kb,
        p["title"],
        authors=p["authors"][:1],
        limit=50,
        encoder=encoder,
        exclude_conflicts=True,
    )
    names = {r["name"] for r in rows}
    assert not names & set(p["authors"])
    # only hard conflicts are left out; weak ones (e.g. co-authors on 400-author papers) stay marked
    assert all(r["conflict"] is None or r["conflict"]["strength"] == "weak" for r in rows)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))


def test_a_parsed_paper_brings_its_own_authors(seeded_kb, encoder):
    p = _paper_with_authors(seeded_kb)
    sub = ParsedPaper(
        title=p["title"], abstract=p["abstract"], authors=[ParsedAuthor(name=p["authors"][1])]
    )
    rows = suggest_reviewers(seeded_kb, sub, limit=100, encoder=encoder)
    marked = {r["name"]: r["conflict"] for r in rows if r["conflict"]}
    assert marked[p["authors"][1]]["reason"] == "author"
    assert marked[p["authors"][0]]["reason"] == "coauthor"


def test_no_authors_means_no_conflicts(seeded_kb, encoder):
    rows = suggest_reviewers(
        seeded_kb, "Proximal policy optimization for robots", limit=10, encoder=encoder
    )
    assert len(rows) == 10 and all(r["conflict"] is None for r in rows)


def test_submission_without_text_is_a_query_error(seeded_kb, encoder):
    with pytest.raises(QueryError):
        suggest_reviewers(seeded_kb, ParsedPaper(title=None, abstract=None), encoder=encoder)
