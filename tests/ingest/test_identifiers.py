"""Identifiers come first in deduplication: one paper across every source that names it."""

from __future__ import annotations

from scholarlens.kb import KnowledgeBase

from ..formats._samples import sample


def test_the_same_paper_from_six_formats_is_one_paper(tmp_path):
    files = ["arxiv_snapshot.jsonl", "openalex_works.json", "s2_api_papers.json", "s2_dataset_papers.jsonl",
             "library.bib", "library.ris", "library_csl.json"]  # fmt: skip
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        report = kb.ingest([sample(f) for f in files])
        assert report.ok, report.to_dict()
        attention = [p for p in kb.papers() if "attention is all you need" in p["title"].lower()]
        assert len(attention) == 1
        formats = {s["format"] for s in attention[0]["sources"]}
        assert formats == {"arxiv-snapshot", "openalex", "s2-paper", "bibtex", "ris", "csl-json"}
        ids = {(r["scheme"], r["value"]) for r in kb.store.query("SELECT scheme, value FROM identifiers WHERE paper_id = ?", (attention[0]["id"],))}
        assert {("arxiv", "1706.03762"), ("openalex", "w2963403868"), ("s2corpus", "13756489"),
                ("s2", "204e3073870fae3d05bcbc2f6a8e263d9b72e776")} <= ids  # fmt: skip
        # Identifier matches win even where titles differ in case and the abstract is missing.
        assert attention[0]["authors"][0] == "Ashish Vaswani"


def test_doi_match_merges_records_with_different_titles(tmp_path):
    a = tmp_path / "a.jsonl"
    b = tmp_path / "b.json"
    a.write_text('{"id": "2001.00001", "title": "A preprint title", "abstract": "x", "doi": "10.1000/SAME", "categories": "cs.LG"}\n')
    b.write_text('[{"id": "k", "type": "article-journal", "title": "The journal version has another title", "DOI": "10.1000/same", "author": [{"family": "Doe", "given": "Jane"}]}]')
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        assert kb.ingest([a, b]).ok
        assert kb.count("papers") == 1


def test_orcid_decides_person_identity_on_the_profile_path(kb, tmp_path):
    """Two BibTeX-free CSL files: same name, different ORCIDs → two people; same ORCID → one."""
    import json

    def item(title, orcid):
        return {
            "type": "article-journal",
            "title": title,
            "issued": {"date-parts": [[2020]]},
            "author": [{"given": "Wei", "family": "Zhang", "ORCID": orcid}, {"given": "Ann", "family": "Lee"}],
        }

    a = tmp_path / "a.json"
    a.write_text(json.dumps([item("A study of owls at night in the forest", "0000-0001-0000-0001")]))
    b = tmp_path / "b.json"
    b.write_text(json.dumps([item("A study of terns over the northern ocean", "0000-0002-0000-0002")]))
    c = tmp_path / "c.json"
    c.write_text(json.dumps([item("A study of herons along slow rivers", "0000-0001-0000-0001")]))
    report = kb.ingest([a, b, c])
    assert report.ok, report.to_dict()
    zhangs = [p for p in kb.people(q="Zhang") if p["name"] == "Wei Zhang"]
    assert sorted(p["papers"] for p in zhangs) == [1, 2]
