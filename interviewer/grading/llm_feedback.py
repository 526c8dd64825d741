"""The model's part of the feedback: code's exact lead sentence (what was covered, the key point to work on),
then the model's text. Two prompt variants (settings.active_profile):

- short (`feedback.md`, the embedded 1.5B model): one or two sentences on why the focus point matters. The model
  never sees the answer, only a sentence that contradicts a key point, fenced; the prompt's answer-independent prefix
  is sent while the candidate types (`feedback_prefix`), so only the focus line is new at submit.
- rich (`feedback_rich.md`, a capable backend): up to ~120 words that quote what the candidate said and explain what
  is missing or wrong; the answer is in the prompt, fenced as data, and code's verdicts stay final.
"""

from __future__ import annotations

from typing import Iterator

from interviewer.llm import ChatModel, Message
from interviewer.llm.prompts import fence, render
from interviewer.text import clip_sentences

from .feedback import FLAG_NOTES
from .types import Grade, GradeTask, KeyPointResult

# Feedback: ~11.5 generated tok/s on 2 cores, so one or two short sentences (~36 tokens) is what fits the 5 s budget.
FEEDBACK_TOKENS = 36
RICH_FEEDBACK_TOKENS = 220  # ~120 words
RICH_ANSWER_CHARS = 3000
FEEDBACK_REFERENCE_CHARS = 700
FEEDBACK_EVIDENCE_CHARS = 160


def _feedback_variables(task: GradeTask) -> dict[str, str]:
    return {
        "question": task.question,
        "key_points": "\n".join(f"{i}. {p}" for i, p in enumerate(task.points, 1)),
        "reference": clip_sentences(task.reference, FEEDBACK_REFERENCE_CHARS),
    }


def _prompt(rich: bool) -> str:
    return "feedback_rich" if rich else "feedback"


def _answer_variables(answer: str = "", verdicts: str = "") -> dict[str, str]:
    return {"candidate_text": fence(answer[:RICH_ANSWER_CHARS]) if answer else "", "verdicts": verdicts}


def feedback_prefix(task: GradeTask, rich: bool = False) -> list[Message]:
    """The answer-independent start of the feedback prompt (system message and the user message's first line).
    Sent while the candidate types (ChatModel.prefill), so llama.cpp's prompt cache holds it and only the focus line
    is new at submit."""
    extra = _answer_variables() if rich else {}
    system, user = render(_prompt(rich), **_feedback_variables(task), **extra, focus="", notes="")
    first = user.content.strip().split("\n")[0]
    return [system, Message("user", first if rich else user.content.strip())]


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


def _verdicts(grade: Grade) -> str:
    return "\n".join(
        f"{i}. {'contradicted' if kp.contradicted else kp.status}: {kp.point}"
        for i, kp in enumerate(grade.key_points, 1)
    )


def feedback_messages(task: GradeTask, grade: Grade, answer: str = "", rich: bool = False) -> list[Message]:
    notes = " ".join(FLAG_NOTES[f] for f in grade.flags if f in FLAG_NOTES)
    extra = _answer_variables(answer or "(no answer)", _verdicts(grade)) if rich else {}
    return render(
        _prompt(rich),
        **_feedback_variables(task),
        **extra,
        focus=_focus_line(grade),
        notes=f"Notes: {notes}\n" if notes else "",
    )


def stream_feedback(
    task: GradeTask, grade: Grade, llm: ChatModel, answer: str = "", rich: bool = False
) -> Iterator[str]:
    tokens = RICH_FEEDBACK_TOKENS if rich else FEEDBACK_TOKENS
    yield from llm.stream(feedback_messages(task, grade, answer, rich), max_tokens=tokens)
