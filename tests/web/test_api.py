"""The JSON API through the ASGI app in process: shapes, paging, problems, limits, writes."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from scholarlens.web import create_app

from ..conftest import SEEDS
from .conftest import HOSTILE, TOKEN, asgi_client


def _problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _wait(client: TestClient, job_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["finished"]:
            return job
        time.sleep(0.05)
    raise AssertionError(f"ingest job {job_id} did not finish in {timeout}s")


# -- reading -------------------------------------------------------------------------------
def test_summary_counts_the_seeded_profiles(client: TestClient) -> None:
    body = client.get("/api/summary").json()
    assert body["profiles"] == len(SEEDS) + 1
    assert body["papers"] > 50


def test_openapi_schema_is_served_and_lists_the_main_routes(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in ["/api/experts", "/api/reviewers", "/api/whois", "/api/whois/upload", "/api/people/{person_id}", "/api/ingest"]:
        assert path in schema["paths"], path


def test_no_cdn_docs_pages(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    page = client.get("/api")
    assert page.status_code == 200 and "/api/openapi.json" in page.text
    assert "cdn" not in page.text.lower()


def test_papers_are_paged_with_next_offset_and_total(client: TestClient) -> None:
    first = client.get("/api/papers", params={"limit": 10}).json()
    assert len(first["items"]) == 10 and first["next_offset"] == 10 and first["total"] > 10
    second = client.get("/api/papers", params={"limit": 10, "offset": 10}).json()
    assert {p["id"] for p in first["items"]}.isdisjoint(p["id"] for p in second["items"])
    last = client.get("/api/papers", params={"limit": 10, "offset": first["total"] - 3}).json()
    assert len(last["items"]) == 3 and last["next_offset"] is None


def test_people_search_filters_by_name(client: TestClient) -> None:
    body = client.get("/api/people", params={"q": "Radford"}).json()
    assert [p["name"] for p in body["items"]] == ["Alec Radford"]
    assert body["total"] is None  # filtered lists do not count


def test_paper_and_profile_detail(client: TestClient) -> None:
    paper = client.get("/api/papers/1").json()
    assert paper["id"] == 1 and paper["authors"]
    pid = client.get("/api/profiles").json()["items"][0]["id"]
    prof = client.get(f"/api/profiles/{pid}").json()
    assert prof["id"] == pid and prof["paper_list"]


def test_person_view_has_papers_topics_and_similar_people(client: TestClient) -> None:
    person_id = client.get("/api/people", params={"q": "Radford"}).json()["items"][0]["id"]
    view = client.get(f"/api/people/{person_id}").json()
    assert view["person"]["name"] == "Alec Radford"
    assert view["papers_by_year"] and "topics" in view and "similar" in view
    similar = client.get(f"/api/people/{person_id}/similar", params={"limit": 3}).json()
    assert 0 < len(similar) <= 3


def test_experts_ranks_people_with_evidence(client: TestClient) -> None:
    body = client.get("/api/experts", params={"q": "reinforcement learning reward models", "limit": 5}).json()
    assert body["query"] == "reinforcement learning reward models"
    experts = body["experts"]
    assert 0 < len(experts) <= 5
    assert [e["rank"] for e in experts] == sorted(e["rank"] for e in experts)
    assert all(e["evidence"] and e["evidence"][0]["paper_id"] for e in experts)


def test_reviewers_mark_conflicts_with_the_papers_authors(client: TestClient) -> None:
    body = client.post(
        "/api/reviewers",
        json={
            "title": "Learning transferable visual models from natural language supervision",
            "abstract": "Contrastive pre-training of image and text encoders for zero-shot transfer.",
            "authors": ["Alec Radford"],
            "limit": 10,
        },
    ).json()
    reviewers = body["reviewers"]
    assert reviewers
    assert all("conflict" in r for r in reviewers)
    assert any(r["conflict"] for r in reviewers), "a co-author of Alec Radford should be marked"


def test_whois_from_pasted_text(client: TestClient) -> None:
    text = SEEDS[1].read_text(encoding="utf-8")
    body = client.post("/api/whois", json={"text": text, "filename": "metz.txt"}).json()
    assert body["status"] in {"identified", "ambiguous", "unknown"}
    assert body["candidates"][0]["name"] == "Luke Metz"


def test_whois_from_an_upload_is_parsed_in_memory_and_never_stored(client: TestClient, web_db: Path) -> None:
    before = client.get("/api/summary").json()
    r = client.post("/api/whois/upload", files={"file": ("profile.txt", SEEDS[1].read_bytes(), "text/plain")})
    assert r.status_code == 200, r.text
    assert r.json()["candidates"]
    assert client.get("/api/summary").json()["profiles"] == before["profiles"]
    assert not (web_db.parent / "kb.db.uploads").exists()


def test_whois_on_a_stored_profile(client: TestClient) -> None:
    pid = next(p["id"] for p in client.get("/api/profiles").json()["items"] if p["declared_name"] == "Luke Metz")
    body = client.get(f"/api/profiles/{pid}/whois").json()
    assert body["candidates"][0]["name"] == "Luke Metz"


# -- problems ------------------------------------------------------------------------------
def test_unknown_ids_are_404_problems(client: TestClient) -> None:
    _problem(client.get("/api/papers/999999"), 404)
    _problem(client.get("/api/profiles/nope"), 404)
    _problem(client.get("/api/jobs/nope"), 404)
    _problem(client.get("/api/no/such/route"), 404)


def test_invalid_parameters_are_422_problems_with_locations(client: TestClient) -> None:
    body = _problem(client.get("/api/papers", params={"limit": 0}), 422)
    assert body["errors"][0]["loc"] == ["query", "limit"]
    _problem(client.get("/api/experts"), 422)  # q is required
    _problem(client.post("/api/reviewers", content=b"not json", headers={"content-type": "application/json"}), 422)


def test_unparseable_profile_is_a_422_problem_with_the_parsers_words(client: TestClient) -> None:
    body = _problem(client.post("/api/whois", json={"text": "hello\nworld"}), 422)
    assert "not a recognised format" in body["detail"] or body.get("format")


def test_unknown_forced_format_is_422(client: TestClient) -> None:
    _problem(client.post("/api/whois", json={"text": "x", "format": "nope"}), 422)


def test_empty_paper_is_a_400_problem(client: TestClient) -> None:
    _problem(client.post("/api/reviewers", json={"title": " ", "abstract": ""}), 400)


def test_oversized_bodies_are_refused_with_413(web_db: Path) -> None:
    with asgi_client(create_app(web_db, max_body=1000)) as small:
        _problem(small.post("/api/whois", json={"text": "x" * 5000}), 413)
        # no Content-Length: counted while streamed
        chunks = (b"x" * 400 for _ in range(5))
        r = small.post("/api/whois", content=chunks, headers={"content-type": "application/json"})
        _problem(r, 413)
        assert small.get("/api/summary").status_code == 200


def test_every_response_carries_a_strict_csp(client: TestClient) -> None:
    for url in ["/", "/api/summary", "/api/papers/999999", "/static/app.css"]:
        csp = client.get(url).headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp
    assert client.get("/").headers["x-frame-options"] == "DENY"


def test_foreign_host_headers_are_refused(client: TestClient) -> None:
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 must not reach the API.
    assert client.get("/api/summary", headers={"host": "evil.example"}).status_code == 400


# -- writes --------------------------------------------------------------------------------
def _upload(path: Path) -> dict:
    return {"files": (path.name, path.read_bytes(), "text/plain")}


def test_writes_are_off_by_default(client: TestClient) -> None:
    body = _problem(client.post("/api/ingest", files=_upload(SEEDS[0])), 403)
    assert "--allow-writes" in body["detail"]


def test_a_token_server_needs_the_token_for_writes(token_client: TestClient) -> None:
    _problem(token_client.post("/api/ingest", files=_upload(SEEDS[0])), 401)
    _problem(token_client.post("/api/ingest", files=_upload(SEEDS[0]), headers={"Authorization": "Bearer wrong"}), 401)
    r = token_client.post("/api/ingest", files=_upload(SEEDS[0]), headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 202
    _wait(token_client, r.json()["id"])


def test_ingest_runs_in_the_background_and_reports_progress(writer: TestClient, web_db: Path, tmp_path: Path) -> None:
    big = tmp_path / "big_abstracts.txt"
    lines = ["Grace Hopper"] + [f"Abstract:Compilers paper number {i} about program translation and code generation." for i in range(300)]
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = writer.post("/api/ingest", files=[("files", (big.name, big.read_bytes(), "text/plain")), ("files", ("../../escape.txt", HOSTILE.read_bytes(), "text/plain"))])
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/jobs/{r.json()['id']}"
    job = _wait(writer, r.json()["id"])
    assert job["status"] == "done" and job["percent"] == 100
    assert job["report"]["totals"]["files"] == 2
    # stored only inside the data directory, under a safe name
    uploads = web_db.parent / "kb.db.uploads" / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["big_abstracts.txt", "escape.txt"]
    assert not (web_db.parent.parent / "escape.txt").exists()
    assert any(j["id"] == job["id"] for j in writer.get("/api/jobs").json())


def test_a_failed_file_is_reported_not_raised(writer: TestClient) -> None:
    r = writer.post("/api/ingest", files={"files": ("junk.txt", b"\x00\x01 nothing to see", "text/plain")})
    job = _wait(writer, r.json()["id"])
    assert job["status"] == "done"
    assert job["report"]["files"][0]["status"] == "failed"



def test_delete_profile_needs_write_permission_then_removes_it(tmp_path):
    from scholarlens.kb import KnowledgeBase
    from scholarlens.web.app import create_app

    from ..conftest import SEEDS

    kb = KnowledgeBase(tmp_path / "w.db")
    kb.ingest(SEEDS[:2])
    with asgi_client(create_app(kb, allow_writes=False)) as client:
        refused = client.delete("/api/profiles/001")
        assert refused.status_code in (401, 403)
    with asgi_client(create_app(kb, allow_writes=True)) as client:
        ok = client.delete("/api/profiles/001")
        assert ok.status_code == 200 and ok.json()["papers"] == 10
        assert client.get("/api/profiles/001").status_code == 404
