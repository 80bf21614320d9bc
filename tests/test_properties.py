"""Property tests: parsers never crash, normalisers are idempotent, dedup ignores order."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest
from anyascii import anyascii
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scholarlens.errors import InputError
from scholarlens.formats import FORMATS, parse_text
from scholarlens.formats._records import clean
from scholarlens.kb import KnowledgeBase
from scholarlens.names import family_key, parse_name
from scholarlens.papers import record_keys
from scholarlens.records import ParsedPaper
from scholarlens.text import (
    FINGERPRINT_CHARS,
    HEAD_KEY_CHARS,
    abstract_fingerprint,
    clean_text,
    fold,
    strip_abstract_prefix,
    title_key,
)

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


# -- the fast key paths against their reference definitions (oracles) ------------------------
_ORACLE_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ORACLE_LATEX = re.compile(r"\\[a-zA-Z]+\*?|[{}$]")


def oracle_fold(text: str) -> str:
    """The reference definition of :func:`scholarlens.text.fold`."""
    return _ORACLE_NON_ALNUM.sub(" ", anyascii(unicodedata.normalize("NFC", text)).lower()).strip()


def oracle_family_key(display: str) -> str:
    """The reference definition of :func:`scholarlens.names.family_key` (nameparser always)."""
    return oracle_fold(parse_name(display).family)


def oracle_keys(paper: ParsedPaper) -> tuple:
    """Title key and abstract fingerprint as the text module defines them."""
    title = oracle_fold(_ORACLE_LATEX.sub(" ", clean_text(paper.title))) or None if paper.title else None
    fp = None
    if paper.abstract:
        body = _ORACLE_LATEX.sub(" ", strip_abstract_prefix(clean_text(paper.abstract)))
        fp = oracle_fold(body).replace(" ", "")[:FINGERPRINT_CHARS] or None
    return title, fp


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("’“”‘ éüÃ©Â  ﬁ&\x85"), max_size=80))
def test_fold_equals_reference(text):
    assert fold(text) == oracle_fold(text)


name_token = st.sampled_from(["Ann", "J.", "Mary-Ann", "O'Neil", "van", "der", "Dr.", "Jr.", "III", "José", "Pérez", "Łukasz",
                              "C.-P.", "de", "la", "Smith", "Yuan", "正人", "陽介", "Ph.D.", "PhD", "mc", "St.", "E", "Ng",
                              "M.D.", "Sr", "y", "e", "Prof", "Sir", "ii", "bin", "Esq."])  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(name_token, min_size=1, max_size=5).map(" ".join))
def test_family_key_equals_nameparser(name):
    assert family_key(name) == oracle_family_key(name)


@pytest.mark.parametrize("name", ["Ashish Vaswani", "A. B. Smith", "Jan van der Berg", "Mary-Ann O'Neil", "OpenAI",
                                  "Dr. John Smith", "Smith J", "E. Smith", "José María Pérez", "C.-P. Yuan", "正人 陽介"])  # fmt: skip
def test_family_key_equals_nameparser_on_known_names(name):
    assert family_key(name) == oracle_family_key(name)


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(alphabet=st.sampled_from("abcXYZ019 .,-:{}$\\’éü漢"), max_size=60),
    abstract=st.text(alphabet=st.sampled_from("abcdefXYZ019 .,-:{}$\\’éü"), max_size=300),
)
def test_record_keys_equal_the_reference_keys(title, abstract):
    paper = ParsedPaper(title=clean(title), abstract=clean(abstract), identifiers={"arxiv": "1706.03762V1"}, year=2020)
    keys = record_keys(paper)
    assert (keys.title_key, keys.abstract_fp) == oracle_keys(paper)
    assert keys.abstract_head == (keys.abstract_fp[:HEAD_KEY_CHARS] if keys.abstract_fp and len(keys.abstract_fp) >= HEAD_KEY_CHARS else None)
    assert keys.identifiers == {"arxiv": "1706.03762v1"}
