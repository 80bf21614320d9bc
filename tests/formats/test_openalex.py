from __future__ import annotations

from scholarlens.formats import detect, parse_file, read_file
from scholarlens.formats.openalex import rebuild_abstract

from ._samples import sample


def test_rebuilds_inverted_abstract_in_word_order():
    assert rebuild_abstract({"b": [1], "a": [0, 2]}) == "a b a"
    assert rebuild_abstract(None) is None and rebuild_abstract({}) is None


def test_reads_api_page_with_authorships_institutions_orcids_topics():
    text, _ = read_file(sample("openalex_works.json"))
    assert detect(text, "openalex_works.json").name == "openalex"
    w, second = parse_file(sample("openalex_works.json")).papers
    assert w.identifiers["openalex"] == "W2963403868" and w.identifiers["arxiv"] == "1706.03762"
    assert w.identifiers["doi"] == "10.48550/arxiv.1706.03762"
    assert w.abstract.startswith("The dominant sequence transduction models") and w.abstract.endswith("We The Transformer.")
    assert [a.name for a in w.authors] == ["Ashish Vaswani", "Łukasz Kaiser", "Illia Polosukhin"]
    assert w.authors[1].orcid == "0000-0003-1092-6010" and w.authors[1].raw == "Lukasz Kaiser"
    assert w.authors[0].affiliations == ["Google (United States)"]
    assert w.organisations == ["Google (United States)"]
    assert w.extra["topics"][0] == "Topic Modeling" and w.venue == "arXiv (Cornell University)"
    assert (second.title, second.year, second.abstract) == ("Stützpunkte für Übersetzung: a study", 2021, None)


def test_reads_snapshot_json_lines():
    papers = parse_file(sample("openalex_works.jsonl")).papers
    assert [p.identifiers["openalex"] for p in papers] == ["W1", "W2"]
    assert papers[0].abstract == "Numbers compute."
