"""End to end: the real server (``scholarlens serve`` in a subprocess) driven by Debian's
Chromium through Playwright — search, reviewers, whois upload (drag and drop), the person
page's charts, ingest progress, and hostile ``<script>`` text.

Chromium must be at /usr/bin/chromium (``make setup`` installs it); without it these tests
fail with that message rather than skip. ``SCHOLARLENS_SCREENSHOTS=DIR`` saves screenshots
of the main pages while the tests run (``docs/screenshots`` holds the committed ones), and
``SCHOLARLENS_E2E_MODEL=minilm`` serves with the real model for them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import SEEDS
from .conftest import HOSTILE

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SHOTS = os.environ.get("SCHOLARLENS_SCREENSHOTS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, *extra: str, model: str = "hashing") -> tuple[subprocess.Popen[bytes], str]:
    """``scholarlens serve`` over ``db`` on a free loopback port, once /api/health answers."""
    port = _free_port()
    env = {**os.environ, "SCHOLARLENS_MODEL": model}
    env.pop("SCHOLARLENS_TOKEN", None)
    log = (db.parent / "server.log").open("wb")
    cmd = [sys.executable, "-c", "from scholarlens.cli import main; main()", "--db", str(db), "serve", "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the server did not start: {(db.parent / 'server.log').read_text(errors='replace')}")
        time.sleep(0.1)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(web_seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``scholarlens serve --allow-writes`` on a free loopback port, over a copy of the seeded db."""
    db = tmp_path_factory.mktemp("e2e") / "kb.db"
    db.write_bytes(web_seed_db.read_bytes())
    proc, url = start_server(db, "--allow-writes", model=os.environ.get("SCHOLARLENS_E2E_MODEL", "hashing"))
    # The first expert search builds the embedding cache: do it before timing-sensitive clicks.
    urllib.request.urlopen(url + "/api/experts?q=warm+up", timeout=120).read()
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the end-to-end tests need Debian's chromium (run `make setup`, or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    """A fresh page; fails the test on any console error (CSP violations are console errors)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
    pg = context.new_page()
    errors: list[str] = []
    # A 400 answer to a bad form is expected (and shown in the page); any other failure is not.
    expected = "the server responded with a status of 400"
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and expected not in m.text else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", lambda d: errors.append(f"dialog opened: {d.message}"))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
    assert not errors, f"browser console errors: {errors}"


