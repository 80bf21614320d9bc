"""whois: ranked owners with evidence; robust abstract matching; ambiguity; own sources ignored."""

from __future__ import annotations

import json

import pytest

from scholarlens import whois
from scholarlens.kb import KnowledgeBase
from scholarlens.records import ParsedPaper, ParsedProfile

from ..conftest import EXAMPLES
from .corpus import ABSTRACTS, record, write_abstracts, write_corpus

TONY_FILES = ["000_d4147f0f138fd69a.txt", "003_a6c1902b920d2375.txt", "004_9425abcd397c24ad.txt"]


@pytest.fixture
def corpus_kb(tmp_path):
    """Ada Lovelace wrote tok, rl, peer (with different co-authors); Bob Builder co-wrote two."""
    recs = [
        record("tok", ["Ada Lovelace", "Bob Builder", "Carl Chen"]),
        record("rl", ["Dana Diaz", "Ada Lovelace"]),
        record("peer", ["Ada Lovelace", "Bob Builder", "Eve Evans"]),
        record("graph", ["Bob Builder", "Fay Fox"]),
        record("speech", ["Gus Grant", "Hal Hill"]),
    ]
    kb = KnowledgeBase(tmp_path / "kb.db")
    assert kb.ingest([write_corpus(tmp_path / "corpus", recs)]).ok
    yield kb
    kb.close()


def test_identifies_the_author_common_to_the_matched_papers(corpus_kb, tmp_path):
    prof = write_abstracts(tmp_path / "anon.txt", [ABSTRACTS["tok"], ABSTRACTS["rl"], ABSTRACTS["peer"]])
    res = whois(corpus_kb, prof)
    assert res["status"] == "identified" and res["method"] == "paper-match"
    best = res["candidates"][0]
    assert best["name"] == "Ada Lovelace" and best["matched_papers"] == 3 and best["confidence"] > 0.8
    assert res["candidates"][1]["name"] == "Bob Builder" and res["candidates"][1]["matched_papers"] == 2
    assert {e["match"] for e in best["evidence"]} == {"exact"}
    assert res["declared_name_supported"] is None  # "Anonymous" names nobody


def _garble(text: str) -> str:
    """Thai code-page mojibake of a few words (what broken exports do to non-ASCII text)."""
    words = text.split()
    for i in (3, 9, 15):
        words[i] = (words[i] + "é").encode("utf-8").decode("cp874", errors="replace")
    return " ".join(words)


