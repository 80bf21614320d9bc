from __future__ import annotations

import numpy as np
import pytest

from scholarlens import find_experts
from scholarlens.embeddings import HashingEncoder
from scholarlens.errors import QueryError
from scholarlens.scoring import Method, aggregate, get_method, paper_weights

CONTRACT = {"person_id", "name", "score", "rank", "evidence", "explanation", "probability", "strength"}


def test_experts_follow_the_api_contract_best_first(seeded_kb, encoder):
    rows = find_experts(
        seeded_kb, "learned optimizers trained with evolution strategies", 5, encoder=encoder
    )
    assert len(rows) == 5
    assert all(set(r) == CONTRACT for r in rows)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for r in rows:
        assert r["evidence"] and all(
            set(e) == {"paper_id", "title", "year", "similarity", "weight"} for e in r["evidence"]
        )
        assert "top3" in r["explanation"]
        order = [(-e["weight"], -e["similarity"]) for e in r["evidence"]]
        assert order == sorted(order)


def test_score_is_the_weighted_sum_of_the_evidence(seeded_kb, encoder):
    for method in ("hybrid-top5", "max", "mean"):
        for r in find_experts(
            seeded_kb, "language model scaling laws", 3, encoder=encoder, method=method
        ):
            # evidence lists the 5 strongest contributions; with few papers that is all of them
            total = sum(e["similarity"] * e["weight"] for e in r["evidence"])
            if method != "mean" or len(r["evidence"]) < 5:
                assert total == pytest.approx(r["score"], abs=2e-3)


def test_max_method_names_the_single_best_paper(seeded_kb, encoder):
    rows = find_experts(seeded_kb, "speech recognition", 3, encoder=encoder, method="max")
    for r in rows:
        weighted = [e for e in r["evidence"] if e["weight"] > 0]
        assert len(weighted) == 1
        assert weighted[0]["similarity"] == max(e["similarity"] for e in r["evidence"])


@pytest.mark.parametrize("query", ["", "   \n"])
def test_empty_query_is_a_query_error(seeded_kb, encoder, query):
    with pytest.raises(QueryError, match="empty"):
        find_experts(seeded_kb, query, encoder=encoder)


def test_huge_query_is_a_query_error(seeded_kb, encoder):
    with pytest.raises(QueryError, match="limit"):
        find_experts(seeded_kb, "word " * 10_000, encoder=encoder)


def test_empty_knowledge_base_has_no_experts(kb, encoder):
    assert find_experts(kb, "anything", encoder=encoder) == []


def test_unknown_method_and_bad_override_are_query_errors():
    with pytest.raises(QueryError, match="unknown method"):
        get_method("best")
    with pytest.raises(QueryError, match="override"):
        get_method("top5,banana=3")
    assert get_method("top5,k=3").k == 3


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.encoded = 0

    def encode(self, texts, progress=None):
        self.encoded += len(texts)
        return super().encode(texts, progress)


def test_paper_embeddings_are_cached_so_a_rerun_embeds_only_the_query(seeded_kb):
    enc = CountingEncoder()
    find_experts(seeded_kb, "reinforcement learning", encoder=enc)
    first = enc.encoded
    assert first > 40  # every usable paper + the query
    find_experts(seeded_kb, "generative models of images", encoder=enc)
    assert enc.encoded == first + 1
    assert (
        seeded_kb.store.scalar(
            "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (enc.model_id,)
        )
        == first - 1
    )


def test_papers_with_hundreds_of_authors_count_less():
    m = get_method()
    w = paper_weights(m, [3, 20, 80, 417], [None] * 4, [None] * 4, None)
    assert w[0] == w[1] == 1.0
    assert 1.0 > w[2] > w[3] > 0.0
    assert w[3] == pytest.approx((20 / 417) ** 0.5)


def test_recency_and_position_weights_when_asked():
    w = paper_weights(Method(recency=5.0, team=0), [2, 2], [2024, 2014], [0, 0], 2024)
    assert w[0] == 1.0 and w[1] == pytest.approx(0.25)
    w = paper_weights(Method(position=0.5, team=0), [5, 5, 5], [None] * 3, [0, 2, 4], None)
    assert list(w) == [1.0, 0.5, 1.0]


def test_topk_counts_missing_papers_as_zero():
    sims = np.array([[0.9, 0.5]], dtype=np.float32)
    scores, contrib = aggregate(sims, np.ones(2, dtype=np.float32), Method(k=5, lexical=0))
    assert scores[0] == pytest.approx((0.9 + 0.5) / 5)
    assert contrib.sum() == pytest.approx(2 / 5)
