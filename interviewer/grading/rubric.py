"""knowledge/RUBRIC.md in code: the bands a score holds to, from the key points' verdicts.

Credit per key point: covered 1, partly 0.5, missed 0, contradicted -1 (a wrong claim costs more than leaving the
point out). The band of a credit share follows the rubric (all covered: 9-10, most: 7-8.5, about half: 4-6.5, one
point vaguely: 1.5-3.5, none or wrong: 0-1); an answer with a contradicted point can score at most its band.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .types import GradeTask, KeyPointResult

CREDIT = {"covered": 1.0, "partly": 0.5, "missed": 0.0, "contradicted": -1.0}
# credit share -> the top of its band (RUBRIC.md), linear in between
BAND_TOPS = ((0.0, 1.0), (0.25, 3.5), (0.5, 6.5), (0.75, 8.5), (1.0, 10.0))
BAND_BOTTOMS = ((0.0, 0.0), (0.25, 1.5), (0.5, 4.0), (0.75, 7.0), (1.0, 9.0))
NAMES_ONLY = 3.5  # an answer that only strings the right terms together (RUBRIC.md: at most weak)
NAMES_ONLY_SHARE = 0.6  # ... when this share of its sentences only name terms (at least NAMES_ONLY_MIN of them)
NAMES_ONLY_MIN = 3  # and it explains no key point; one "X is important" in a short answer is vague, not a salad


MIN_POINTS = 3  # the bank schema's minimum


def applies(task: GradeTask) -> bool:
    """The bands hold for interview rubrics (3-7 written key points, bank or imported questions); a short answer
    graded against a reference alone (ASAG rows, derived points) is left to the calibrated model, where "connected"
    is content, not an empty predicate (SemEval Beetle: the rules cost 0.05 ROC-AUC there)."""
    return len(task.key_points) >= MIN_POINTS


def credit(points: Sequence[KeyPointResult]) -> float:
    """Share of the key points' credit earned, -1 to 1."""
    return sum(CREDIT[p.status] for p in points) / max(len(points), 1)


def band_top(share: float) -> float:
    xs, ys = zip(*BAND_TOPS)
    return float(np.interp(max(share, 0.0), xs, ys))


def band_bottom(share: float) -> float:
    xs, ys = zip(*BAND_BOTTOMS)
    return float(np.interp(max(share, 0.0), xs, ys))


def contradiction_cap(points: Sequence[KeyPointResult]) -> float:
    """The most an answer with contradicted key points can score: the top of the band its credit earns."""
    if not any(p.status == "contradicted" for p in points):
        return 10.0
    return band_top(credit(points))


def names_only(explained: Sequence[bool], points: Sequence[KeyPointResult]) -> bool:
    """Mostly sentences that only name terms, and no key point covered by an explanation."""
    if not explained:
        return False
    named = len(explained) - sum(explained)
    return (
        named >= NAMES_ONLY_MIN
        and named >= NAMES_ONLY_SHARE * len(explained)
        and not any(p.status == "covered" for p in points)
    )


def floor(points: Sequence[KeyPointResult]) -> float:
    """The least an answer earns for the key points it covers with nothing wrong: the bottom of its band."""
    if any(p.status == "contradicted" for p in points):
        return 0.0
    return band_bottom(credit(points))