@pytest.mark.parametrize(
    "variant",
    [
        lambda a: "\n  ".join(a.split(" ")),  # re-wrapped white space
        lambda a: "Abstract: " + a,  # an extra label
        lambda a: a[: len(a) // 2],  # truncated
        lambda a: a.split(". ", 1)[1],  # first sentence missing
        lambda a: "In this paper we present new work. " + a,  # an extra leading sentence
        _garble,  # mojibake
    ],
    ids=["rewrapped", "prefix", "truncated", "missing-first-sentence", "extra-sentence", "mojibake"],
)
def test_abstract_matching_survives_damage(corpus_kb, variant):
    papers = [ParsedPaper(abstract=variant(ABSTRACTS[k])) for k in ("tok", "rl", "peer")]
    res = whois(corpus_kb, ParsedProfile(source="<test>", format="abstracts", papers=papers))
    assert res["matched"] == 3, res["match_kinds"]
    assert res["candidates"][0]["name"] == "Ada Lovelace"


def test_spellings_of_one_person_are_counted_together(tmp_path):
    recs = [
        record("tok", ["R. Schapire", "Carl Chen"]),
        record("rl", ["Robert Schapire", "Dana Diaz"]),
        record("peer", ["Robert Schapire", "Eve Evans"]),
        record("graph", ["Carl Chen", "Dana Diaz", "Eve Evans"]),
    ]
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        kb.ingest([write_corpus(tmp_path / "c", recs)])
        res = whois(kb, write_abstracts(tmp_path / "a.txt", [ABSTRACTS[k] for k in ("tok", "rl", "peer")]))
        best = res["candidates"][0]
        assert best["name"] == "Robert Schapire" and best["matched_papers"] == 3
        assert "R. Schapire" in best["aliases"] and res["status"] == "identified"


def test_equal_evidence_is_ambiguous_and_says_who(corpus_kb, tmp_path):
    res = whois(corpus_kb, write_abstracts(tmp_path / "a.txt", [ABSTRACTS["speech"]]))
    assert res["status"] == "ambiguous"
    assert {c["name"] for c in res["candidates"]} == {"Gus Grant", "Hal Hill"}
    assert "Gus Grant" in res["explanation"] and "Hal Hill" in res["explanation"]
    assert all(c["confidence"] <= 0.5 for c in res["candidates"])


def test_declared_name_is_checked(corpus_kb, tmp_path):
    abstracts = [ABSTRACTS["tok"], ABSTRACTS["rl"], ABSTRACTS["peer"]]
    assert whois(corpus_kb, write_abstracts(tmp_path / "a.txt", abstracts, "Ada Lovelace"))["declared_name_supported"] is True
    wrong = whois(corpus_kb, write_abstracts(tmp_path / "b.txt", abstracts, "Zed Zane"))
    assert wrong["declared_name_supported"] is False and wrong["candidates"][0]["name"] == "Ada Lovelace"


def test_unmatched_abstracts_fall_back_to_similarity(corpus_kb, tmp_path):
    novel = "Conformer encoders with shallow fusion and an external language model reduce word error rate in speech recognition under noisy far field conditions."
    res = whois(corpus_kb, write_abstracts(tmp_path / "a.txt", [novel]))
    assert res["method"] == "similarity" and res["status"] == "ambiguous"
    assert res["candidates"][0]["name"] in {"Gus Grant", "Hal Hill"}
    assert res["candidates"][0]["confidence"] <= 0.5 and "similarity" in res["explanation"]


def test_nothing_to_compare_is_unknown(tmp_path):
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        res = whois(kb, write_abstracts(tmp_path / "a.txt", [ABSTRACTS["tok"]]))
    assert res["status"] == "unknown" and res["candidates"] == []


def test_a_stored_profile_never_matches_its_own_sources(corpus_kb, tmp_path):
    prof = write_abstracts(tmp_path / "mine.txt", ["An abstract nobody else has, " * 8])
    corpus_kb.ingest([prof])
    by_path = whois(corpus_kb, prof)
    pid = by_path["profile"]["stored_as"][0]
    by_id = whois(corpus_kb, pid[:8])
    for res in (by_path, by_id):
        assert res["matched"] == 0 and res["status"] != "identified"


def test_tony_seed_profiles_are_ambiguous_with_large_teams(seeded_kb):
    for name in TONY_FILES:
        res = whois(seeded_kb, EXAMPLES / name)
        assert res["status"] == "ambiguous", name
        assert res["declared_name"] == "Tony" and res["declared_name_supported"] is False
        assert res["matched"] >= 3
        assert "authors" in res["explanation"] and "people" in res["explanation"]
        assert res["candidates"][0]["confidence"] < 0.1
    seeded = {p["source"].rsplit("/", 1)[-1]: p for p in seeded_kb.profiles()}
    assert all(seeded[n]["owner_status"] == "ambiguous" and seeded[n]["owner"] is None for n in TONY_FILES)


def test_tony_profiles_get_an_owner_once_a_reference_corpus_arrives(seeded_kb, tmp_path):
    recs = []
    for name in TONY_FILES:
        lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()[1:]
        for i, line in enumerate(lines):
            abstract = line.split(":", 1)[1]
            recs.append(
                {"title": None, "abstract": abstract, "year": 2024, "ssId": f"{name[:3]}-{i}", "authors": str(["Tony Stark", f"Helper {name[:3]}{i}"])}
            )
    seeded_kb.ingest([write_corpus(tmp_path / "ref", recs)])
    owners = {p["source"].rsplit("/", 1)[-1]: p for p in seeded_kb.profiles()}
    for name in TONY_FILES:
        p = owners[name]
        assert p["owner"] and p["owner"]["name"] == "Tony Stark", p
        assert p["owner_status"] == "confirmed" and p["declared_name_supported"] is True
        res = whois(seeded_kb, EXAMPLES / name)
        assert res["status"] == "identified" and res["candidates"][0]["name"] == "Tony Stark"


def test_result_is_json_serialisable(corpus_kb, tmp_path):
    res = whois(corpus_kb, write_abstracts(tmp_path / "a.txt", [ABSTRACTS["tok"]]))
    assert json.loads(json.dumps(res))["candidates"][0]["evidence"][0]["match"] == "exact"


@pytest.mark.parametrize("pasted", ["Tony\nAbstract: " + "words " * 2000, "a\x00b"])
def test_pasted_text_where_a_file_or_profile_is_expected_is_a_not_found_error(corpus_kb, pasted):
    """A string no path can be (too long for the file system, a NUL byte) is not a file:
    whois says no such profile instead of raising the OS's error."""
    from scholarlens.errors import NotFoundError

    with pytest.raises(NotFoundError):
        corpus_kb.whois(pasted)
