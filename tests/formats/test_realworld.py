"""Real files from the tools that produce them (tests/data/realworld, provenance in SOURCES.md):
each is detected as its format and gives the papers, names, years and identifiers it holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from scholarlens.errors import UnknownFormatError
from scholarlens.formats import explain, is_json_lines, parse_file, read_file
from scholarlens.formats._lines import peek_text
from scholarlens.formats.openreview import read_archive, read_archives, read_submissions

REAL = Path(__file__).resolve().parents[1] / "data" / "realworld"

#: file → (format, papers)
EXPECTED = {
    "arxiv-snapshot/snapshot_0704.jsonl": ("arxiv-snapshot", 2),
    "arxiv-snapshot/snapshot_2101_11408.jsonl": ("arxiv-snapshot", 1),
    "arxiv-snapshot/snapshot_hep_th_9608091.jsonl": ("arxiv-snapshot", 1),
    "arxiv-snapshot/snapshot_all.jsonl.gz": ("arxiv-snapshot", 4),
    "bibtex/biblatex-examples.bib": ("bibtex", 83),
    "bibtex/bibtex_mapping.bib": ("bibtex", 15),
    "bibtex/crossref_fields.bib": ("bibtex", 3),
    "bibtex/crossref_negotiation.bib": ("bibtex", 1),
    "bibtex/pure_export.bib": ("bibtex", 1),
    "bibtex/scopus_export.bib": ("bibtex", 3),
    "bibtex/string_and_preamble.bib": ("bibtex", 1),
    "csl-json/citationjs_biblatex_csl.json": ("csl-json", 28),
    "csl-json/citationjs_bibtex_csl.json": ("csl-json", 16),
    "csl-json/commonmeta_citeproc.json": ("csl-json", 1),
    "csl-json/commonmeta_citeproc_no_author.json": ("csl-json", 1),
    "csl-json/commonmeta_csl_list.json": ("csl-json", 17),
    "openalex/work_book.json": ("openalex", 1),
    "openalex/work_doi_with_orcid.json": ("openalex", 1),
    "openalex/work_journal_article.json": ("openalex", 1),
    "openalex/work_proceedings_article.json": ("openalex", 1),
    "openalex/works_sample1_oneline.json": ("openalex", 1),
    "openalex/works_sample5_oneline.json": ("openalex", 5),
    "openalex/works_sample5_pretty.json": ("openalex", 5),
    "openreview/goldstandard/submissions.json": ("openreview", 40),
    "openreview/goldstandard/archives/~144974941.jsonl": ("openreview-archive", 7),
    "openreview/expertise/archives/~Jerald_Hackett2.jsonl": ("openreview-archive", 3),
    "ris/crossref_negotiation.ris": ("ris", 1),
    "ris/citesource_export.ris": ("ris", 17),
    "ris/ebsco_asp_export.ris": ("ris", 4),
    "ris/ovid_export.ris": ("ris", 4),
    "ris/pure_export.ris": ("ris", 1),
    "ris/scopus_export.ris": ("ris", 3),
    "ris/zotero_test_crlf.ris": ("ris", 2),
    "ris/zotero_test_dataset_crlf.ris": ("ris", 1),
    "ris/zotero_test_endnote.ris": ("ris", 1),
    "ris/zotero_test_single_space.ris": ("ris", 1),
    "s2-author/author_turing.json": ("s2-author", 60),
    "s2-paper/author_papers_page.json": ("s2-paper", 100),
    "s2-paper/batch_with_null.json": ("s2-paper", 3),
    "s2-paper/goldstandard_paper.json": ("s2-paper", 1),
    "s2-paper/paper_oneline.json": ("s2-paper", 1),
    "s2-paper/search_turing_oneline.json": ("s2-paper", 100),
    "s2orc/metadata_head.jsonl": ("s2-paper", 100),
    "s2orc/metadata_with_ids.jsonl": ("s2-paper", 60),
}


def papers_of(rel: str) -> list:
    return parse_file(REAL / rel).papers


def test_every_real_file_has_an_expectation_and_provenance():
    files = {str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file() and p.name != "SOURCES.md"}
    covered = set(EXPECTED) | {f for f in files if f.startswith(("openreview/", "refused/"))}
    assert files <= covered
    sources = (REAL / "SOURCES.md").read_text()
    assert all(Path(f).name in sources for f in files)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_real_file_is_detected_and_parsed(rel):
    fmt, count = EXPECTED[rel]
    profile = parse_file(REAL / rel)
    assert (profile.format, len(profile.papers)) == (fmt, count)
    assert all(p.title or p.abstract for p in profile.papers)


def test_one_line_api_responses_are_documents_not_json_lines():
    # Saved by curl on one line and under 64 KiB: was streamed as JSON lines and stored 0 papers.
    for rel in ("openalex/works_sample5_oneline.json", "s2-paper/search_turing_oneline.json"):
        head = peek_text(REAL / rel)
        assert "\n" not in head.strip() and len(head) < 65536
        assert not is_json_lines(head)
        assert "one-line JSON document" in explain(head, rel).reason
    one, pretty = papers_of("openalex/works_sample5_oneline.json"), papers_of("openalex/works_sample5_pretty.json")
    assert [p.title for p in one] == [p.title for p in pretty]
    assert is_json_lines(peek_text(REAL / "s2orc/metadata_head.jsonl"))


def test_semantic_scholar_batch_skips_the_null_of_an_unknown_id():
    papers = papers_of("s2-paper/batch_with_null.json")
    assert papers[0].title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert papers[0].identifiers["s2"] == "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce"
    assert [a.name for a in papers[0].authors] == ["Marianne Bertrand", "E. Duflo", "S. Mullainathan"]


def test_s2orc_metadata_gives_authors_and_ids():
    first = papers_of("s2orc/metadata_with_ids.jsonl")[0]
    assert first.title.startswith("Effects of Acute Exercise on Plasma Apelin")
    assert [a.name for a in first.authors][:2] == ["Allan H. Goldfarb", "Justin D. Waller"]
    assert first.identifiers == {"doi": "10.1249/01.mss.0000476605.29629.3a", "s2corpus": "77493177", "mag": "2461370920"}
    assert first.year == 2015 and first.venue == "Medicine and Science in Sports and Exercise"
    head = papers_of("s2orc/metadata_head.jsonl")
    assert [a.name for a in head[0].authors] == ["Pen'kov Ma", "Konstantinovskaia Ke", "Zhukova Sv"]  # as S2ORC gives them
    assert sum(bool(p.authors) for p in head) >= 90


def test_biblatex_examples_crossref_tex_macros_and_containers():
    papers = {p.extra["bibtex_key"]: p for p in papers_of("bibtex/biblatex-examples.bib")}
    assert papers["knuth:ct:a"].title == "The TeXbook"
    child = papers["gaonkar:in"]  # crossref = gaonkar: year and venue come from the collection
    assert (child.year, child.venue) == (2001, "Alternative Modernities")
    assert [a.name for a in child.authors] == ["Dilip Parameshwar Gaonkar"]
    assert "gaonkar" not in papers and "westfahl:frontier" not in papers  # edited volumes are venues
    assert papers["moraux"].extra["bibtex_type"] == "inproceedings"


def test_bibtex_string_concatenation_and_scopus_repeated_fields():
    assert papers_of("bibtex/string_and_preamble.bib")[0].title == "Foobarbar"
    scopus = papers_of("bibtex/scopus_export.bib")
    assert scopus[0].title.startswith("Soil fauna diversity at different stages of reed restoration")


def test_csl_literal_family_first_and_organisations():
    (p,) = papers_of("csl-json/commonmeta_citeproc.json")
    assert (p.title, [a.name for a in p.authors], p.year) == ("Eating your own Dog Food", ["Martin Fenner"], 2016)
    assert p.identifiers == {"doi": "10.5438/4k3m-nyvg"}


def test_ris_exports_of_databases():
    (pure,) = papers_of("ris/pure_export.ris")
    assert pure.title == "A multiscale analysis of the urban heat island effect" and pure.year == 2018
    (zot,) = papers_of("ris/zotero_test_single_space.ris")  # "TY - JOUR", one space
    assert zot.title.startswith("Rapid identification of thousands of copperhead snake")
    (crossref,) = papers_of("ris/crossref_negotiation.ris")
    assert crossref.identifiers == {"doi": "10.7554/elife.01567"} and crossref.venue == "eLife"


def test_openalex_work_ids_and_orcids():
    (w,) = papers_of("openalex/work_doi_with_orcid.json")
    assert w.identifiers["openalex"] == "W2157853701" and w.identifiers["doi"] == "10.1155/2012/291294"
    assert any(a.orcid for a in w.authors)


def test_arxiv_snapshot_latex_accents_and_gzip():
    a, b = papers_of("arxiv-snapshot/snapshot_0704.jsonl")
    assert a.authors[0].name == "C. Balázs" and a.year == 2007 and a.identifiers["doi"] == "10.1103/physrevd.76.013009"
    assert b.title == "Sparsity-certifying Graph Decompositions" and b.category == "math.CO"
    (c,) = papers_of("arxiv-snapshot/snapshot_hep_th_9608091.jsonl")
    assert c.title == "Excited State Destri - De Vega Equation for Sine-Gordon and Restricted Sine-Gordon Models"


def test_openreview_expertise_layout():
    reviewers = read_archives(REAL / "openreview/expertise/archives")
    assert sorted(reviewers) == ["~Jackson_Upton9", "~Jerald_Hackett2", "~Loreta_Tremblay3"]
    # Notes of an archive that list no authors are its owner's: the owner becomes a person.
    assert {a.name for p in reviewers["~Jerald_Hackett2"] for a in p.authors} == {"Jerald Hackett"}
    subs = read_submissions(REAL / "openreview/expertise/submissions")
    assert sorted(p.identifiers["openreview"] for p in subs) == ["GhJKSuij", "KAeiq76y", "XMA5Kr4A", "duplicate", "qeFU8O7D", "sUPXdz06"]
    keyed = read_submissions(REAL / "openreview/goldstandard/submissions.json")
    assert len(keyed) == 40 and keyed[0].identifiers["openreview"] == "daa7e6af585d03e9cb05487413a6495f23400398"
    assert keyed[0].identifiers["arxiv"] == "2109.12970" and keyed[0].year == 2021


def test_numeric_archive_names_no_owner_but_keeps_its_reviewer_id():
    reviewer, papers = read_archive(REAL / "openreview/goldstandard/archives/~144974941.jsonl")
    assert reviewer == "~144974941" and len(papers) == 7
    assert parse_file(REAL / "openreview/goldstandard/archives/~144974941.jsonl").declared_name is None
    assert parse_file(REAL / "openreview/expertise/archives/~Jerald_Hackett2.jsonl").declared_name == "Jerald Hackett"


def test_web_of_science_plain_text_is_refused_with_a_hint():
    text, _ = read_file(REAL / "refused/wos_plaintext.txt")
    with pytest.raises(UnknownFormatError, match="--format"):
        explain(text, "wos_plaintext.txt")
