"""Tiny synthetic reference corpora (Semantic Scholar paper records) for identity tests."""

from __future__ import annotations

import json
from pathlib import Path

# Distinct topics so that similarity has something to find.
ABSTRACTS = {
    "tok": "We study byte pair encoding tokenizers for neural machine translation across twenty low resource languages. "
    "Our analysis shows that vocabulary size interacts with morphology, and we propose an adaptive merge schedule "
    "that improves translation quality by two BLEU points while reducing the number of rare subwords considerably.",
    "rl": "Deep reinforcement learning agents are trained with proximal policy optimisation on continuous control tasks. "
    "We introduce a value function regulariser that stabilises training, reduces variance of the policy gradient "
    "estimates and improves sample efficiency on locomotion benchmarks compared with strong baselines from prior work.",
    "peer": "Peer review assignment matches submitted papers to reviewers by estimated expertise. We present a fair "
    "assignment algorithm based on min cost flow that maximises the minimum reviewer affinity per paper and evaluate "
    "it on data from a large machine learning conference, showing improved fairness without loss of total quality.",
    "graph": "Graph neural networks propagate node features along edges to learn representations for molecules. We "
    "show that message passing with attention over bond types predicts quantum chemical properties accurately and "
    "scales to millions of molecules, outperforming fingerprint based baselines on standard property prediction suites.",
    "speech": "End to end speech recognition with connectionist temporal classification is improved by a conformer "
    "encoder and shallow fusion with an external language model. Experiments on read and conversational speech show "
    "relative word error rate reductions of ten percent and robust behaviour under noisy far field recording conditions.",
    "sum": "Abstractive summarisation models hallucinate facts absent from the source document. We propose a "
    "faithfulness reward computed by question answering over source and summary and fine tune a pretrained "
    "encoder decoder with reinforcement learning, improving factual consistency judged by humans on news articles.",
}


def record(key: str, authors: list[str] | str, title: str | None = None, year: int = 2021, abstract: str | None = None) -> dict:
    return {
        "title": title or f"A study of {key} number {abs(hash(key)) % 1000}",
        "abstract": abstract or ABSTRACTS[key],
        "year": year,
        "ssId": f"ss{key}{len(str(authors))}",
        "arXivId": None,
        "authors": authors,
    }


def write_corpus(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, r in enumerate(records):
        (folder / f"{i:03d}_{r['ssId']}.json").write_text(json.dumps(r))
    return folder


def write_abstracts(path: Path, abstracts: list[str], name: str = "Anonymous") -> Path:
    path.write_text(name + "\n" + "".join(f"Abstract:{a}\n" for a in abstracts), encoding="utf-8")
    return path
