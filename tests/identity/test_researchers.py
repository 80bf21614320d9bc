"""Person pages and similar people (hashing encoder, plus one check with the real MiniLM)."""

from __future__ import annotations

import pytest

from scholarlens import person_view, similar_people
from scholarlens.embeddings import HashingEncoder
from scholarlens.errors import NotFoundError
from scholarlens.kb import KnowledgeBase

from .corpus import ABSTRACTS, record, write_abstracts, write_corpus


@pytest.fixture
def kb(tmp_path):
    recs = [
        record("tok", ["Ada Lovelace", "Bob Builder"], year=2019),
        record("sum", ["Ada Lovelace", "Carl Chen"], year=2020),
        record("rl", ["Ada Lovelace", "Dana Diaz"], year=2021),
        record("speech", ["Eve Evans", "Fay Fox"], year=2021),
        record("graph", ["Gus Grant"], year=2022),
        record("peer", ["Hal Hill"], year=2022),
        record("tok", ["Ivy Ives"], title="Adaptive merges for subword vocabularies", abstract="Subword tokenizers such as byte pair encoding decide the vocabulary of neural machine translation. For low resource languages with rich morphology we find that an adaptive merge schedule and a smaller vocabulary size improve translation quality."),
    ]
    k = KnowledgeBase(tmp_path / "kb.db")
    k.ingest([write_corpus(tmp_path / "c", recs)])
    yield k
    k.close()


def test_person_view_has_papers_by_year_topics_and_coauthors(kb):
    view = person_view(kb, "Ada Lovelace", encoder=HashingEncoder())
    assert view["person"]["name"] == "Ada Lovelace" and view["person"]["papers"] == 3
    assert view["papers_by_year"] == {"2019": 1, "2020": 1, "2021": 1}
    assert {c["name"] for c in view["coauthors"]} == {"Bob Builder", "Carl Chen", "Dana Diaz"}
    assert view["topics"] and abs(sum(t["weight"] for t in view["topics"]) - 1) < 0.1
    for t in view["topics"]:
        assert t["label"] and set(t["by_year"]) <= {"2019", "2020", "2021"}
    assert all(not s["coauthor"] or s["papers_compared"] > 0 for s in view["similar"])


def test_person_by_id_and_by_other_spelling(kb):
    pid = person_view(kb, "Ada Lovelace", similar=0)["person"]["id"]
    assert person_view(kb, pid, similar=0)["person"]["name"] == "Ada Lovelace"
    assert person_view(kb, "Lovelace, Ada", similar=0)["person"]["id"] == pid
    with pytest.raises(NotFoundError):
        person_view(kb, "Nobody Atall", similar=0)


def test_similar_people_leave_out_pure_coauthors(kb):
    rows = similar_people(kb, "Ada Lovelace", 10, encoder=HashingEncoder())
    names = [r["name"] for r in rows]
    assert "Bob Builder" not in names  # only shared papers: co-authorship is not similarity
    bob = similar_people(kb, "Bob Builder", 10, encoder=HashingEncoder())
    assert bob[0]["name"] == "Ivy Ives" and bob[0]["coauthor"] is False  # the same topic, written separately
    assert bob[0]["evidence"][0]["paper"] == "Adaptive merges for subword vocabularies"
    ada = next(r for r in bob if r["name"] == "Ada Lovelace")
    assert ada["coauthor"] is True and ada["papers_compared"] == 2  # the shared paper is left out


def test_similar_to_a_profile_of_abstracts(kb, tmp_path):
    prof = write_abstracts(tmp_path / "care.txt", [ABSTRACTS["graph"]])
    rows = similar_people(kb, prof, 3, encoder=HashingEncoder())
    assert rows[0]["name"] == "Gus Grant" and rows[0]["coauthor"] is False


@pytest.mark.slow
def test_real_model_finds_the_topical_neighbour(kb, tmp_path):
    from scholarlens.embeddings import get_encoder

    enc = get_encoder("minilm")
    prof = write_abstracts(
        tmp_path / "care.txt",
        ["Message passing neural networks over molecular graphs predict chemical properties of compounds."],
    )
    rows = similar_people(kb, prof, 3, encoder=enc)
    assert rows[0]["name"] == "Gus Grant"
