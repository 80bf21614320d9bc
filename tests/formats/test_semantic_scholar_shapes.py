from __future__ import annotations

from scholarlens.formats import detect, parse_file, read_file

from ._samples import sample


def test_api_search_page_with_external_ids_and_publication_date():
    text, _ = read_file(sample("s2_api_papers.json"))
    assert detect(text, "s2_api_papers.json").name == "s2-paper"
    a, b = parse_file(sample("s2_api_papers.json")).papers
    assert a.identifiers == {
        "s2": "204e3073870fae3d05bcbc2f6a8e263d9b72e776", "arxiv": "1706.03762",
        "doi": "10.48550/arxiv.1706.03762", "s2corpus": "13756489",
    }  # fmt: skip
    assert (a.year, a.month, a.day) == (2017, 6, 12)
    assert [x.name for x in a.authors] == ["Ashish Vaswani", "Noam M. Shazeer"]
    assert b.venue == "North American Chapter of the Association for Computational Linguistics"


def test_dataset_papers_shape():
    text, _ = read_file(sample("s2_dataset_papers.jsonl"))
    assert detect(text, "papers.jsonl").name == "s2-paper"
    a, b = parse_file(sample("s2_dataset_papers.jsonl")).papers
    assert a.identifiers == {"arxiv": "1706.03762", "s2corpus": "13756489", "mag": "2963403868"}
    assert a.extra["fields_of_study"] == ["Computer Science"]
    assert (b.year, b.month, b.day) == (2001, 2, 3) and b.identifiers["doi"] == "10.1000/s2data"


def test_api_author_with_papers():
    profile = parse_file(sample("s2_author.json"))
    assert profile.format == "s2-author" and profile.declared_name == "Ashish Vaswani"
    assert len(profile.papers) == 2
