"""Issue 16, the web layer's part: hostile input and load against the real ASGI app (httpx).

Each test names the defect it pins: (1) anonymous work is bounded, (3) queries are not
serialised and new papers are embedded by the ingest job, (5) uploads never overwrite each
other, (6) ids/offsets, the Host check and a read-only database.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from scholarlens.kb import KnowledgeBase
from scholarlens.stores import SQLiteStore
from scholarlens.web import create_app
from scholarlens.web.context import Limits, WebContext
from scholarlens.web.problems import LimitExceeded

from .conftest import BASE_URL, asgi_client


def _problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "\n" not in body["detail"] and "Traceback" not in body["detail"]
    return body


def _wait(client: TestClient, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["finished"]:
            return job
        time.sleep(0.05)
    raise AssertionError(f"ingest job {job_id} did not finish in {timeout}s")


def _abstracts(n: int, name: str = "Ada Example") -> str:
    lines = [name] + [f"Abstract:Paper {i} on compilers, parsers and hostile inputs number {i}." for i in range(n)]
    return "\n".join(lines) + "\n"


# -- (1) anonymous CPU work is bounded -----------------------------------------------------
def test_1_whois_beyond_the_record_limit_is_413_naming_the_setting(web_db: Path) -> None:
    app = create_app(web_db, limits=Limits(max_records=10))
    with asgi_client(app) as client:
        body = _problem(client.post("/api/whois", json={"text": _abstracts(11)}), 413)
        assert body["limit"] == "SCHOLARLENS_WEB_MAX_RECORDS"
        assert "11 records" in body["detail"] and "at most 10" in body["detail"]
        files = {"file": ("many.txt", _abstracts(11).encode(), "text/plain")}
        assert _problem(client.post("/api/whois/upload", files=files), 413)["limit"] == "SCHOLARLENS_WEB_MAX_RECORDS"
        # within the limit the same kind of request is answered
        assert client.post("/api/whois", json={"text": _abstracts(10)}).status_code == 200


def test_1_a_request_over_the_time_budget_is_503_and_the_server_goes_on(web_db: Path) -> None:
    # 5,000 pasted papers take far more than 50 ms to parse and match (seconds on this machine).
    app = create_app(web_db, limits=Limits(time_budget=0.05))
    with asgi_client(app) as client:
        body = _problem(client.post("/api/whois", json={"text": _abstracts(5000)}), 503)
        assert body["limit"] == "SCHOLARLENS_WEB_TIME_BUDGET" and "0.05 s" in body["detail"]
        assert client.get("/api/summary").status_code == 200


def test_1_when_every_slot_stays_busy_the_request_is_refused_not_queued_forever(web_db: Path) -> None:
    app = create_app(web_db, limits=Limits(workers=1))
    with asgi_client(app) as client:
        assert client.get("/api/experts", params={"q": "compilers"}).status_code == 200  # warm
        ctx: WebContext = app.state.ctx
        ctx.limits = Limits(workers=1, time_budget=1)
        started, release = threading.Event(), threading.Event()

        def hold() -> None:
            started.set()
            release.wait(30)

        async def holding() -> None:
            with pytest.raises(LimitExceeded):  # the holder itself runs out of time, later
                await ctx.compute(hold)

        holder = threading.Thread(target=anyio.run, args=(holding,))
        holder.start()
        try:
            assert started.wait(10)  # the only slot is taken
            r = client.get("/api/experts", params={"q": "compilers"})
            assert _problem(r, 503)["limit"] == "SCHOLARLENS_WEB_WORKERS"
            assert r.headers["retry-after"] == "5"
        finally:
            release.set()
            holder.join()
        assert client.get("/api/experts", params={"q": "compilers"}).status_code == 200


def test_1_limits_come_from_the_settings_and_bad_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from scholarlens.errors import InputError

    monkeypatch.setenv("SCHOLARLENS_WEB_MAX_RECORDS", "7")
    monkeypatch.setenv("SCHOLARLENS_WEB_MAX_UPLOAD_MB", "2")
    limits = Limits.from_settings()
    assert limits.max_records == 7 and limits.max_body == 2 * 1024 * 1024
    monkeypatch.setenv("SCHOLARLENS_WEB_TIME_BUDGET", "soon")
    with pytest.raises(InputError, match="SCHOLARLENS_WEB_TIME_BUDGET='soon'"):
        Limits.from_settings()


# -- (3) concurrent queries; embedding in the ingest job -----------------------------------
def test_3_two_queries_compute_at_the_same_time(web_db: Path) -> None:
    """Two computations meet at a barrier: with one global lock the second could never start
    while the first waits, and the barrier would break."""
    app = create_app(web_db)
    with asgi_client(app):
        ctx: WebContext = app.state.ctx
        barrier = threading.Barrier(2, timeout=20)

        async def both() -> list[int]:
            out: list[int] = []

            async def one() -> None:
                out.append(await ctx.compute(barrier.wait))

            async with anyio.create_task_group() as tg:
                tg.start_soon(one)
                tg.start_soon(one)
            return out

        assert sorted(anyio.run(both)) == [0, 1]


def test_3_concurrent_mixed_requests_all_succeed_with_the_sequential_answers(client: TestClient) -> None:
    urls = ["/api/experts?q=reinforcement+learning", "/api/people/1", "/api/papers?limit=5", "/api/people/2/similar"]
    expected = {u: client.get(u).json() for u in urls}
    results: list[tuple[str, int, object]] = []

    def worker(u: str) -> None:
        for _ in range(3):
            r = client.get(u)
            results.append((u, r.status_code, r.json()))

    threads = [threading.Thread(target=worker, args=(u,)) for u in urls * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 24
    assert all(status == 200 and body == expected[u] for u, status, body in results)


def _cached_vectors(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0])


def test_3_the_ingest_job_embeds_the_new_papers_not_the_next_query(writer: TestClient, web_db: Path) -> None:
    writer.get("/api/experts", params={"q": "warm up"})  # the seeded papers are cached now
    before = _cached_vectors(web_db)
    r = writer.post("/api/ingest", files={"files": ("new.txt", _abstracts(40, "Grace Example").encode(), "text/plain")})
    job = _wait(writer, r.json()["id"])
    assert job["status"] == "done" and job["report"]["totals"]["new_papers"] == 40
    assert job["stage"] == "embedding" and job["done"] == job["total"] > 0
    after_job = _cached_vectors(web_db)
    assert after_job >= before + 40
    found = writer.get("/api/experts", params={"q": "compilers parsers hostile inputs"}).json()["experts"]
    assert found  # answered from the cache:
    assert _cached_vectors(web_db) == after_job  # the query embedded nothing


def test_3_the_server_warm_up_builds_the_whois_overlap_index_not_the_first_whois(web_db: Path, tmp_path: Path) -> None:
    from scholarlens.web.jobs import JobRunner

    kb = KnowledgeBase(web_db, encoder="hashing")
    runner = JobRunner(kb, tmp_path / "uploads")
    try:
        assert kb.overlap.last_id == 0 and not kb.overlap.sizes
        runner.warm_up()
        runner._pool.submit(lambda: None).result(timeout=120)  # one worker: the warm-up is done
        stored = kb.store.one("SELECT MAX(id) AS m FROM paper_sources WHERE abstract_fp IS NOT NULL")["m"]
        assert kb.overlap.last_id == stored and kb.overlap.sizes  # whois finds it built
    finally:
        runner.shutdown()
        kb.close()


def test_3_an_overlap_index_build_that_is_stopped_goes_on_from_there_next_time(web_db: Path) -> None:
    from scholarlens.matching import OverlapIndex

    kb = KnowledgeBase(web_db, encoder="hashing")
    try:
        full = OverlapIndex().refresh(kb.store)
        stopped = OverlapIndex().refresh(kb.store, stop=lambda: True)
        assert stopped.last_id == 0 and not stopped.postings
        stopped.refresh(kb.store)
        assert (stopped.last_id, stopped.sizes, stopped.postings) == (full.last_id, full.sizes, full.postings)
    finally:
        kb.close()


# -- (5) uploads never overwrite each other ------------------------------------------------
def test_5_names_that_clean_to_the_same_basename_are_both_kept_and_ingested(writer: TestClient, web_db: Path) -> None:
    a, b = _abstracts(3, "Ann One"), _abstracts(4, "Bob Two")
    files = [("files", ("dir1/same.txt", a.encode(), "text/plain")), ("files", ("dir2\\same.txt", b.encode(), "text/plain"))]
    job = _wait(writer, writer.post("/api/ingest", files=files).json()["id"])
    assert job["status"] == "done" and job["report"]["totals"]["added"] == 2, job
    uploads = web_db.parent / "kb.db.uploads" / "uploads"
    stored = {p.name: p.read_text() for p in uploads.iterdir()}
    assert stored == {"same.txt": a, "same-2.txt": b}
    # a later upload of other bytes under the same name gets a new name; the same bytes are kept once
    job = _wait(writer, writer.post("/api/ingest", files={"files": ("same.txt", _abstracts(2, "Cy Three").encode(), "text/plain")}).json()["id"])
    assert job["files"] == ["same-3.txt"]
    job = _wait(writer, writer.post("/api/ingest", files={"files": ("same.txt", a.encode(), "text/plain")}).json()["id"])
    assert job["files"] == ["same.txt"] and job["report"]["totals"]["unchanged"] == 1
    assert sorted(p.name for p in uploads.iterdir()) == ["same-2.txt", "same-3.txt", "same.txt"]


# -- (6) ids and offsets, the Host check, a read-only database -----------------------------
@pytest.mark.parametrize("url", ["/api/papers/{n}", "/api/people/{n}", "/api/people/{n}/similar", "/papers/{n}", "/people/{n}"])
@pytest.mark.parametrize("n", [2**63, 2**64 + 5, -1, 10**40])
def test_6_ids_beyond_the_database_integer_or_negative_are_422(client: TestClient, url: str, n: int) -> None:
    r = client.get(url.format(n=n))
    assert r.status_code == 422, r.text
    if url.startswith("/api/"):
        _problem(r, 422)


@pytest.mark.parametrize("url", ["/api/papers", "/api/people", "/api/profiles", "/papers", "/people", "/profiles"])
def test_6_offsets_are_bounded(client: TestClient, url: str) -> None:
    assert client.get(url, params={"offset": 2**63}).status_code == 422
    assert client.get(url, params={"offset": -1}).status_code == 422
    top = client.get(url, params={"offset": 2**63 - 1})
    assert top.status_code == 200
    if url.startswith("/api/"):
        assert top.json()["items"] == [] and top.json()["next_offset"] is None


def test_6_the_largest_id_is_a_404_not_a_500(client: TestClient) -> None:
    _problem(client.get(f"/api/papers/{2**63 - 1}"), 404)
    _problem(client.get(f"/api/people/{2**63 - 1}"), 404)


def test_6_a_profile_ref_is_never_read_as_a_server_path(client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Eve Secret\nAbstract:Something private the server must not parse.\n")
    _problem(client.get(f"/api/profiles/{secret.name}/whois"), 404)
    assert client.get("/whois", params={"profile": str(secret)}).status_code == 404


def test_6_host_testserver_does_not_pass_the_dns_rebinding_check(web_db: Path) -> None:
    with TestClient(create_app(web_db)) as default_client:  # Starlette's default Host: testserver
        assert default_client.get("/api/summary").status_code == 400
    with TestClient(create_app(web_db), base_url=BASE_URL) as client:
        assert client.get("/api/summary").status_code == 200
        assert client.get("/api/summary", headers={"host": "localhost:8000"}).status_code == 200


def test_6_a_read_only_database_is_a_one_line_problem(web_db: Path) -> None:
    conn = sqlite3.connect(f"file:{web_db}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    kb = KnowledgeBase(SQLiteStore(conn))
    with asgi_client(create_app(kb, allow_writes=True)) as client:
        assert client.get("/api/summary").status_code == 200  # reading works
        profile = client.get("/api/profiles", params={"limit": 1}).json()["items"][0]["id"]
        body = _problem(client.delete(f"/api/profiles/{profile}"), 503)
        assert "readonly" in body["detail"] and "read-only" in body["detail"]
        r = client.post("/api/ingest", files={"files": ("x.txt", _abstracts(3).encode(), "text/plain")})
        job = _wait(client, r.json()["id"])
        error = job["error"] or job["report"]["files"][0]["error"]
        assert "readonly" in error and "\n" not in error, job
    conn.close()


def test_3_the_warm_up_waits_while_a_request_computes_and_loads_the_index(web_db: Path, tmp_path: Path) -> None:
    """A warm-up thread holding the GIL made the first minute of requests slow: it now
    pauses while a request is in a query slot, and loads the expertise index before whois's."""
    from scholarlens.web.jobs import JobRunner

    kb = KnowledgeBase(web_db, encoder="hashing")
    runner = JobRunner(kb, tmp_path / "uploads")
    busy = threading.Event()
    busy.set()
    runner.foreground = busy.is_set
    try:
        runner.warm_up()
        time.sleep(1.0)
        assert kb.overlap.last_id == 0 and kb.engine._snap is None  # waited: nothing done
        busy.clear()
        runner._pool.submit(lambda: None).result(timeout=120)
        assert kb.engine._snap is not None and kb.overlap.sizes
    finally:
        runner.shutdown()
        kb.close()


