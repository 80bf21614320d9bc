"""Streaming ingest of JSON-lines dumps: batches, checkpoints, resume, filters, gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scholarlens.formats import parse_file
from scholarlens.ingest import ingest_paths, store_profile
from scholarlens.kb import KnowledgeBase
from scholarlens.stores import SQLiteStore

from ..conftest import dump
from ..formats._samples import sample

CATS = ["cs.LG", "cs.CL", "hep-th", "math.CO"]


def snapshot_lines(n: int, start: int = 0) -> list[str]:
    """Synthetic snapshot records; every 7th repeats an earlier paper (same DOI, new id)."""
    out = []
    for i in range(start, start + n):
        base = i - 5 if i % 7 == 6 and i >= 5 else i
        out.append(json.dumps({
            "id": f"2101.{i:05d}", "title": f"Paper number {base} about streaming ingest of large dumps",
            "abstract": f"We describe experiment {base} in detail. " * 6,
            "doi": f"10.1000/p{base}", "categories": f"{CATS[base % 4]} stat.ML",
            "versions": [{"version": "v1", "created": f"Mon, 4 Jan {2015 + base % 10} 10:00:00 GMT"}],
            "authors_parsed": [[f"Family{base % 13}", f"Given{base % 5}", ""], ["Shared", "Ann", ""]],
        }))  # fmt: skip
    return out


def write(path: Path, lines: list[str], gz: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def counts(store) -> dict[str, int]:
    return {t: store.scalar(f"SELECT COUNT(*) FROM {t}") for t in ("papers", "paper_sources", "people", "authorships", "identifiers")}


def test_dump_is_streamed_in_batches_with_same_result_as_one_transaction(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(60))
    streamed = SQLiteStore(tmp_path / "a.db")
    report = ingest_paths(streamed, [path], batch_size=7)
    f = report.files[0]
    assert (f.status, f.format, f.records, f.complete) == ("added", "arxiv-snapshot", 60, True)
    assert f.new_papers == 52 and f.merged_papers == 8
    whole = SQLiteStore(tmp_path / "b.db")
    parsed = parse_file(path)
    store_profile(whole, parsed)
    assert counts(streamed) == counts(whole)
    titles = lambda s: sorted((r["title"], r["n_authors"], r["year"]) for r in s.query("SELECT * FROM papers"))  # noqa: E731
    assert titles(streamed) == titles(whole)


def test_reingesting_the_same_dump_is_unchanged(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(20))
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        kb.ingest([path])
        before = dump(kb)
        assert kb.ingest([path]).files[0].status == "unchanged"
        assert dump(kb) == before


def test_killed_run_resumes_without_duplicates_or_loss(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(50))
    store = SQLiteStore(tmp_path / "kb.db")

    def dying(batch: int) -> None:
        if batch == 4:
            raise KeyboardInterrupt  # the process is killed mid-batch

    with pytest.raises(KeyboardInterrupt):
        ingest_paths(store, [path], batch_size=10, before_batch=dying)
    assert store.scalar("SELECT records FROM ingest_checkpoints") == 30
    assert store.scalar("SELECT COUNT(*) FROM paper_sources") == 30  # the batch in flight rolled back
    report = ingest_paths(store, [path], batch_size=10, resume=True)
    assert report.files[0].status == "resumed" and report.files[0].records == 50
    fresh = SQLiteStore(tmp_path / "fresh.db")
    ingest_paths(fresh, [path], batch_size=10)
    assert counts(store) == counts(fresh)
    assert store.scalar("SELECT COUNT(DISTINCT ordinal) FROM paper_sources") == 50


def test_restart_discards_an_interrupted_run(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(30))
    store = SQLiteStore(tmp_path / "kb.db")
    assert ingest_paths(store, [path], limit=10).files[0].complete is False
    report = ingest_paths(store, [path], resume=False)
    assert (report.files[0].status, report.files[0].records) == ("added", 30)
    assert store.scalar("SELECT COUNT(*) FROM paper_sources") == 30


def test_limit_stops_early_and_the_next_run_continues(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(30))
    store = SQLiteStore(tmp_path / "kb.db")
    first = ingest_paths(store, [path], limit=12).files[0]
    assert (first.records, first.complete) == (12, False) and first.notes
    second = ingest_paths(store, [path]).files[0]
    assert (second.status, second.records, second.complete) == ("resumed", 30, True)
    assert store.scalar("SELECT COUNT(*) FROM paper_sources") == 30


def test_since_and_category_filters(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(40))
    store = SQLiteStore(tmp_path / "kb.db")
    f = ingest_paths(store, [path], since=2020, category="cs.*").files[0]
    rows = store.query("SELECT year, category FROM papers")
    assert f.records == len(store.query("SELECT * FROM paper_sources")) > 0
    assert all(r["year"] >= 2020 and r["category"].startswith("cs.") for r in rows)
    # A different filter over the same bytes is another ingest, not "unchanged".
    assert ingest_paths(store, [path], category=["hep-th"]).files[0].status == "replaced"


def test_gzip_dump_is_read_directly(tmp_path):
    path = write(tmp_path / "dump.jsonl.gz", snapshot_lines(25), gz=True)
    store = SQLiteStore(tmp_path / "kb.db")
    f = ingest_paths(store, [path], batch_size=10).files[0]
    assert (f.format, f.records, f.complete) == ("arxiv-snapshot", 25, True)


def test_changed_dump_at_the_same_path_replaces_the_old_one(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(20))
    store = SQLiteStore(tmp_path / "kb.db")
    ingest_paths(store, [path])
    write(path, snapshot_lines(10, start=100))
    report = ingest_paths(store, [path])
    assert report.files[0].status == "replaced"
    assert store.scalar("SELECT COUNT(*) FROM papers") == 10  # the old 20 are gone
    assert store.scalar("SELECT COUNT(*) FROM profiles") == 1


def test_worker_processes_give_the_same_result(tmp_path):
    path = write(tmp_path / "dump.jsonl", snapshot_lines(45))
    inproc, pooled = SQLiteStore(tmp_path / "a.db"), SQLiteStore(tmp_path / "b.db")
    ingest_paths(inproc, [path], batch_size=8)
    (res,) = ingest_paths(pooled, [path], batch_size=8, workers=1, chunk_lines=5).files
    assert res.records == 45
    assert counts(inproc) == counts(pooled)


def test_orcid_merges_spellings_across_records(tmp_path):
    store = SQLiteStore(tmp_path / "kb.db")
    ingest_paths(store, [sample("openalex_works.jsonl")])
    people = {r["name"] for r in store.query("SELECT name FROM people")}
    assert people == {"Ada Lovelace", "Charles Babbage"}  # "A. Lovelace" carries the same ORCID
    aliases = {r["alias"] for r in store.query("SELECT alias FROM person_aliases")}
    assert {"A. Lovelace", "orcid:0000-0001-0000-0001"} <= aliases
