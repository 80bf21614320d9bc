"""Bad input: clear errors, and the database exactly as before."""

from __future__ import annotations

import pytest

from scholarlens import papers as papers_mod
from scholarlens.errors import InputError

from ..conftest import EXAMPLES, dump


def test_malformed_file_fails_with_line_and_leaves_store_unchanged(seeded_kb, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("CLOct 25, 2024\nGPT-4o System CardAaron Hurst\nabstract\nLGFeb 6\nno authors glued here\nabstract\n")
    before = dump(seeded_kb)
    report = seeded_kb.ingest([bad])
    assert not report.ok
    fr = report.files[0]
    assert fr.status == "failed" and "bad.txt, line 5" in fr.error and "expected" in fr.error
    assert dump(seeded_kb) == before


def test_crash_midway_rolls_back_the_whole_file(kb, monkeypatch):
    calls = {"n": 0}
    real = papers_mod.add_source

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(papers_mod, "add_source", flaky)
    before = dump(kb)
    with pytest.raises(RuntimeError):
        kb.ingest([EXAMPLES / "002_841ddd0b77768394.txt"])
    assert dump(kb) == before


def test_directory_reports_each_file_and_keeps_the_good_ones(kb, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Tony\nAbstract:One paper about owls.")
    (folder / "b.txt").write_text("nothing we know\nat all\n")
    report = kb.ingest([folder])
    assert [(f.source.rsplit("/", 1)[-1], f.status) for f in report.files] == [("a.txt", "added"), ("b.txt", "failed")]
    assert kb.count("papers") == 1


def test_missing_path_is_an_input_error(kb, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        kb.ingest([tmp_path / "nope.txt"])


def test_new_version_of_a_file_replaces_the_old_one(kb, tmp_path):
    f = tmp_path / "p.txt"
    f.write_text("Tony\nAbstract:A study of owls and their nocturnal hunting habits in the wild forests of Europe.")
    kb.ingest([f])
    f.write_text("Tony\nAbstract:A completely different paper about the migration of arctic terns across oceans.")
    report = kb.ingest([f])
    assert report.files[0].status == "replaced"
    assert kb.count("profiles") == 1 and kb.count("papers") == 1
    assert "terns" in kb.papers()[0]["abstract"]


def test_directory_holding_the_database_skips_the_database_files(tmp_path):
    from scholarlens.kb import KnowledgeBase

    (tmp_path / "a.txt").write_text("Tony\nAbstract:One paper about owls.")
    with KnowledgeBase(tmp_path / "kb.db") as kb:
        report = kb.ingest([tmp_path])
    assert [f.source.rsplit("/", 1)[-1] for f in report.files] == ["a.txt"]


def test_removing_a_profile_restores_the_knowledge_base_without_it(tmp_path):
    from scholarlens.kb import KnowledgeBase

    from ..conftest import SEEDS

    with KnowledgeBase(tmp_path / "all.db") as full, KnowledgeBase(tmp_path / "some.db") as some:
        full.ingest(SEEDS)
        some.ingest([s for s in SEEDS if not s.name.startswith("001")])
        out = full.remove_profile("001")
        assert out["papers"] == some.count("papers") and out["papers_removed"] > 0
        titles = sorted((p["title"] or "", len(p["authors"]), len(p["profiles"])) for p in full.papers())
        assert titles == sorted((p["title"] or "", len(p["authors"]), len(p["profiles"])) for p in some.papers())
        assert not full.find_people("Joaquin Quiñonero Candela")
