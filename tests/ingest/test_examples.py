"""The foundation acceptance checks on the five example profiles."""

from __future__ import annotations

import re

from ..conftest import EXAMPLES, dump


def test_five_examples_give_53_unique_papers(seeded_kb):
    assert seeded_kb.count("papers") == 53
    sizes = [p["papers"] for p in seeded_kb.profiles()]
    assert sizes == [10, 10, 25, 10, 9]


def test_ingesting_again_changes_nothing(seeded_kb):
    before = dump(seeded_kb)
    report = seeded_kb.ingest([EXAMPLES])
    assert [f.status for f in report.files] == ["unchanged"] * 5
    assert dump(seeded_kb) == before


def test_gpt4o_card_has_full_author_list_and_all_five_profiles(seeded_kb):
    card = next(p for p in seeded_kb.papers() if p["title"] == "GPT-4o System Card")
    assert len(card["authors"]) > 400
    assert len(card["profiles"]) == 5


def test_papers_seen_twice_are_merged(seeded_kb):
    multi = {p["title"] for p in seeded_kb.papers() if len(p["profiles"]) == 2 and p["title"]}
    assert {
        "OpenAI o1 System Card",
        "GPT-4 Technical Report",
        "Evaluating Large Language Models Trained on Code",
        "Language Models are Few-Shot Learners",
        "Scaling Laws for Autoregressive Generative Modeling",
    } <= multi
    # RETRO and Gopher appear only in two abstract-only profiles: merged by abstract, no title.
    untitled = [p for p in seeded_kb.papers() if not p["title"] and len(p["profiles"]) == 2]
    assert len(untitled) == 2


def test_merged_paper_takes_title_from_one_source_and_authors_from_another(seeded_kb):
    gpt4 = next(p for p in seeded_kb.papers() if p["title"] == "GPT-4 Technical Report")
    assert len(gpt4["authors"]) > 250  # full list from the Scholar export, not the arXiv "et al."
    assert gpt4["year"] == 2023  # the date only the arXiv page gives


def test_no_stored_name_contains_thai_characters(seeded_kb):
    names = [r["name"] for r in seeded_kb.store.query("SELECT name FROM people")]
    assert names and not [n for n in names if re.search("[\u0e00-\u0e7f]", n)]


def test_quinonero_candela_is_one_person_with_raw_alias(seeded_kb):
    people = seeded_kb.find_people("Joaquin Quiñonero Candela")
    assert len(people) == 1
    assert "Joaquin Quiรฑonero Candela" in {a["alias"] for a in people[0]["aliases"]}


def test_madry_spellings_are_one_person(seeded_kb):
    assert len(seeded_kb.find_people("Aleksander Madry")) == 1
    assert seeded_kb.find_people("Aleksander Madry") == seeded_kb.find_people("Aleksander Mądry")


def test_chris_and_christopher_hesse_merge_on_shared_coauthors(seeded_kb):
    hesse = seeded_kb.find_people("Christopher Hesse")
    assert len(hesse) == 1 and hesse[0]["name"] == "Christopher Hesse"
    assert "Chris Hesse" in {a["alias"] for a in hesse[0]["aliases"]}


def test_owners_of_the_seed_profiles(seeded_kb):
    by_file = {p["source"].rsplit("/", 1)[-1][:3]: p for p in seeded_kb.profiles()}
    metz = by_file["001"]
    assert metz["owner"]["name"] == "Luke Metz" and metz["owner_status"] == "confirmed"
    assert 0 < metz["owner"]["confidence"] <= 1
    radford = by_file["002"]
    assert radford["owner"]["name"] == "Alec Radford" and radford["owner_status"] == "inferred"
    assert 0.5 < radford["owner"]["confidence"] < 1
    for tony in (by_file["000"], by_file["003"], by_file["004"]):
        assert tony["declared_name"] == "Tony"
        assert tony["declared_name_supported"] is False
        assert tony["owner"] is None
