from __future__ import annotations

import numpy as np
import pytest

from scholarlens.embeddings import HashingEncoder
from scholarlens.index import DenseIndex, LexicalIndex

DOCS = [
    "Graph neural networks predict molecular properties",
    "Speech recognition with large transformers",
    "Reinforcement learning for robot control",
]


@pytest.mark.parametrize("kind", LexicalIndex.KINDS)
def test_lexical_index_ranks_the_doc_sharing_rare_words_first(kind):
    index = LexicalIndex([10, 20, 30], DOCS, kind=kind)
    assert index.search("robot reinforcement", k=1)[0][0] == 30
    sims = index.similarities(["molecular graphs", "speech"])
    assert sims.shape == (2, 3) and sims[0].argmax() == 0 and sims[1].argmax() == 1


def test_lexical_index_of_stop_words_only_gives_zeros():
    index = LexicalIndex([1], ["the and of"])
    assert not index.similarities(["the"]).any()


def test_dense_index_search_returns_k_best_first():
    enc = HashingEncoder()
    index = DenseIndex([1, 2, 3], enc.encode(DOCS), query_encoder=enc)
    hits = index.search("speech recognition transformers", k=2)
    assert [h[0] for h in hits][0] == 2 and len(hits) == 2
    assert hits[0][1] >= hits[1][1]
    assert np.allclose(index.similarities_to(enc.encode(DOCS)).diagonal(), 1.0, atol=1e-5)
