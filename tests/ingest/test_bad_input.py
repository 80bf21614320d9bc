"""Bad input: the error names file and line; --skip-bad keeps the good records and rejects the bad."""

from __future__ import annotations

import gzip
import json

from scholarlens.kb import KnowledgeBase

from ..formats._samples import sample
from .test_streaming import snapshot_lines


def rejects(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_cut_json_line_fails_the_dump_after_keeping_earlier_batches(tmp_path):
    lines = snapshot_lines(25)
    lines[17] = lines[17][:40]  # a line cut in half
    path = tmp_path / "dump.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        f = kb.ingest([path], batch_size=5).files[0]
        assert f.status == "failed" and "line 18" in f.error and "dump.jsonl" in f.error
        assert f.records == 17 and f.complete is False
        assert kb.store.scalar("SELECT COUNT(*) FROM paper_sources") == 17  # nothing committed is lost
        out = tmp_path / "rejects.jsonl"
        again = kb.ingest([path], skip_bad=True, reject_file=out).files[0]
        assert (again.status, again.records, again.rejected, again.complete) == ("resumed", 24, 1, True)
        (bad,) = rejects(out)
        assert bad["line"] == 18 and "invalid JSON" in bad["reason"] and bad["raw"] == lines[17]


def test_truncated_gzip_names_the_file_and_keeps_what_was_read(tmp_path):
    data = gzip.compress(("\n".join(snapshot_lines(300)) + "\n").encode())
    path = tmp_path / "dump.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        f = kb.ingest([path], batch_size=50).files[0]
        assert f.status == "failed" and "dump.jsonl.gz" in f.error and "line" in f.error
        kept = kb.store.scalar("SELECT COUNT(*) FROM paper_sources")
        assert 0 < kept < 300
        out = tmp_path / "rejects.jsonl"
        again = kb.ingest([path], skip_bad=True, reject_file=out).files[0]
        assert again.complete and again.rejected >= 1 and again.records >= kept
        assert any("gzip" in r["reason"] or "JSON" in r["reason"] for r in rejects(out))


def test_unbalanced_bibtex_entry_is_rejected_alone(tmp_path):
    out = tmp_path / "rejects.jsonl"
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        failed = kb.ingest([sample("unbalanced.bib")]).files[0]
        assert failed.status == "failed" and "line 7" in failed.error and kb.count("papers") == 0
        f = kb.ingest([sample("unbalanced.bib")], skip_bad=True, reject_file=out).files[0]
        assert (f.status, f.records, f.rejected) == ("added", 2, 1)
    (bad,) = rejects(out)
    assert bad["line"] == 7 and bad["format"] == "bibtex" and "unbalanced.bib" in bad["source"]


def test_ris_record_without_er_is_rejected_alone(tmp_path):
    out = tmp_path / "rejects.jsonl"
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        assert kb.ingest([sample("no_er.ris")]).files[0].status == "failed"
        f = kb.ingest([sample("no_er.ris")], skip_bad=True, reject_file=out).files[0]
        assert (f.records, f.rejected) == (2, 1)
    assert rejects(out)[0]["line"] == 7


def test_skip_bad_is_off_by_default_and_other_files_still_ingest(tmp_path):
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        report = kb.ingest([sample("no_er.ris"), sample("library.ris")])
        assert [f.status for f in report.files] == ["failed", "added"]
