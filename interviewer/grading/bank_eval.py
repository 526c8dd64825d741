"""Calibration check on our own banks: grade every exemplar answer and compare with its hand-given score.

Two settings: without exemplars (the grader sees only the reference and key points) and leave-one-out (the
question's other exemplars are graded evidence, as in the live app). Reports Spearman / Pearson / RMSE / QWK
against the exemplar scores, pass/fail agreement at 6.0, and the mean grader score per exemplar label.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from interviewer.knowledge.bank import load_banks
from interviewer.llm import ChatModel

from . import metrics
from .evidence import task_vectors
from .types import PASS_MARK, GradeTask, Mode


def eval_banks(mode: Mode = "offline", limit: int = 0, llm: ChatModel | None = None) -> dict:
    from .grader import grade

    items = [(b.id, q, e) for b in load_banks() for q in b.questions for e in q.exemplars]
    if limit and len(items) > limit:
        items = [items[i] for i in np.linspace(0, len(items) - 1, limit).round().astype(int)]
    report: dict = {"input": "bank exemplars", "mode": mode, "exemplars": len(items)}
    for setting in ("without_exemplars", "with_exemplars_loo"):
        human, scores, seconds = [], [], []
        by_label: dict[str, list[float]] = defaultdict(list)
        by_bank: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
        for bank, question, exemplar in items:
            task = GradeTask.from_question(question)
            task = (
                task.without_exemplar(exemplar.answer)
                if setting == "with_exemplars_loo"
                else task.model_copy(update={"exemplars": ()})
            )
            task_vectors(task)  # built once per question in the app: time the grading alone
            start = time.perf_counter()
            g = grade(task, exemplar.answer, mode=mode, llm=llm)
            seconds.append(time.perf_counter() - start)
            human.append(exemplar.score)
            scores.append(g.score)
            by_label[exemplar.label or "unlabelled"].append(g.score)
            by_bank[bank][0].append(exemplar.score)
            by_bank[bank][1].append(g.score)
        ms = np.array(seconds) * 1000
        report[setting] = {
            **metrics.numeric(human, scores),
            "pass_agreement": metrics.binary([h >= PASS_MARK for h in human], scores),
            "mean_score_by_label": {k: round(float(np.mean(v)), 2) for k, v in sorted(by_label.items())},
            "spearman_by_bank": {b: round(metrics.spearman(h, s), 3) for b, (h, s) in sorted(by_bank.items())},
            "latency_ms": {
                "p50": round(float(np.percentile(ms, 50)), 1),
                "p95": round(float(np.percentile(ms, 95)), 1),
            },
        }
    return report
