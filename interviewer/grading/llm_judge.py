"""LLM mode: the model judges each key point (covered / partly / missed); code turns that into a score.

The candidate's text reaches the model only through prompts.fence(). The combination with the offline evidence
is a logistic model fitted on data (params "combine"); until one is fitted the offline score stands and the
verdicts only refine the key points. On flagged answers the LLM can never raise the score above the offline one.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, create_model

from interviewer.errors import GradingError, InterviewerError
from interviewer.llm import ChatModel
from interviewer.llm.prompts import fence, render

from .model import Params, probability_to_score
from .offline import Assessment
from .types import Coverage, KeyPointResult

log = logging.getLogger(__name__)
VALUE: dict[str, float] = {"covered": 1.0, "partly": 0.5, "missed": 0.0}
RANK: dict[str, int] = {"contradicted": -1, "missed": 0, "partly": 1, "covered": 2}
MAX_ANSWER_CHARS = 1600  # ~350 tokens: the prompt stays short on the embedded model (~60-76 prompt tok/s)
GRADE_TOKENS = 60


class Verdicts(BaseModel):
    verdicts: list[Literal["covered", "partly", "missed"]] = Field(max_length=7)


@lru_cache(maxsize=8)
def verdicts_schema(n: int) -> type[Verdicts]:
    """The reply schema with exactly n verdicts, so constrained decoding cannot stop short."""
    return create_model(
        f"Verdicts{n}",
        __base__=Verdicts,
        verdicts=(list[Literal["covered", "partly", "missed"]], Field(min_length=n, max_length=n)),
    )


def _answer_text(assessment: Assessment, answer: str) -> str:
    """What the LLM reads: the screened sentences (attacks removed), or the raw text when nothing is left."""
    kept = " ".join(assessment.screened.units) or answer
    return kept[:MAX_ANSWER_CHARS]


def judge(assessment: Assessment, answer: str, llm: ChatModel) -> list[Coverage]:
    """One verdict per key point; retries once on an invalid reply, then raises GradingError."""
    task = assessment.task
    points = [p.point for p in assessment.points]
    chosen = set(points)
    others = [r for r in task.reference_answers if r not in chosen][:3] if not task.key_points else []
    messages = render(
        "grade_answer",
        question=task.question,
        key_points="\n".join(f"{i}. {p}" for i, p in enumerate(points, 1)),
        count=str(len(points)),
        alternatives=("Other acceptable answers: " + " | ".join(others) + "\n")
        if len(task.reference_answers) > 1 and others
        else "",
        candidate_answer=fence(_answer_text(assessment, answer)),
    )
    last = ""
    for attempt in (1, 2):
        try:
            reply = llm.structured(messages, verdicts_schema(len(points)), max_tokens=GRADE_TOKENS)
        except (InterviewerError, ValidationError, ValueError) as exc:
            last = str(exc)
            continue
        if len(reply.verdicts) == len(points):
            return list(reply.verdicts)
        last = f"{len(reply.verdicts)} verdicts for {len(points)} key points"
    raise GradingError(f"the model gave no valid verdicts ({last})", attempts=2, last_reply=last)


def combine(assessment: Assessment, verdicts: list[Coverage], params: Params) -> tuple[float, float]:
    """(probability, score) from the offline logit and the LLM's key-point coverage."""
    model = params.combine_for(assessment.task)
    if model is None:
        return assessment.probability, assessment.model_score
    offline = params.for_task(assessment.task)
    coverage = sum(VALUE[v] for v in verdicts) / len(verdicts)
    p = model.probability({"offline_logit": offline.logit(assessment.evidence.features), "llm_coverage": coverage})
    return p, probability_to_score(p, model.threshold)


def llm_grade(
    assessment: Assessment, answer: str, llm: ChatModel, params: Params
) -> tuple[float, float, list[KeyPointResult]]:
    """(probability, score, key points) in LLM mode. Raises GradingError when the model fails."""
    verdicts = judge(assessment, answer, llm)
    p, score = combine(assessment, verdicts, params)
    flagged = bool(assessment.flags and set(assessment.flags) - {"truncated", "too_short"})
    if flagged:
        score = min(score, assessment.model_score)
    score = min(score, assessment.cap)
    points = []
    for kp, verdict in zip(assessment.points, verdicts):
        status: Coverage = verdict
        if kp.status == "contradicted":  # a wrong claim stays wrong: the model can't tell partial from wrong
            points.append(kp)
            continue
        if flagged and RANK[verdict] > RANK[kp.status]:
            status = kp.status  # the LLM may not lift evidence on a flagged answer
        points.append(
            kp.model_copy(
                update={"status": status, "evidence": kp.evidence if status != "missed" or kp.contradicted else ""}
            )
        )
    return p, score, points
