"""Server-rendered pages through the ASGI app: content, escaping, forms, writes, errors."""

from __future__ import annotations

import json
import re
import time

import pytest
from fastapi.testclient import TestClient

from scholarlens.web.charts import topics_chart

from ..conftest import SEEDS
from .conftest import TOKEN

HOSTILE_MARKUP = ["<script>__xss", "<img src=x onerror", "<b>robust</b>"]


def _assert_escaped(html: str) -> None:
    for raw in HOSTILE_MARKUP:
        assert raw not in html, f"unescaped profile markup {raw!r} in the page"


def _hostile_person_id(client: TestClient) -> int:
    people = client.get("/api/people", params={"q": "Mallory"}).json()["items"]
    return int(people[0]["id"])


@pytest.mark.parametrize("url", ["/", "/experts", "/reviewers", "/assign", "/whois", "/people", "/papers", "/profiles", "/ingest", "/api", "/login"])
def test_every_main_page_renders(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert "<title>" in r.text and 'src="/static/vendor/htmx-2.0.11.min.js"' in r.text


def test_pages_load_nothing_from_other_sites(client: TestClient) -> None:
    person = _hostile_person_id(client)
    for url in ["/", f"/people/{person}", "/whois"]:
        html = client.get(url).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), url


def test_hostile_profile_text_is_shown_as_text_everywhere(client: TestClient) -> None:
    person = _hostile_person_id(client)
    paper = next(p["id"] for p in client.get("/api/papers", params={"q": "<script>"}).json()["items"])
    profile = next(p["id"] for p in client.get("/api/profiles").json()["items"] if "hostile" in p["source"])
    pages = [
        "/people?q=Mallory",
        f"/people/{person}",
        "/papers?q=Adversarial",
        f"/papers/{paper}",
        "/profiles",
        f"/profiles/{profile}",
        f"/whois?profile={profile}",
        "/experts?q=reward+hacking+reinforcement+learning",
    ]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        _assert_escaped(r.text)
    html = client.get(f"/papers/{paper}").text
    assert "&lt;script&gt;__xss=&#39;title&#39;&lt;/script&gt;" in html


def test_chart_specs_are_json_data_blocks_that_cannot_close_their_script(client: TestClient) -> None:
    person_id = client.get("/api/people", params={"q": "Radford"}).json()["items"][0]["id"]
    html = client.get(f"/people/{person_id}").text
    blocks = re.findall(r'<script type="application/json" id="spec-[a-z]+">(.*?)</script>', html, re.S)
    assert len(blocks) == 2, "the person page should carry its two chart specs"
    # A topic label is profile text: the filter that writes specs must escape "<".
    env = client.app.state.ctx.env  # type: ignore[attr-defined]
    spec = topics_chart([{"label": "</script><script>__xss=1</script>", "weight": 1, "by_year": {"2020": 1}}])
    out = env.from_string("{{ spec|tojson }}").render(spec=spec)
    assert "<" not in out and json.loads(out)["data"]["values"][0]["topic"].startswith("</script>")


def test_person_page_shows_papers_by_year_topics_coauthors_similar(client: TestClient) -> None:
    person_id = client.get("/api/people", params={"q": "Radford"}).json()["items"][0]["id"]
    html = client.get(f"/people/{person_id}").text
    # his arXiv page dates every paper, so the trend is drawn
    for part in ["<h2>Topics</h2>", "Papers by year", "Co-authors", "Similar people", 'data-vega-spec="spec-topics"']:
        assert part in html, part


def test_people_list_pages_forward_and_back(client: TestClient) -> None:
    first = client.get("/people").text
    assert 'rel="next"' in first and "1–25 of" in first
    second = client.get("/people?offset=25").text
    assert "26–50 of" in second and 'rel="prev"' in second


def test_experts_form_shows_ranked_people_with_evidence(client: TestClient) -> None:
    html = client.get("/experts", params={"q": "speech recognition weak supervision"}).text
    assert 'class="ranked"' in html and 'href="/papers/' in html


def test_reviewers_form_marks_conflicts(client: TestClient) -> None:
    html = client.post(
        "/reviewers",
        data={
            "title": "Robust speech recognition via large-scale weak supervision",
            "abstract": "We train speech models on audio transcripts from the internet.",
            "authors": "Alec Radford",
        },
    ).text
    assert "Conflict of interest" in html


def test_reviewers_form_without_a_paper_says_what_is_missing(client: TestClient) -> None:
    r = client.post("/reviewers", data={"title": "", "abstract": ""})
    assert r.status_code == 400 and "title and abstract" in r.text


def test_whois_form_accepts_an_uploaded_file(client: TestClient) -> None:
    r = client.post("/whois", data={"text": ""}, files={"file": ("metz.txt", SEEDS[1].read_bytes(), "text/plain")})
    assert r.status_code == 200, r.text
    assert "Luke Metz" in r.text and "from metz.txt" in r.text


