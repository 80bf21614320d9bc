"""Similar people from the engine equal the reference (re-read and re-score everything)."""

from __future__ import annotations

import pytest

from scholarlens.models import ParsedPaper
from scholarlens.similar import (
    reference_similar_to_papers,
    reference_similar_to_person,
    similar_to_papers,
    similar_to_person,
)


def _same(got: list[dict], want: list[dict]) -> None:
    assert [g["person_id"] for g in got] == [w["person_id"] for w in want]
    for g, w in zip(got, want, strict=True):
        assert abs(g["score"] - w["score"]) <= 1.01e-4
        assert {k: v for k, v in g.items() if k not in ("score", "evidence")} == {
            k: v for k, v in w.items() if k not in ("score", "evidence")
        }
        assert [(e["query"], e["paper"]) for e in g["evidence"]] == [
            (e["query"], e["paper"]) for e in w["evidence"]
        ]


@pytest.mark.parametrize("limit", [3, 8, 200])
def test_similar_people_equal_the_reference(seeded_kb, encoder, limit):
    people = [
        r["person_id"]
        for r in seeded_kb.store.query(
            "SELECT person_id, COUNT(*) n FROM authorships GROUP BY person_id ORDER BY n DESC, person_id LIMIT 6"
        )
    ]
    for person in people:
        _same(
            similar_to_person(seeded_kb.store, person, encoder=encoder, limit=limit),
            reference_similar_to_person(seeded_kb.store, person, encoder=encoder, limit=limit),
        )


def test_similar_to_papers_with_excluded_profiles_equal_the_reference(seeded_kb, encoder):
    papers = [
        ParsedPaper(title=r["title"], abstract=r["abstract"])
        for r in seeded_kb.store.query("SELECT title, abstract FROM papers ORDER BY id LIMIT 12")
    ]
    profiles = [p["id"] for p in seeded_kb.profiles()]
    for exclude in (set(), {profiles[0]}, set(profiles[1:3])):
        for limit in (5, 100):
            _same(
                similar_to_papers(
                    seeded_kb.store, papers, encoder=encoder, limit=limit, exclude_profiles=exclude
                ),
                reference_similar_to_papers(
                    seeded_kb.store, papers, encoder=encoder, limit=limit, exclude_profiles=exclude
                ),
            )


def test_similar_people_follow_removal(seeded_kb, encoder):
    person = seeded_kb.store.scalar(
        "SELECT person_id FROM authorships GROUP BY person_id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    similar_to_person(seeded_kb.store, person, encoder=encoder)  # builds the index
    profile = seeded_kb.profiles()[-1]["id"]
    seeded_kb.remove_profile(profile)
    if seeded_kb.store.scalar("SELECT COUNT(*) FROM authorships WHERE person_id = ?", (person,)):
        _same(
            similar_to_person(seeded_kb.store, person, encoder=encoder),
            reference_similar_to_person(seeded_kb.store, person, encoder=encoder),
        )
