"""Authorship truth: a profile's confirmed or inferred owner is an author of all its papers."""

from __future__ import annotations

from scholarlens.conflicts import ConflictPolicy, find_conflicts
from scholarlens.profiles import resolve_owner


def owner_rows(kb, profile_id=None):
    sql = "SELECT paper_id, person_id, profile_id, confidence FROM authorships WHERE provenance = 'profile owner'"
    rows = kb.store.query(sql + (" AND profile_id = ?" if profile_id else ""), (profile_id,) if profile_id else ())
    return sorted((r["paper_id"], r["person_id"], r["profile_id"], r["confidence"]) for r in rows)


def radford(kb):
    return kb.store.one("SELECT id FROM people WHERE name = 'Alec Radford'")["id"]


def arxiv_profile(kb):
    return kb.store.one("SELECT id, owner_confidence FROM profiles WHERE format = 'arxiv-profile'")


def test_the_arxiv_profile_owner_is_an_author_of_every_paper_of_the_profile(seeded_kb):
    prof, rid = arxiv_profile(seeded_kb), radford(seeded_kb)
    profile_papers = {r["paper_id"] for r in seeded_kb.store.query("SELECT paper_id FROM paper_sources WHERE profile_id = ?", (prof["id"],))}
    authored = {r["paper_id"] for r in seeded_kb.store.query("SELECT paper_id FROM authorships WHERE person_id = ?", (rid,))}
    assert profile_papers <= authored and len(profile_papers) == 25
    rows = owner_rows(seeded_kb, prof["id"])
    assert rows and all(r[1] == rid and r[3] == prof["owner_confidence"] for r in rows)
    listed = {r["paper_id"] for r in seeded_kb.store.query(
        "SELECT paper_id FROM authorships WHERE person_id = ? AND provenance = 'author list'", (rid,))}
    assert {r[0] for r in rows} == profile_papers - listed  # no second row where the list names him
    assert len(seeded_kb.person("Alec Radford")["papers"]) == 25


def test_re_resolving_is_idempotent(seeded_kb):
    prof = arxiv_profile(seeded_kb)
    before = owner_rows(seeded_kb)
    with seeded_kb.store.transaction():
        resolve_owner(seeded_kb.store, prof["id"])
    assert owner_rows(seeded_kb) == before


def test_stiennon_submission_flags_radford_through_his_profile(seeded_kb):
    store = seeded_kb.store
    found = find_conflicts(store, [radford(seeded_kb)], ["Nisan Stiennon"], ConflictPolicy(reference_year=2024))
    assert len(found) == 1
    c = found[0]
    assert (c.kind, c.strength) == ("coauthor", "hard")
    assert c.evidence["title"] == "Learning to summarize from human feedback" and c.evidence["year"] == 2020
    assert "reviewer is the profile owner (confidence 0.68)" in c.evidence["via"]


def test_removing_the_profile_undoes_it(seeded_kb):
    prof = arxiv_profile(seeded_kb)
    seeded_kb.remove_profile(prof["id"])
    assert owner_rows(seeded_kb, prof["id"]) == []
    assert owner_rows(seeded_kb) == []  # the other owner (Metz) is on all his papers' lists
    rid = seeded_kb.store.one("SELECT id FROM people WHERE name = 'Alec Radford'")
    if rid is not None:
        found = find_conflicts(seeded_kb.store, [rid["id"]], ["Nisan Stiennon"], ConflictPolicy(reference_year=2024))
        assert not [c for c in found if c.kind == "coauthor"]


def test_reviewers_for_a_stiennon_submission_mark_radford(seeded_kb, monkeypatch):
    """The issue's case through `reviewers`: the conflict policy's window is a setting (2020 is
    six years before 2026, so the default five years would not reach it)."""
    from scholarlens.records import ParsedAuthor, ParsedPaper

    monkeypatch.setenv("SCHOLARLENS_CONFLICT_YEARS", "10")
    sub = ParsedPaper(title="Learning to summarize with human feedback, revisited",
                      abstract="We train summarization policies from human preference comparisons.",
                      authors=[ParsedAuthor(name="Nisan Stiennon")])
    rows = seeded_kb.reviewers(sub, limit=2000)
    marked = {r["name"]: r["conflict"] for r in rows if r["conflict"]}
    assert marked["Alec Radford"]["reason"] == "coauthor" and marked["Alec Radford"]["strength"] == "hard"
    assert "profile owner" in marked["Alec Radford"]["evidence"]["via"]
    hidden = seeded_kb.reviewers(sub, limit=2000, exclude_conflicts=True)
    assert "Alec Radford" not in {r["name"] for r in hidden}