def test_whois_form_reports_an_unparseable_paste(client: TestClient) -> None:
    r = client.post("/whois", data={"text": "just some words"})
    assert r.status_code == 400 and 'class="problem"' in r.text


def test_whois_form_escapes_a_hostile_paste(client: TestClient, hostile_text: str) -> None:
    r = client.post("/whois", data={"text": hostile_text})
    assert r.status_code == 200, r.text
    _assert_escaped(r.text)


def test_missing_things_get_a_readable_error_page(client: TestClient) -> None:
    r = client.get("/papers/999999")
    assert r.status_code == 404 and "no paper with id 999999" in r.text and "<html" in r.text


def test_read_only_server_explains_how_to_enable_ingest(client: TestClient) -> None:
    assert "--allow-writes" in client.get("/ingest").text
    assert client.post("/ingest", files={"files": ("a.txt", b"x", "text/plain")}).status_code == 403


def test_cross_site_form_posts_are_refused(writer: TestClient) -> None:
    r = writer.post("/ingest", files={"files": ("a.txt", b"x", "text/plain")}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_ingest_form_redirects_to_a_progress_page(writer: TestClient) -> None:
    r = writer.post("/ingest", files={"files": (SEEDS[0].name, SEEDS[0].read_bytes(), "text/plain")}, follow_redirects=False)
    assert r.status_code == 303
    job_url = r.headers["location"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        html = writer.get(job_url).text
        if "every 500ms" not in html:
            break
        time.sleep(0.05)
    assert "unchanged" in html  # the seed was ingested before: re-ingest is a no-op


def test_token_login_sets_a_session_cookie_that_allows_writes(token_client: TestClient) -> None:
    assert "Log in" in token_client.get("/ingest").text
    bad = token_client.post("/login", data={"token": "wrong", "next": "/ingest"}, follow_redirects=False)
    assert bad.status_code == 401
    ok = token_client.post("/login", data={"token": TOKEN, "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert 'name="files"' in token_client.get("/ingest").text


def test_person_page_says_why_there_is_no_trend(client: TestClient) -> None:
    person_id = client.get("/api/people", params={"q": "Metz"}).json()["items"][0]["id"]
    html = client.get(f"/people/{person_id}").text
    assert 'id="topics-note"' in html and "too few dated papers for topics over time: 3 of 11 dated" in html
    assert 'data-vega-spec="spec-topics"' not in html


def test_an_off_topic_query_says_no_one_here_has_worked_on_it(client: TestClient) -> None:
    weak = client.get("/api/experts", params={"q": "quantum error correction with surface codes"}).json()
    assert weak["match"]["calibrated"] is True  # the default method has a fitted calibration
    for r in weak["experts"]:
        assert {"probability", "strength"} <= set(r)
    html = client.get("/experts", params={"q": "quantum error correction with surface codes"}).text
    assert ('id="no-match"' in html) == weak["match"]["no_match"]


def test_reviewers_takes_a_bibtex_submission_and_its_authors_make_the_conflicts(client: TestClient) -> None:
    bib = (
        b"@inproceedings{radford2023,\n  title = {Robust Speech Recognition via Large-Scale Weak Supervision},\n"
        b"  author = {Radford, Alec and Kim, Jong Wook},\n  year = {2023},\n"
        b"  abstract = {We study speech processing systems trained on transcripts of audio from the internet.}\n}\n"
    )
    r = client.post("/reviewers", files={"file": ("submission.bib", bib, "application/x-bibtex")})
    assert r.status_code == 200, r.text[:300]
    assert "Conflict of interest" in r.text  # the authors came from the BibTeX entry, none were typed


def test_reviewers_form_lists_every_conflicted_person_with_evidence_not_only_the_ranked(client: TestClient) -> None:
    data = {"title": "Robust speech recognition via large-scale weak supervision",
            "abstract": "We train speech models on audio transcripts from the internet.", "authors": "Alec Radford", "limit": "1"}
    html = client.post("/reviewers", data=data).text
    section = html[html.index('id="conflicts"'):]
    api = client.post("/api/reviewers", json={"text": data["title"], "authors": ["Alec Radford"], "limit": 1}).json()
    assert len(api["reviewers"]) == 1
    listed = api["conflicts"]
    hard = [c for c in listed if c["strength"] == "hard"]
    assert len(hard) > 1 and listed[0]["name"] == "Alec Radford" and listed[0]["reason"] == "author"
    ranked = {r["person_id"] for r in api["reviewers"]}
    assert any(c["person_id"] not in ranked for c in hard)  # conflicts below the cut are listed, not hidden
    for c in hard:
        assert c["explanation"] and f'href="/people/{c["person_id"]}"' in section
    coauthor = next(c for c in hard if c["reason"] == "coauthor")
    assert coauthor["explanation"].startswith("co-authored") and coauthor["evidence"].get("title")
    assert f"{len(hard)} hard" in section
