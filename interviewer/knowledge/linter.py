"""Bank linter and summary: what `interviewer lint` and `interviewer banks` print, and what the tests run.

Schema, unique ids and key-point ties are enforced when loading; this adds the content rules a schema can't say:
reference length, exemplar order, 2-4 misconceptions per item, a hint ladder for every key point whose steps do not
state it (no run of NGRAM words from the reference or the key points, and not too close in meaning to the point),
and no near-duplicate questions."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import numpy as np

from interviewer.text import NGRAM, ngrams

from .bank import Bank

NEAR_DUPLICATE = 0.90  # cosine of question texts; paraphrases of one question score above this
REFERENCE_WORDS = (80, 300)
LABEL_RANK = {"excellent": 5, "strong": 4, "good": 3, "partial": 2, "weak": 1, "wrong": 0}
MISCONCEPTIONS = (2, 4)
HINT_TOO_CLOSE = 0.72  # cosine of a hint step to its key point: at or above it, the step states the point
HINT_WORDS = 30


def lint(banks: list[Bank], embed=None) -> list[str]:
    problems: list[str] = []
    questions = [q for b in banks for q in b.questions]
    for q in questions:
        where = f"{q.bank}/{q.id}"
        words = len(q.reference_answer.split())
        if not REFERENCE_WORDS[0] <= words <= REFERENCE_WORDS[1]:
            problems.append(
                f"{where}: reference answer has {words} words (want {REFERENCE_WORDS[0]}-{REFERENCE_WORDS[1]})"
            )
        if len(q.exemplars) < 3:
            problems.append(f"{where}: {len(q.exemplars)} exemplars (want >= 3: strong, partial, weak)")
        labelled = sorted((e for e in q.exemplars if e.label), key=lambda e: -LABEL_RANK[e.label])
        for better, worse in zip(labelled, labelled[1:]):
            if LABEL_RANK[better.label] > LABEL_RANK[worse.label] and better.score <= worse.score:
                problems.append(
                    f"{where}: exemplar {better.label} ({better.score}) does not outscore {worse.label} ({worse.score})"
                )
        if len({e.label for e in q.exemplars} & {"strong", "excellent"}) == 0 or not any(
            e.label in {"weak", "wrong"} for e in q.exemplars
        ):
            problems.append(f"{where}: exemplars need a strong and a weak answer")
        if not MISCONCEPTIONS[0] <= len(q.misconceptions) <= MISCONCEPTIONS[1]:
            problems.append(
                f"{where}: {len(q.misconceptions)} misconceptions (want {MISCONCEPTIONS[0]}-{MISCONCEPTIONS[1]})"
            )
        missing = [i + 1 for i in range(len(q.key_points)) if q.hint_ladder(i) is None]
        if missing:
            problems.append(f"{where}: no hint ladder for key point(s) {missing}")
    problems += hint_leaks(questions, embed)
    problems += near_duplicates(questions, embed)
    return problems


def hint_leaks(questions, embed=None) -> list[str]:
    """Hint steps that give their key point away: a run of NGRAM words from the reference answer or a key point,
    too many words, or a meaning too close to the point itself."""
    steps = [(q, h.key_point, i, s) for q in questions for h in q.hints for i, s in enumerate(h.steps, 1)]
    if not steps:
        return []
    if embed is None:
        from .embeddings import get_model

        embed = get_model().embed
    problems = []
    secret = {
        q.id: set().union(*(ngrams(t) for t in [q.reference_answer, *q.key_points])) - ngrams(q.question)
        for q in questions
    }
    step_vecs = np.asarray(embed([s for *_, s in steps]))
    points = list(dict.fromkeys(q.key_points[p] for q, p, _, _ in steps))
    by_point = dict(zip(points, np.asarray(embed(points))))
    point_vecs = np.array([by_point[q.key_points[p]] for q, p, _, _ in steps])
    for (q, point, i, text), sim in zip(steps, (step_vecs * point_vecs).sum(axis=1)):
        where = f"{q.bank}/{q.id}: hint {i} for key point {point + 1}"
        if ngrams(text) & secret[q.id]:
            problems.append(f"{where} copies {NGRAM}+ words of the reference or key points: {text!r}")
        if len(text.split()) > HINT_WORDS:
            problems.append(f"{where} has {len(text.split())} words (max {HINT_WORDS})")
        if sim >= HINT_TOO_CLOSE:
            problems.append(f"{where} states the point (cosine {sim:.2f} >= {HINT_TOO_CLOSE}): {text!r}")
    return problems


def near_duplicates(questions, embed=None, threshold: float = NEAR_DUPLICATE) -> list[str]:
    if len(questions) < 2:
        return []
    if embed is None:
        from .embeddings import get_model

        embed = get_model().embed
    vectors = np.asarray(embed([q.question for q in questions]))
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, 0)
    rows, cols = np.where(np.triu(sims) > threshold)
    return [
        f"near-duplicate questions ({sims[i, j]:.2f}): {questions[i].id} ~ {questions[j].id}"
        for i, j in zip(rows, cols)
    ]


def bank_summary(banks: list[Bank]) -> dict:
    topics: dict[str, Counter] = defaultdict(Counter)
    for q in (q for b in banks for q in b.questions):
        topics[q.topic][q.difficulty] += 1
    return {
        "banks": [
            {"id": b.id, "title": b.title, "questions": len(b.questions), "file": b.path.rsplit("/", 1)[-1]}
            for b in banks
        ],
        "topics": {
            t: {"total": sum(c.values()), **{f"d{d}": c[d] for d in (1, 2, 3)}} for t, c in sorted(topics.items())
        },
        "total": sum(len(b.questions) for b in banks),
    }


def bank_table(banks: list[Bank], as_json: bool = False) -> str:
    summary = bank_summary(banks)
    if as_json:
        return json.dumps(summary, indent=2)
    lines = [f"{'bank':<28} {'questions':>9}  title"]
    lines += [f"{b['id']:<28} {b['questions']:>9}  {b['title']}" for b in summary["banks"]]
    lines += ["", f"{'topic':<32} {'total':>5} {'easy':>5} {'medium':>6} {'hard':>5}"]
    lines += [f"{t:<32} {c['total']:>5} {c['d1']:>5} {c['d2']:>6} {c['d3']:>5}" for t, c in summary["topics"].items()]
    lines.append(f"{'all':<32} {summary['total']:>5}")
    return "\n".join(lines)
