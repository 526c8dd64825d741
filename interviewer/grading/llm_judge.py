"""LLM mode: the model judges each key point (covered / partly / missed); code turns that into a score.

The candidate's text reaches the model only through prompts.fence(). The combination with the offline evidence
is a logistic model fitted on data (params "combine"); until one is fitted the offline score stands and the
verdicts only refine the key points. On flagged answers the LLM can never raise the score above the offline one.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Iterator, Literal

from pydantic import BaseModel, Field, ValidationError, create_model

from interviewer.errors import GradingError, InterviewerError
from interviewer.llm import ChatModel, Message
from interviewer.llm.prompts import fence, render
from interviewer.text import clip_sentences

from .feedback import FLAG_NOTES
from .model import Params, probability_to_score
from .offline import Assessment
from .types import Coverage, Grade, GradeTask, KeyPointResult

log = logging.getLogger(__name__)
VALUE: dict[str, float] = {"covered": 1.0, "partly": 0.5, "missed": 0.0}
RANK: dict[str, int] = {"missed": 0, "partly": 1, "covered": 2}
MAX_ANSWER_CHARS = 1600  # ~350 tokens: the prompt stays short on the embedded model (~60-76 prompt tok/s)
GRADE_TOKENS = 60
# Feedback: ~11.5 generated tok/s on 2 cores, so one or two short sentences (~36 tokens) is what fits the 5 s budget.
FEEDBACK_TOKENS = 36
FEEDBACK_REFERENCE_CHARS = 700
FEEDBACK_EVIDENCE_CHARS = 160


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
        if flagged and RANK[verdict] > RANK[kp.status]:
            status = kp.status  # the LLM may not lift evidence on a flagged answer
        points.append(
            kp.model_copy(
                update={"status": status, "evidence": kp.evidence if status != "missed" or kp.contradicted else ""}
            )
        )
    return p, score, points


def _feedback_variables(task: GradeTask) -> dict[str, str]:
    return {
        "question": task.question,
        "key_points": "\n".join(f"{i}. {p}" for i, p in enumerate(task.points, 1)),
        "reference": clip_sentences(task.reference, FEEDBACK_REFERENCE_CHARS),
    }


def feedback_prefix(task: GradeTask) -> list[Message]:
    """The answer-independent start of the feedback prompt (system message and the user message's first line).
    Sent while the candidate types (ChatModel.prefill), so llama.cpp's prompt cache holds it and only the focus line
    is new at submit."""
    system, user = render("feedback", **_feedback_variables(task), focus="", notes="")
    return [system, Message("user", user.content.strip())]


# How the feedback names the focus point's verdict: (in code's lead sentence, in the prompt's focus line)
_FOCUS_WORDS = {
    "contradicted": ("you contradicted", "contradicted"),
    "missed": ("missing", "missed"),
    "partly": ("named but not explained", "only named, not explained"),
}


def focus(grade: Grade) -> tuple[int, KeyPointResult, str] | None:
    """The key point the feedback is about, with its verdict: the first contradicted, else missed, else only named;
    None if all are covered."""
    for verdict in _FOCUS_WORDS:
        for i, kp in enumerate(grade.key_points, 1):
            if kp.contradicted if verdict == "contradicted" else kp.status == verdict:
                return i, kp, verdict
    return None


def feedback_lead(grade: Grade) -> str:
    """Code's opening sentence of the feedback: what was covered and which key point matters next. It is exact,
    and it names the point, which a 1.5B model asked to pick one by number got wrong (measured)."""
    covered = sum(kp.status == "covered" and not kp.contradicted for kp in grade.key_points)
    total = len(grade.key_points)
    found = focus(grade)
    if found is None:
        return f"You covered all {total} key points."
    _, kp, verdict = found
    return f'You covered {covered} of {total} key points; {_FOCUS_WORDS[verdict][0]}: "{kp.point.strip().rstrip(".")}".'


def _focus_line(grade: Grade) -> str:
    """What is new after submit: the focus point (its words, so the model need not look it up by number)."""
    found = focus(grade)
    if found is None:
        return "Every key point was covered."
    i, kp, verdict = found
    line = f"Key point {i} was {_FOCUS_WORDS[verdict][1]}: {kp.point.strip()}"
    if verdict == "contradicted" and kp.evidence:
        # the only candidate text in this prompt: the sentence that contradicts the point, screened, fenced, short
        line += f"\nThe candidate wrote: {fence(kp.evidence[:FEEDBACK_EVIDENCE_CHARS])}"
    return line


def feedback_messages(task: GradeTask, grade: Grade) -> list[Message]:
    notes = " ".join(FLAG_NOTES[f] for f in grade.flags if f in FLAG_NOTES)
    return render(
        "feedback", **_feedback_variables(task), focus=_focus_line(grade), notes=f"Notes: {notes}\n" if notes else ""
    )


def stream_feedback(task: GradeTask, grade: Grade, llm: ChatModel) -> Iterator[str]:
    yield from llm.stream(feedback_messages(task, grade), max_tokens=FEEDBACK_TOKENS)
