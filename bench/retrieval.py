"""Retrieval benchmark: top-1 on paraphrased lookups, query latency at 1k/10k items, ingest throughput.

    .venv/bin/python bench/retrieval.py [--sizes 1000 10000]
Prints JSON."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from interviewer.config import Settings
from interviewer.knowledge.bank import Bank, FollowUp, Question, load_banks
from interviewer.knowledge.index import open_index

HERE = Path(__file__).parent
WORDS = (
    "model data feature drift latency training serving metric label bias cache shard index gradient loss "
    "batch stream pipeline monitor deploy rollback experiment embedding ranking fraud privacy"
).split()


def paraphrase_top1(index, file: str = "paraphrases.yaml") -> dict:
    cases = yaml.safe_load((HERE / file).read_text())
    misses, total = [], 0
    for qid, phrasings in cases.items():
        for text in phrasings:
            total += 1
            got = index.search(text, k=1)[0].question.id
            if got != qid:
                misses.append({"query": text, "want": qid, "got": got})
    return {"lookups": total, "top1": round(1 - len(misses) / total, 4), "misses": misses}


def synthetic_bank(n: int, seed: int = 0) -> Bank:
    rng = random.Random(seed)
    qs = []
    for i in range(n):
        words = " ".join(rng.choices(WORDS, k=12))
        qs.append(
            Question(
                id=f"syn-{i:05d}",
                topic="Synthetic",
                difficulty=rng.randint(1, 3),
                question=f"How would you handle {words}?",
                reference_answer=f"A reference answer about {words}.",
                key_points=[f"point {j} on {rng.choice(WORDS)}" for j in range(3)],
                follow_ups=[FollowUp(probe="Why does that matter here?", key_point=1)] * 2,
            )
        )
    return Bank(id=f"syn{n}", title="synthetic", questions=qs)


def latency(n: int, queries: int = 200) -> dict:
    index = open_index(Settings(data_dir=Path(tempfile.mkdtemp())))
    bank = synthetic_bank(n)
    t0 = time.perf_counter()
    index.ingest([bank])
    ingest_s = time.perf_counter() - t0
    rng = random.Random(1)
    texts = [" ".join(rng.choices(WORDS, k=6)) for _ in range(queries)]
    index.embedding.model.embed(texts)  # warm up
    full, nearest = [], []
    for text in texts:
        t = time.perf_counter()
        index.search(text, k=5)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        index.nearest_answers(text, k=3)
        nearest.append(time.perf_counter() - t)
    ms = lambda xs, p: round(float(np.percentile(xs, p)) * 1000, 2)  # noqa: E731
    return {
        "items": n,
        "ingest_items_per_s": round(n / ingest_s, 1),
        "search_ms": {"p50": ms(full, 50), "p95": ms(full, 95)},
        "nearest_answers_ms": {"p50": ms(nearest, 50), "p95": ms(nearest, 95)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    index = open_index(Settings(data_dir=Path(tempfile.mkdtemp())))
    banks = load_banks()
    index.ingest(banks)
    seed_only = open_index(Settings(data_dir=Path(tempfile.mkdtemp())))
    seed_only.ingest([b for b in banks if b.id == "ml_system_design"])
    print(
        json.dumps(
            {
                "paraphrases_all_banks": {"indexed": index.count(), **paraphrase_top1(index)},
                "paraphrases_seed_bank": {"indexed": seed_only.count(), **paraphrase_top1(seed_only)},
                "paraphrase_of_every_question": {
                    "indexed": index.count(),
                    **paraphrase_top1(index, "paraphrases_all.yaml"),
                },
                "latency": [latency(n) for n in args.sizes],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
