"""End to end: a person page in Chromium shows citation metrics with their source and date,
and identifier links that leave the app (DOI, arXiv, Semantic Scholar, OpenAlex)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scholarlens.kb import KnowledgeBase

from .test_e2e import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server

REAL = Path(__file__).resolve().parents[1] / "data" / "realworld"


@pytest.fixture(scope="module")
def metrics_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("metrics") / "kb.db"
    with KnowledgeBase(db, encoder="hashing") as kb:
        assert kb.ingest([REAL / "s2-author" / "author_turing.json", REAL / "openalex" / "works_sample5_pretty.json"]).ok
    proc, url = start_server(db)
    yield url
    stop_server(proc)


def test_person_page_shows_h_index_and_outbound_links(metrics_server: str) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make setup`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(base_url=metrics_server)
            page.set_default_timeout(60_000)
            page.goto("/people?q=Turing")
            page.locator("#results a[href^='/people/']").first.click()
            page.locator("h1").wait_for()
            assert page.locator("h1").inner_text() == "A. Turing"
            metrics = page.locator("#citations").inner_text()
            assert "h-index 23" in metrics and "semantic-scholar" in metrics and "57 of 57 papers" in metrics
            hrefs = page.eval_on_selector_all("ul.papers a.ext", "els => els.map(e => e.href)")
            assert any(h.startswith("https://www.semanticscholar.org/paper/") for h in hrefs)
            assert any(h.startswith("https://doi.org/10.") for h in hrefs)
            assert all(e == "noopener noreferrer" for e in page.eval_on_selector_all("a.ext", "els => els.map(e => e.rel)"))
            counts = page.locator("ul.papers").first.inner_text()
            assert "citations" in counts
        finally:
            browser.close()