def test_3_busy_counts_the_requests_in_their_slots(client: TestClient) -> None:
    ctx = client.app.state.ctx
    seen: list[bool] = []
    real = ctx.kb.experts

    def spy(*args, **kwargs):
        if not threading.current_thread().name.startswith("scholarlens-ingest"):  # not the warm-up's
            seen.append(ctx.busy())
        return real(*args, **kwargs)

    ctx.kb.experts = spy
    try:
        assert client.get("/api/experts", params={"q": "compilers"}).status_code == 200
    finally:
        del ctx.kb.experts
    assert seen == [True] and not ctx.busy()


def test_3_a_request_refreshing_the_overlap_index_does_not_wait_for_a_paused_warm_up(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warm-up pauses while a request computes; a whois request then refreshes the overlap
    index itself: it must not wait for the paused warm-up (which waits for it), and the two
    refreshes add each source once."""
    from scholarlens import matching
    from scholarlens.matching import OverlapIndex

    monkeypatch.setattr(matching, "REFRESH_CHUNK", 3)
    kb = KnowledgeBase(web_db, encoder="hashing")
    try:
        full = OverlapIndex().refresh(kb.store)
        assert len(full.sizes) > 6
        index = OverlapIndex()
        calls, go = [0], threading.Event()

        def paused() -> bool:  # the warm-up's give-way: waits, after its first 3 sources
            calls[0] += 1
            if calls[0] > 1:
                go.wait(60)
            return False

        warm = threading.Thread(target=index.refresh, args=(KnowledgeBase(web_db, encoder="hashing").store, paused))
        warm.start()
        while calls[0] < 2 and warm.is_alive():
            time.sleep(0.01)
        assert calls[0] == 2 and warm.is_alive()  # paused, holding what it read so far
        done = threading.Event()
        threading.Thread(target=lambda: (index.refresh(kb.store), done.set())).start()
        assert done.wait(30), "the request's refresh waited for the paused warm-up"
        go.set()
        warm.join(60)
        assert index.last_id == full.last_id and index.sizes == full.sizes
        assert {s: sorted(p) for s, p in index.postings.items()} == {s: sorted(p) for s, p in full.postings.items()}
    finally:
        kb.close()
