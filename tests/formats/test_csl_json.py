from __future__ import annotations

from scholarlens.formats import detect, parse_file, read_file

from ._samples import sample


def test_reads_zotero_items():
    text, _ = read_file(sample("library_csl.json"))
    assert detect(text, "library_csl.json").name == "csl-json"
    a, b, c = parse_file(sample("library_csl.json")).papers
    assert a.identifiers == {"arxiv": "1706.03762"}
    assert (a.year, a.month, a.day) == (2017, 6, 12)  # date-parts may hold strings
    assert a.authors[1].name == "Łukasz Kaiser" and a.authors[1].orcid == "0000-0003-1092-6010"
    assert a.venue is None  # container "arXiv" is not a venue


def test_particles_literals_raw_and_literal_dates():
    _, b, c = parse_file(sample("library_csl.json")).papers
    assert [x.name for x in b.authors] == ["Jan van der Berg"] and b.organisations == ["OpenAI"]
    assert (b.year, b.month) == (2020, 9) and b.identifiers == {"doi": "10.1000/example.42"}
    assert c.year == 2019