def _shot(pg, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _no_xss(pg) -> None:  # type: ignore[no-untyped-def]
    assert pg.evaluate("typeof window.__xss") == "undefined", "profile text ran as script"


# -- the tests -----------------------------------------------------------------------------
def test_home_search_shows_ranked_people_with_their_papers(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    _shot(page, "home")
    page.fill("#q", "speech recognition with weak supervision")
    page.press("#q", "Enter")
    first = page.locator("#results ol.ranked > li").first
    first.wait_for()
    assert urllib.parse.unquote_plus(page.url).endswith("/experts?q=speech recognition with weak supervision")
    assert first.locator("ul.evidence a[href^='/papers/']").count() >= 1
    assert page.locator("#results .rank").first.inner_text() == "1"
    _shot(page, "experts")
    first.locator("h2 a").click()
    page.wait_for_url("**/people/*")
    assert page.locator("h1").inner_text()


def test_person_page_draws_topics_and_papers_by_year_charts(page, server) -> None:  # type: ignore[no-untyped-def]
    import json

    q = urllib.parse.urlencode({"q": "Radford"})
    person = json.loads(urllib.request.urlopen(f"{server}/api/people?{q}").read())["items"][0]["id"]
    page.goto(f"/people/{person}")
    page.locator("#topics-chart svg").wait_for()
    page.locator("#years-chart svg").wait_for()
    assert page.locator("#topics-chart svg path, #topics-chart svg circle, #topics-chart svg .mark-symbol path").count() > 0
    assert "Alec Radford" in page.locator("h1").inner_text()
    assert page.locator("text=Similar people").count() == 1
    assert page.locator("aside ul.plain li").count() > 3
    _shot(page, "person")


def test_person_page_fits_a_phone_screen(browser, server) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server, is_mobile=True)
    pg = context.new_page()
    try:
        pg.goto("/people?q=Metz")
        pg.locator("#results a[href^='/people/']").first.click()
        pg.locator("#years-chart svg").wait_for()
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"page is {overflow}px wider than the phone"
        _shot(pg, "person-phone")
    finally:
        context.close()


def test_reviewers_form_marks_conflicts(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/reviewers")
    page.fill("input[name=title]", "Learning transferable visual models from natural language supervision")
    page.fill("textarea[name=abstract]", "We pre-train image and text encoders contrastively and transfer zero-shot to many vision tasks.")
    page.fill("textarea[name=authors]", "Alec Radford\nJong Wook Kim")
    page.click("button[type=submit]")
    page.locator("#results ol.ranked > li").first.wait_for()
    assert page.locator("#results .badge.danger").count() >= 1
    assert "Conflict of interest" in page.locator("#results").inner_text()
    _shot(page, "reviewers")


def test_whois_by_drag_and_drop(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/whois")
    text = SEEDS[1].read_text(encoding="utf-8")
    dt = page.evaluate_handle(
        "t => { const d = new DataTransfer(); d.items.add(new File([t], 'dropped-profile.txt', {type: 'text/plain'})); return d; }",
        text,
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": dt})
    assert "dropped-profile.txt" in page.locator("[data-filename]").inner_text()
    page.click("button[type=submit]")
    page.locator("#results .verdict").wait_for()
    results = page.locator("#results").inner_text()
    assert "Luke Metz" in results and "dropped-profile.txt" in results
    _shot(page, "whois")


def test_whois_by_choosing_a_file(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/whois")
    page.set_input_files("input[name=file]", str(SEEDS[2]))
    page.click("button[type=submit]")
    page.locator("#results .verdict").wait_for()
    assert page.locator("#results ol.ranked > li").count() >= 1


def test_whois_problem_is_shown_in_place(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/whois")
    page.fill("textarea[name=text]", "just a few words, not a profile")
    page.click("button[type=submit]")
    problem = page.locator("#results .problem")
    problem.wait_for()
    assert "not a recognised format" in problem.inner_text()
    assert page.locator("form textarea[name=text]").count() == 1  # the form is still there


def test_hostile_script_in_a_profile_renders_as_text(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/papers?q=%3Cscript%3E")
    page.locator("#results a.title").first.click()
    page.wait_for_url("**/papers/*")
    assert "<script>__xss='title'</script>" in page.locator("h1").inner_text()
    assert "<img src=x onerror=__xss='author'>" in page.locator(".authors").inner_text()
    assert "<b>robust</b>" in page.locator(".abstract").inner_text()
    _no_xss(page)
    _shot(page, "paper-hostile")
    page.locator(".authors a").first.click()  # Mallory's person page
    page.wait_for_url("**/people/*")
    assert "onerror" in page.locator("h1").inner_text()
    _no_xss(page)
    page.goto("/profiles")
    assert "<script>__xss='owner'</script>" in page.locator("#results").inner_text()
    _no_xss(page)
    page.goto("/whois")
    page.fill("textarea[name=text]", HOSTILE.read_text(encoding="utf-8"))
    page.click("button[type=submit]")
    page.locator("#results .verdict").wait_for()
    _no_xss(page)
    page.goto("/experts?q=reward+hacking+reviewer+assignment")
    _no_xss(page)


def test_ingest_upload_shows_progress_until_done(page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "large_profile.txt"
    lines = ["Barbara Liskov"] + [
        f"Abstract:Paper {i}: data abstraction, type hierarchies and the substitution principle in distributed systems." for i in range(4000 if SHOTS else 600)
    ]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto("/ingest")
    page.set_input_files("input[name=files]", [str(big), str(SEEDS[0])])
    seen: set[str] = set()
    page.on("response", lambda r: seen.add(r.url) if "fragment=1" in r.url else None)
    page.click("button[type=submit]")
    card = page.locator("#results .job")
    card.wait_for()
    statuses = set()
    shot = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = page.locator("[data-job-status]").inner_text()
        statuses.add(status)
        if status in ("done", "failed"):
            break
        value = int(page.locator("#results progress").get_attribute("value") or 0)
        if status == "running" and 10 < value < 90 and not shot:
            _shot(page, "ingest-progress")
            shot = True
        page.wait_for_timeout(100)
    assert status == "done", statuses
    assert seen, "the page should have polled the job's progress"
    assert "running" in statuses or "queued" in statuses
    assert page.locator("#results progress").get_attribute("value") == "100"
    report = page.locator("#results table").inner_text()
    assert "large_profile.txt" in report and "added" in report
    _shot(page, "ingest-done")


@pytest.mark.parametrize("path", ["/people", "/papers", "/profiles"])
def test_browse_pages_search_and_page(page, path) -> None:  # type: ignore[no-untyped-def]
    page.goto(path)
    _shot(page, path.strip("/"))
    if page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        page.wait_for_url("**offset=25**")
    page.fill("#q", "Radford" if path != "/papers" else "speech")
    page.locator("#results").filter(has_text="Radford" if path != "/papers" else "Speech").wait_for()


def test_assignment_upload_runs_with_progress_and_shows_reviewers_loads_and_downloads(page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto("/assign")
    page.set_input_files("input[name=submissions]", [str(SEEDS[1])])
    page.fill("input[name=max_load]", "2")
    page.click("#assign-form button[type=submit]")
    page.wait_for_url("**/assign/*")  # the job's page, which polls the progress until the result
    page.locator("#papers").wait_for(timeout=60_000)
    assert page.locator("[data-job-status]").inner_text() == "done"
    assert page.locator("#papers tr.pair").count() == 3 * 10  # Luke Metz's ten papers, three reviewers each
    assert "Luke Metz" not in page.locator("#papers td.reviewer").all_inner_texts()  # never his own papers
    page.locator("#loads-chart svg").wait_for()
    link = page.locator('#downloads a[href$="/assignments.csv"]')
    with page.expect_download() as dl:
        link.click()
    assert dl.value.suggested_filename == "assignments.csv"
    _shot(page, "assign")
    _no_xss(page)
