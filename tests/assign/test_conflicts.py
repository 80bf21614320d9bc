"""Conflict policy on a real SQLite knowledge base: every rule, its strength and its evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarlens.conflicts import Author, ConflictPolicy, Reviewer, find_conflicts, read_declared
from scholarlens.errors import InputError, ParseError

from .conftest import YEAR

REVIEWERS = ["Rex Recent", "Olga Old", "Bea Big", "Una Undated", "Ines Inst", "Orla Orcid", "Tom Other"]


def by_reviewer(conflicts):
    return {(c.reviewer_name, c.kind): c for c in conflicts}


def test_coauthors_inside_the_window_are_hard_and_carry_the_paper(conflict_kb):
    found = by_reviewer(find_conflicts(conflict_kb.store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR)))
    c = found[("Rex Recent", "coauthor")]
    assert c.strength == "hard"
    assert c.evidence["title"] == "A recent small paper" and c.evidence["year"] == 2024
    assert c.evidence["n_authors"] == 2 and c.evidence["via"] == "author list"
    assert ("Olga Old", "coauthor") not in found  # 2015 is outside five years
    assert ("Tom Other", "coauthor") not in found


def test_the_window_is_a_policy_setting(conflict_kb):
    found = by_reviewer(find_conflicts(conflict_kb.store, REVIEWERS, ["Ann Lee"], ConflictPolicy(years=15, reference_year=YEAR)))
    assert found[("Olga Old", "coauthor")].strength == "hard"


def test_papers_above_the_author_cap_give_weak_conflicts_unless_configured(conflict_kb):
    store = conflict_kb.store
    weak = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR)))
    assert weak[("Bea Big", "coauthor")].strength == "weak"
    assert weak[("Bea Big", "coauthor")].evidence["n_authors"] == 30
    hard = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR, large_papers="hard")))
    assert hard[("Bea Big", "coauthor")].strength == "hard"
    raised = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR, max_authors=40)))
    assert raised[("Bea Big", "coauthor")].strength == "hard"
    gone = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR, large_papers="ignore")))
    assert ("Bea Big", "coauthor") not in gone


def test_undated_papers_count_as_inside_the_window_by_default(conflict_kb):
    store = conflict_kb.store
    found = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR)))
    assert found[("Una Undated", "coauthor")].strength == "hard"
    assert found[("Una Undated", "coauthor")].evidence["year"] is None
    weak = by_reviewer(find_conflicts(store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR, unknown_year="weak")))
    assert weak[("Una Undated", "coauthor")].strength == "weak"


def test_shared_institution_from_the_source_records(conflict_kb):
    found = by_reviewer(find_conflicts(conflict_kb.store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR)))
    c = found[("Ines Inst", "institution")]
    assert c.strength == "hard" and c.evidence["institution"] == "University of Alpha"
    off = by_reviewer(find_conflicts(conflict_kb.store, REVIEWERS, ["Ann Lee"], ConflictPolicy(reference_year=YEAR, institutions=False)))
    assert ("Ines Inst", "institution") not in off


def test_an_affiliation_given_with_the_submission_counts(conflict_kb):
    author = Author("Zed Newcomer", affiliations=("Lab Xi",))
    found = by_reviewer(find_conflicts(conflict_kb.store, REVIEWERS, [author], ConflictPolicy(reference_year=YEAR)))
    assert found[("Rex Recent", "institution")].evidence["author_paper"] == "submission"


def test_same_person_by_name_orcid_and_compatible_forms(conflict_kb):
    store = conflict_kb.store
    pol = ConflictPolicy(reference_year=YEAR)
    by_orcid = find_conflicts(store, REVIEWERS, [Author("O. Q. Someone", orcid="0000-0002-0000-0007")], pol)
    assert [(c.reviewer_name, c.kind, c.strength) for c in by_orcid if c.kind == "same-person"] == [("Orla Orcid", "same-person", "hard")]
    exact = find_conflicts(store, REVIEWERS, ["rex  RECENT"], pol)
    assert ("Rex Recent", "same-person", "hard") in [(c.reviewer_name, c.kind, c.strength) for c in exact]
    compatible = find_conflicts(store, [Reviewer("r1", "R. Recent")], ["Rex Recent"], pol)
    assert [(c.kind, c.strength) for c in compatible] == [("same-person", "weak")]


def test_email_domains_conflict_but_public_providers_do_not(conflict_kb):
    pol = ConflictPolicy(reference_year=YEAR)
    revs = [Reviewer("a@uni-alpha.edu", "Nobody Known", email="a@uni-alpha.edu"), Reviewer("b@gmail.com", "Also Nobody", email="b@gmail.com")]
    found = find_conflicts(conflict_kb.store, revs, [Author("Pat Writer", email="pat@uni-alpha.edu"), Author("Kim Writer", email="kim@gmail.com")], pol)
    assert [(c.reviewer, c.kind, c.evidence["domain"]) for c in found] == [("a@uni-alpha.edu", "domain", "uni-alpha.edu")]


def test_declared_conflicts_by_name_and_domain(conflict_kb, tmp_path: Path):
    path = tmp_path / "declared.csv"
    path.write_text("reviewer,author_or_domain,reason\nTom Other,Pat Writer,former advisor\nOlga Old,@example.org,consults for them\n")
    pol = ConflictPolicy(reference_year=YEAR, declared=read_declared(path))
    found = find_conflicts(conflict_kb.store, REVIEWERS, [Author("Pat Writer"), Author("Kim Writer", email="kim@lab.example.org")], pol)
    got = sorted((c.reviewer_name, c.author, c.evidence["reason"], c.evidence["line"]) for c in found if c.kind == "declared")
    assert got == [("Olga Old", "Kim Writer", "consults for them", 3), ("Tom Other", "Pat Writer", "former advisor", 2)]


def test_a_bad_declared_line_names_file_and_line(tmp_path: Path):
    path = tmp_path / "declared.csv"
    path.write_text("Tom Other,Pat Writer,advisor\nonly-a-reviewer\n")
    with pytest.raises(ParseError) as err:
        read_declared(path)
    assert err.value.line == 2 and "declared.csv" in str(err.value)


def test_policy_from_settings_and_bad_values(monkeypatch):
    monkeypatch.setenv("SCHOLARLENS_CONFLICT_YEARS", "3")
    monkeypatch.setenv("SCHOLARLENS_CONFLICT_LARGE_PAPERS", "hard")
    pol = ConflictPolicy.from_settings(max_authors=10)
    assert (pol.years, pol.large_papers, pol.max_authors) == (3, "hard", 10)
    monkeypatch.setenv("SCHOLARLENS_CONFLICT_YEARS", "five")
    with pytest.raises(InputError, match="whole number"):
        ConflictPolicy.from_settings()
    monkeypatch.delenv("SCHOLARLENS_CONFLICT_YEARS")
    with pytest.raises(InputError, match="large_papers"):
        ConflictPolicy.from_settings(large_papers="sometimes")


def test_profile_owner_counts_as_author_of_the_profiles_papers(seeded_kb):
    """Stiennon and Radford share 'Learning to summarize…' only through Radford's arXiv profile:
    the scraped page truncates the author list, the profile's inferred owner is him."""
    people = [r["id"] for r in seeded_kb.store.query("SELECT id FROM people WHERE name IN ('Alec Radford', 'Long Ouyang')")]
    found = find_conflicts(seeded_kb.store, people, ["Nisan Stiennon"], ConflictPolicy(reference_year=2024))
    radford = next(c for c in found if c.reviewer_name == "Alec Radford")
    assert radford.kind == "coauthor" and radford.strength == "hard"
    assert "profile owner" in radford.evidence["via"]
