"""`KnowledgeBase.assign`: the one core call the CLI and the web page make."""

from __future__ import annotations

import json

import pytest

from scholarlens.assign import Infeasible

from ..conftest import EXAMPLES

SUBMISSIONS = EXAMPLES.parent / "openreview" / "submissions.json"


def test_assign_over_stored_people_skips_hard_conflicts_and_writes_every_export(seeded_kb, tmp_path):
    done = seeded_kb.assign([SUBMISSIONS], per_paper=2, max_load=1, alternates=1, out=tmp_path / "out")
    summary = done.summary()
    assert summary["assigned"] == 6 and summary["load"]["max"] == 1
    hard = {(c["paper_id"], c["reviewer"]) for c in done.conflicts if c["strength"] == "hard"}
    assigned = {(p["paper_id"], r["reviewer_id"]) for p in done.papers for r in p["reviewers"]}
    assert hard and not assigned & hard  # the submissions' stored copies name their authors
    assert all(r["evidence"] and r["score"] > 0 for p in done.papers for r in p["reviewers"])
    assert {"assignments.csv", "assignments.json", "conflicts.csv"} <= {f.rsplit("/", 1)[-1] for f in done.files}
    saved = json.loads((tmp_path / "out" / "assignments.json").read_text())
    assert saved["summary"]["assigned"] == 6 and done.to_dict()["loads"] == saved["loads"]


def test_assign_names_what_to_change_when_impossible(seeded_kb):
    with pytest.raises(Infeasible) as info:
        seeded_kb.assign([SUBMISSIONS], [], per_paper=1)
    assert info.value.reasons


def test_ranking_only_to_the_top_k_keeps_the_candidates_of_the_full_ranking(seeded_kb):
    from scholarlens.assign import top_candidates
    from scholarlens.assign_io import read_submissions

    subs = read_submissions([SUBMISSIONS])
    revs, _ = seeded_kb.conference_reviewers(None)
    full = seeded_kb._engine_affinity(subs, revs, None, set(), None, None)
    first = {full.reviewers[int(r)] for r in full.reviewer[full.paper == 0][:3]}
    exclude = {(subs[0].id, rid) for rid in first}  # conflicts taken out before the cut
    k = 5

    def best(aff):
        kept = top_candidates(aff, k, exclude)
        return {pid: sorted(kept.score[kept.paper == p].tolist()) for p, pid in enumerate(kept.papers)}

    cut = seeded_kb._engine_affinity(subs, revs, None, exclude, None, None, top_k=k)
    assert len(cut) < len(full)
    assert best(cut) == best(full)
