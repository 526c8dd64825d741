"""Interview arithmetic, in code, never in a prompt: a question's score is its graded score, raised by follow-up
probes (never lowered), minus `HINT_COST` per hint; the overall score is the mean over questions answered or
skipped (a skip scores 0; a question left open when the interview ended is not counted)."""

from __future__ import annotations

HINT_COST = 1.0
PROBE_WEIGHT = 0.25  # a probe answer moves the question score a quarter of the way towards the probe's score


def question_score(graded: float, probe_scores: list[float], hints: int) -> float:
    """The score of an answered question."""
    score = graded
    for probe in probe_scores:
        score = max(score, (1 - PROBE_WEIGHT) * score + PROBE_WEIGHT * probe)
    return round(max(0.0, score - HINT_COST * hints), 1)


def overall(scores: list[float]) -> float:
    return round(sum(scores) / len(scores), 1) if scores else 0.0
