"""Grade an answer: evidence-based, calibrated, and not raised by attacks.

    grade(task, answer, mode="offline" | "llm", llm=None) -> Grade
    feedback_stream(task, answer, grade, llm) -> Iterator[str]

Offline mode (no LLM) screens the answer (guards), measures key-point coverage and similarity to the reference
answers and graded exemplars (evidence), and maps a calibrated probability to 0-10 with the pass mark 6.0 as the
decision threshold (model). LLM mode asks the model for one verdict per key point and lets code combine it with
the offline evidence (llm_judge); if the model fails, the offline grade is returned. See interviewer/grading/.
"""

from __future__ import annotations

import logging
from typing import Iterator

from interviewer.errors import InterviewerError
from interviewer.llm import ChatModel

from .evidence import Embedder, task_vectors
from .feedback import offline_feedback, strengths_and_gaps
from .llm_feedback import feedback_lead, feedback_prefix, stream_feedback
from .llm_judge import llm_grade
from .model import Params, load_params
from .offline import Assessment, assess
from .relevance import bank_pool
from .types import PASS_MARK, Flag, Grade, GradeExemplar, GradeTask, KeyPointResult, Mode

__all__ = [
    "PASS_MARK",
    "Flag",
    "Grade",
    "GradeExemplar",
    "GradeTask",
    "KeyPointResult",
    "Mode",
    "feedback_stream",
    "grade",
    "prepare",
    "warm_process",
]
log = logging.getLogger(__name__)


def _build(assessment: Assessment, score: float, probability: float, points: list[KeyPointResult], mode: Mode) -> Grade:
    score = round(min(max(score, 0.0), assessment.cap, 10.0), 1)
    strengths, gaps = strengths_and_gaps(points)
    return Grade(
        score=score,
        passed=score >= PASS_MARK,
        key_points=points,
        strengths=strengths,
        gaps=gaps,
        feedback=offline_feedback(assessment.task, score, points, assessment.flags),
        flags=assessment.flags,
        mode=mode,
        confidence=assessment.confidence,
        probability=round(probability, 4),
    )


def grade(
    task: GradeTask,
    answer: str,
    *,
    mode: Mode = "offline",
    llm: ChatModel | None = None,
    embedder: Embedder | None = None,
    params: Params | None = None,
) -> Grade:
    """Score one answer. `mode="llm"` needs `llm`; a failing model falls back to the offline grade."""
    params = params or load_params()
    assessment = assess(task, answer, embedder=embedder, params=params)
    offline = _build(assessment, assessment.model_score, assessment.probability, assessment.points, "offline")
    if mode == "offline" or assessment.evidence is None:  # nothing left to judge: the LLM could only add risk
        return offline
    if llm is None:
        raise InterviewerError("grade(mode='llm') needs an llm; pass llm=build_llm(settings) or use mode='offline'")
    try:
        probability, score, points = llm_grade(assessment, answer, llm, params)
    except InterviewerError as exc:
        log.warning("LLM grading failed, using the offline grade: %s", exc)
        return offline
    return _build(assessment, score, probability, points, "llm")


def feedback_stream(
    task: GradeTask, answer: str, grade: Grade, llm: ChatModel | None, *, rich: bool = False
) -> Iterator[str]:
    """Feedback text in pieces: code's opening sentence (what was covered, which key point matters next), then the
    LLM's text; without a model, the offline feedback. A model failure is raised (ModelError), so the caller can keep
    the offline feedback and offer a retry. Short (the default, for a small model): one or two sentences on why the
    focus point matters; the LLM sees the focus key point, not the answer (only a contradicting sentence, fenced), so
    text in an answer cannot steer it. Rich (a capable backend): up to ~120 words quoting the candidate's own words,
    with the answer fenced as data (llm_feedback)."""
    if llm is None or "empty" in grade.flags:
        yield grade.feedback
        return
    yield feedback_lead(grade) + " "
    yield from stream_feedback(task, grade, llm, answer if rich else "", rich)


def warm_process() -> None:
    """Once per process, before any question: the calibrated model and the bank's question profiles (~5 s of
    embedding on 2 cores, which the first answer's relevance check would otherwise wait for)."""
    load_params()
    bank_pool()


def prepare(task: GradeTask, llm: ChatModel | None = None, *, rich: bool = False) -> None:
    """Do before the answer arrives what grading will need: the rubric's vectors (the first grade of a question
    otherwise embeds them, ~1 s), the bank's question profiles once per process, and, with a model that supports
    it, the feedback prompt's prefix in its cache."""
    load_params()
    task_vectors(task)
    prefill = getattr(llm, "prefill", None)
    if prefill is not None:
        prefill(feedback_prefix(task, rich))
    bank_pool()  # the questions an answer is compared with (relevance): once per process, ~10 s on 2 cores
