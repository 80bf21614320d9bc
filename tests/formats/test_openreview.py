from __future__ import annotations

from scholarlens.formats import detect, parse_file, read_file

from ._samples import sample


def test_profile_archive_owner_comes_from_the_file_name():
    path = sample("~Jane_Doe1.jsonl")
    text, _ = read_file(path)
    assert detect(text, str(path)).name == "openreview-archive"
    profile = parse_file(path)
    assert profile.declared_name == "Jane Doe"
    v1, v2 = profile.papers
    assert v1.identifiers == {"openreview": "rJxF73R9tX", "arxiv": "1810.00001"}
    assert v1.year == 2019 and v1.venue == "ICLR 2019 Conference"
    assert v2.title == "Calibrated Reviewer Assignment"  # API v2: {"value": ...}
    assert [a.name for a in v2.authors] == ["Jane Doe", "Zoë Ångström"]
    assert v2.year == 2023


def test_submissions_api_response():
    text, _ = read_file(sample("openreview_submissions.json"))
    assert detect(text, "openreview_submissions.json").name == "openreview"
    papers = parse_file(sample("openreview_submissions.json")).papers
    assert [p.identifiers["openreview"] for p in papers] == ["S1", "S2"]
    assert papers[0].year == 2024
