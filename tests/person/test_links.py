"""Identifier links on papers and people, in the JSON every front end shows."""

from __future__ import annotations

from pathlib import Path

from scholarlens.kb import KnowledgeBase

SAMPLES = Path(__file__).resolve().parents[1] / "formats" / "samples"


def test_papers_and_people_carry_links_to_where_they_resolve() -> None:
    with KnowledgeBase(":memory:", encoder="hashing") as kb:
        assert kb.ingest([SAMPLES / "openalex_works.json"]).ok
        paper = next(p for p in kb.papers() if p["title"] == "Attention Is All You Need")
        urls = {x["scheme"]: x["url"] for x in paper["links"]}
        assert urls["arxiv"] == "https://arxiv.org/abs/1706.03762"
        assert urls["doi"] == "https://doi.org/10.48550/arxiv.1706.03762"
        assert urls["openalex"] == "https://openalex.org/W2963403868"  # the id's case is kept
        assert urls["mag"] is None  # no resolver: shown as an id, not a link
        pid = kb.store.scalar("SELECT person_id FROM person_aliases WHERE kind = 'orcid' ORDER BY person_id LIMIT 1")
        view = kb.person(pid, similar=0)
        orcid = view["person"]["links"][0]
        assert orcid["scheme"] == "orcid" and orcid["url"] == f"https://orcid.org/{orcid['id']}"
        assert not orcid["id"].startswith("orcid:")
        assert any(p["links"] for p in view["papers"])
