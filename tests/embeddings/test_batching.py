"""Token budgets, whole-input length sorting and encoder names (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from scholarlens.embeddings import (
    HashingEncoder,
    ModelError,
    TokenBudget,
    embed_cached,
    get_encoder,
    make_encoder,
    sorted_batches,
)
from scholarlens.stores import open_store


def test_head_budget_keeps_cls_head_and_sep():
    ids = [101, *range(1000, 1300), 102]
    cut = TokenBudget(128).cut(ids)
    assert len(cut) == 128
    assert cut[0] == 101 and cut[-1] == 102
    assert cut[1:-1] == list(range(1000, 1126))


def test_head_tail_budget_keeps_both_ends():
    ids = [101, *range(1000, 1300), 102]
    cut = TokenBudget.parse("128/32").cut(ids)
    assert len(cut) == 128
    assert cut[0] == 101 and cut[-1] == 102
    assert cut[1:95] == list(range(1000, 1094))  # head: 128 - 2 - 32 = 94 tokens
    assert cut[95:-1] == list(range(1268, 1300))  # tail: the last 32 content tokens


def test_short_texts_are_not_cut():
    ids = [101, 5, 6, 102]
    assert TokenBudget.parse("256/64").cut(ids) == ids


@pytest.mark.parametrize("spec", ["", "abc", "4", "600", "128/125", "128/-1"])
def test_bad_budgets_are_model_errors(spec):
    with pytest.raises(ModelError):
        TokenBudget.parse(spec)


def test_budget_round_trips_as_text():
    assert str(TokenBudget.parse("192")) == "192"
    assert str(TokenBudget.parse("256/64")) == "256/64"


def test_sorted_batches_cover_the_whole_input_longest_first():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 300, size=1000).tolist()
    batches = list(sorted_batches(lengths, 64))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))  # every text exactly once
    ordered = [lengths[i] for i in flat]
    assert ordered == sorted(lengths, reverse=True)  # sorted across batch boundaries
    # Padding: each batch's rows differ little from its longest (whole-input sort).
    waste = sum(lengths[b[0]] * len(b) - sum(lengths[i] for i in b) for b in batches)
    chunked = sum(
        max(lengths[s : s + 64]) * len(lengths[s : s + 64]) - sum(lengths[s : s + 64])
        for s in range(0, 1000, 64)
    )
    assert waste < chunked / 10


def test_torch_encoder_has_no_head_tail_budget():
    with pytest.raises(ModelError, match="head\\+tail"):
        make_encoder("minilm:256/64")


def test_hashing_name_and_cache_round_trip(tmp_path):
    enc = get_encoder("hashing")
    assert isinstance(enc, HashingEncoder)
    store = open_store(tmp_path / "kb.db")
    store.migrate()
    texts = ["graph neural networks", "peer review bias", "graph neural networks"]
    calls: list[int] = []

    class Counting(HashingEncoder):
        def encode(self, texts, progress=None):  # type: ignore[no-untyped-def]
            calls.append(len(texts))
            return super().encode(texts, progress)

    first = embed_cached(store, Counting(), texts)
    again = embed_cached(store, Counting(), texts)
    assert calls == [2]  # two distinct texts, embedded once; the second run hits the cache
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first[0], first[2])
