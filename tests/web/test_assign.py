"""The assignment page and API through the real ASGI app: upload submissions, run the job,
read per-paper reviewers, loads, infeasibility reasons and every export; writes guarded."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.testclient import TestClient

from scholarlens.stores import open_store

from ..assign.test_cli_assign import _authors_and_window_coauthors
from ..conftest import EXAMPLES, SEEDS
from .conftest import TOKEN

#: Two seed profiles with owners (Luke Metz, Alec Radford) as submissions: the stored copies
#: of their papers name their authors, the profile owner included.
SUBMISSIONS = [SEEDS[1], SEEDS[2]]

BIB = b"""@inproceedings{s1,
  title = {Robust speech recognition from web-scale weak supervision},
  author = {Radford, Alec and Doe, Jane},
  year = {2026},
  abstract = {We train speech recognition models on large amounts of weakly supervised audio transcripts.}
}
@inproceedings{s2,
  title = {Learned optimizers that generalise},
  author = {Radford, Alec},
  year = {2026},
  abstract = {We meta-learn optimizers for training neural networks and study how they generalise.}
}
"""
REVIEWERS = {
    "Alec Radford": "alec@example.org",
    "Luke Metz": "luke@example.org",
    "Jascha Sohl-Dickstein": "jascha@example.org",
    "Barret Zoph": "barret@example.org",
    "Heewoo Jun": "heewoo@example.org",
}


def _files(paths: list[Any]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("submissions", (p.name, p.read_bytes(), "text/plain")) for p in paths]


def _wait(client: TestClient, job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/api/assign/{job_id}", headers=headers).json()
        if job["finished"]:
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"assignment {job_id} did not finish: {job}")


def _run(client: TestClient, data: dict[str, str], files: list[Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.post("/api/assign", data=data, files=files, headers=headers)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/api/assign/{r.json()['id']}"
    return _wait(client, r.json()["id"], headers)


def test_the_page_is_in_the_navigation_and_a_read_only_server_says_how_to_enable_it(client: TestClient) -> None:
    html = client.get("/").text
    assert '<a href="/assign"' in html
    page = client.get("/assign").text
    assert "--allow-writes" in page and "scholarlens assign" in page and 'name="submissions"' not in page
    refused = client.post("/assign", files=_files(SUBMISSIONS[:1]))
    assert refused.status_code == 403
    assert client.post("/api/assign", files=_files(SUBMISSIONS[:1])).status_code == 403


def test_a_token_server_refuses_an_assignment_and_its_results_without_the_token(token_client: TestClient) -> None:
    assert "Log in" in token_client.get("/assign").text
    assert token_client.post("/api/assign", files=_files(SUBMISSIONS[:1])).status_code == 401
    assert token_client.post("/assign", files=_files(SUBMISSIONS[:1])).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    job = _run(token_client, {"per_paper": "1", "max_load": "3"}, _files(SUBMISSIONS[:1]), auth)
    assert job["status"] == "done", job
    # the results show the submissions: reading them needs the token as well
    assert token_client.get(f"/api/assign/{job['id']}").status_code == 401
    assert token_client.get(f"/assign/{job['id']}").status_code == 401
    assert token_client.get(job["files"][0]["url"]).status_code == 401
    assert token_client.get(job["files"][0]["url"], headers=auth).status_code == 200


def test_a_cross_site_form_cannot_start_an_assignment(writer: TestClient) -> None:
    r = writer.post("/assign", files=_files(SUBMISSIONS[:1]), headers={"origin": "http://evil.example"})
    assert r.status_code == 403


def test_seed_papers_never_go_to_their_authors_or_window_coauthors_and_loads_hold(writer: TestClient, web_db: Any) -> None:
    r = writer.post("/assign", files=_files(SUBMISSIONS), data={"per_paper": "3", "max_load": "2", "alternates": "1"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = _wait(writer, job_id)
    assert job["status"] == "done", job
    n = job["submissions"]
    assert n >= 30 and job["summary"]["assigned"] == 3 * n
    assert job["percent"] == 100 and job["stage"].startswith("sum: min-cost flow")  # the core's progress, recorded
    full = writer.get(f"/api/assign/{job_id}").json()
    rows = full["papers"]
    store = open_store(str(web_db))
    try:
        for paper in rows:
            stem, k = paper["paper_id"].rsplit("#", 1)
            stored = store.one(
                "SELECT s.paper_id FROM paper_sources s JOIN profiles p ON p.id = s.profile_id WHERE p.source LIKE ? AND s.ordinal = ?",
                (f"%{stem}.txt", int(k) - 1),
            )
            authors, co = _authors_and_window_coauthors(store, stored["paper_id"], 5, 25)
            assert authors, paper["paper_id"]  # the profile's owner at least
            assert len(paper["reviewers"]) == 3
            for rev in paper["reviewers"]:
                assert int(rev["reviewer_id"]) not in authors | co, (paper["paper_id"], rev)
                assert rev["score"] > 0 and rev["evidence"]
    finally:
        store.close()
    assigned = {(p["paper_id"], r["reviewer_id"]) for p in rows for r in p["reviewers"]}
    hard = {(c["paper_id"], c["reviewer"]) for c in full["conflicts"] if c["strength"] == "hard"}
    assert hard and not assigned & hard
    assert all(0 <= r["load"] <= 2 for r in full["loads"]) and sum(r["load"] for r in full["loads"]) == 3 * n

    html = writer.get(f"/assign/{job_id}").text
    first = rows[0]["reviewers"][0]
    assert 'id="papers"' in html and first["reviewer_name"] in html and 'data-vega-spec="spec-loads"' in html
    assert 'id="hard-conflicts"' in html and "every 700ms" not in html
    for f in full["files"]:
        assert f'href="{f["url"]}"' in html
    got = {f["name"]: writer.get(f["url"]) for f in full["files"]}
    assert all(g.status_code == 200 and "attachment" in g.headers["content-disposition"] for g in got.values())
    plain = list(csv.DictReader(io.StringIO(got["assignments.csv"].text)))
    assert {(row["paper_id"], row["reviewer_id"]) for row in plain} == assigned
    matcher = json.loads(got["openreview/assignments.json"].text)
    assert {(p, e["user"]) for p, es in matcher.items() for e in es} == assigned
    edges = [json.loads(line) for line in got["openreview/assignment_edges.jsonl"].text.splitlines()]
    assert {(e["head"], e["tail"]) for e in edges} == assigned
    affinity = list(csv.reader(io.StringIO(got["openreview/affinity_scores.csv"].text)))
    assert affinity and all(len(row) == 3 and float(row[2]) >= 0 for row in affinity)
    constraints = {(row[0], row[1]) for row in csv.reader(io.StringIO(got["openreview/constraints.csv"].text))}
    assert constraints == hard
    conflicts = list(csv.DictReader(io.StringIO(got["conflicts.csv"].text)))
    assert len(conflicts) == len(full["conflicts"]) and all(c["explanation"] for c in conflicts)
    assert "cmt/assignments.xml" not in got and any("CMT" in n for n in full["notes"])  # KB people have no e-mails
    assert writer.get(f"/assign/{job_id}/files/..%2Fkb.db").status_code == 404


def test_listed_reviewers_with_emails_give_the_cmt_import_file(writer: TestClient) -> None:
    listed = "\n".join(f"{name}, {email}" for name, email in REVIEWERS.items())
    job = _run(writer, {"reviewers": "list", "reviewer_list": listed, "per_paper": "1", "max_load": "1", "objective": "fair"},
               [("submissions", ("subs.bib", BIB, "application/x-bibtex"))])
    assert job["status"] == "done", job
    full = writer.get(f"/api/assign/{job['id']}").json()
    assigned = {(p["paper_id"], r["reviewer_name"]) for p in full["papers"] for r in p["reviewers"]}
    assert len(assigned) == 2 and not any(name == "Alec Radford" for _, name in assigned)  # the author himself
    files = {f["name"]: f["url"] for f in full["files"]}
    root = ET.fromstring(writer.get(files["cmt/assignments.xml"]).content)
    assert root.tag == "assignments"
    emails = {u.get("email") for s in root for u in s}
    assert emails == {REVIEWERS[name] for _, name in assigned}
    assert writer.get(files["cmt/quotas.txt"]).text.splitlines()[0] == "# Email\tQuota"


def test_an_infeasible_assignment_shows_what_to_change(writer: TestClient) -> None:
    listed = "Luke Metz\nJascha Sohl-Dickstein\n"
    r = writer.post("/assign", data={"reviewers": "list", "reviewer_list": listed, "per_paper": "3", "max_load": "6"},
                    files=[("submissions", ("subs.bib", BIB, "application/x-bibtex"))], follow_redirects=False)
    job = _wait(writer, r.headers["location"].rsplit("/", 1)[1])
    assert job["status"] == "failed" and job["reasons"], job
    # which papers lack candidates, by how many: two reviewers for three seats each
    assert any("subs#1 (2 of 3)" in reason and "subs#2 (2 of 3)" in reason for reason in job["reasons"]), job["reasons"]
    html = writer.get(f"/assign/{job['id']}").text
    assert 'id="infeasible"' in html and "What to change" in html and "subs#1 (2 of 3)" in html


def test_a_bad_upload_is_refused_in_the_request_naming_the_file(writer: TestClient) -> None:
    r = writer.post("/assign", files=[("submissions", ("subs.json", b'{"S1": {"content": {}}}', "application/json"))])
    assert r.status_code in (400, 422) and 'class="problem"' in r.text and "subs.json" in r.text
    assert "/assignments/" not in r.text  # no server path in the message
    api = writer.post("/api/assign", data={"reviewers": "list", "reviewer_list": ""}, files=_files(SUBMISSIONS[:1]))
    assert api.status_code == 400 and "one per line" in api.json()["detail"]
    assert writer.post("/api/assign", data={"objective": "greedy"}, files=_files(SUBMISSIONS[:1])).status_code == 422
    assert writer.get("/api/assign/nosuchjob").status_code == 404


def test_openreview_submissions_and_archives_uploads_keep_the_reviewer_ids(writer: TestClient) -> None:
    archives = sorted((EXAMPLES.parent / "openreview" / "archives").glob("*.jsonl"))
    notes = {
        "P1": {"title": "Learned optimizers that generalise", "abstract": "We meta-learn optimizers for neural network training."},
        "P2": {"title": "Speech recognition at scale", "abstract": "We train speech recognition models on weakly supervised audio."},
    }
    subs = {k: {"id": k, "content": {**v, "authors": ["Jane Roe"], "authorids": ["~Jane_Roe1"]}} for k, v in notes.items()}
    files = [("submissions", ("submissions.json", json.dumps(subs).encode(), "application/json"))]
    files += [("archives", (p.name, p.read_bytes(), "application/jsonl")) for p in archives]
    job = _run(writer, {"reviewers": "archives", "per_paper": "1", "max_load": "2", "objective": "fair"}, files)
    assert job["status"] == "done", (job["error"], job["reasons"])
    full = writer.get(f"/api/assign/{job['id']}").json()
    assert job["summary"]["fair_threshold"] is not None
    assigned = {r["reviewer_id"] for p in full["papers"] for r in p["reviewers"]}
    assert assigned and assigned <= {p.stem for p in archives}  # "~Alec_Radford1": the ~ survives the upload
    matcher = json.loads(writer.get(f"/assign/{job['id']}/files/openreview/assignments.json").text)
    assert {e["user"] for es in matcher.values() for e in es} == assigned
