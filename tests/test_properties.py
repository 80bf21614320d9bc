"""Property tests: parsers never crash, normalisers are idempotent, dedup ignores order."""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scholarlens.errors import InputError
from scholarlens.formats import FORMATS, parse_text
from scholarlens.kb import KnowledgeBase
from scholarlens.text import abstract_fingerprint, clean_text, fold, title_key

from .conftest import SEEDS

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400
) | st.lists(
    st.sampled_from(
        ["Tony", "Abstract:", "CLOct 25, 2024", "LGFeb 6", "Metz, Luke", "OpenAI, null", ":, null", "Title", "Doe, Jane, Roe, Rick", "· org", "et al.", "Quiรฑonero", "ล", "\r\n", "\n", " ", ""]
    ),
    max_size=30,
).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=line_text)
def test_no_parser_crashes_on_arbitrary_text(text):
    for fmt in [None, *[f.name for f in FORMATS]]:
        try:
            parse_text(text, "fuzz.txt", fmt)
        except InputError:
            pass  # ParseError / UnknownFormatError: the only allowed failures


@given(st.text(max_size=300))
def test_normalisers_are_idempotent(text):
    assert clean_text(clean_text(text)) == clean_text(text)
    assert fold(fold(text)) == fold(text)
    key = title_key(text)
    assert key is None or title_key(key) == key
    fp = abstract_fingerprint(text)
    assert fp is None or abstract_fingerprint(fp) == fp


def _grouping(kb: KnowledgeBase) -> tuple:
    rows = kb.store.query(
        "SELECT s.paper_id, pr.sha256, s.ordinal FROM paper_sources s JOIN profiles pr ON pr.id = s.profile_id"
    )
    groups: dict[int, set] = {}
    for r in rows:
        groups.setdefault(r["paper_id"], set()).add((r["sha256"], r["ordinal"]))
    people = sorted(r["name"] for r in kb.store.query("SELECT name FROM people"))
    owners = sorted((r["sha256"], r["owner_status"], r["name"]) for r in kb.store.query(
        "SELECT pr.sha256, pr.owner_status, pe.name FROM profiles pr LEFT JOIN people pe ON pe.id = pr.owner_person_id"
    ))
    return sorted(sorted(g) for g in groups.values()), people, owners


@settings(max_examples=3, deadline=None)
@given(st.randoms(use_true_random=False))
def test_dedup_does_not_depend_on_ingest_order(tmp_path_factory, rnd: random.Random):
    base = tmp_path_factory.mktemp("order")
    order = list(SEEDS)
    rnd.shuffle(order)
    results = []
    for i, paths in enumerate([SEEDS, order]):
        with KnowledgeBase(base / f"{i}.db") as kb:
            for p in paths:
                kb.ingest([p])
            results.append(_grouping(kb))
    assert results[0] == results[1]


def test_reverse_order_gives_same_knowledge_base(tmp_path):
    outs = []
    for i, paths in enumerate([SEEDS, list(reversed(SEEDS))]):
        with KnowledgeBase(tmp_path / f"{i}.db") as kb:
            for p in paths:
                kb.ingest([p])
            outs.append(_grouping(kb))
    assert outs[0] == outs[1]
    assert len(outs[0][0]) == 53
    assert list(itertools.chain(*outs[0][0]))
