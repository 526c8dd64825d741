"""The grading turns: the scorecard and feedback after an answer, a retry of the model's feedback, and a graded
follow-up answer. The offline grade always stands first; the model only adds feedback (and, with
settings.llm_grading, its verdicts), and any model failure falls back to the offline text with a notice."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from interviewer.errors import ModelError
from interviewer.grading import PASS_MARK
from interviewer.text import sentences

from . import replies
from .probing import contradicted, probe_task
from .speech import screened
from .state import Event, ProbeRecord, QuestionRecord, State
from .steps import MODEL_DOWN, Run, checkpoint, grade_with_fallback, model_for, notice, reveal, say, scorecard, tee

if TYPE_CHECKING:
    from .deps import Deps

log = logging.getLogger(__name__)


def show_grade(st: State, deps: "Deps", rec: QuestionRecord, force: bool = False, down: str = MODEL_DOWN) -> Run:
    """Scorecard (study mode), the model's verdicts when settings.llm_grading is on, then streamed feedback.
    A model failure anywhere keeps the offline grade and feedback, says so, and offers a retry."""
    study = st.setup.mode == "study"
    if study:
        yield scorecard(st, deps, rec)
    if deps.settings.llm_grading and model_for(st, deps, force) is not None:  # else the offline grade stands
        grade, failed = grade_with_fallback(st, deps, rec.question, rec.answer, force)
        rec.feedback_failed = failed
        if not failed and grade != rec.grade:
            rec.grade = grade
            yield checkpoint(st)
            if study:
                yield scorecard(st, deps, rec)
    assert rec.grade is not None
    if not study:  # exam mode: feedback only in the report
        rec.feedback = rec.grade.feedback
        if rec.feedback_failed:
            yield notice(st, deps, down)
        return
    llm = None if rec.feedback_failed else model_for(st, deps, force)
    raw: list[str] = []
    try:
        pieces = tee(deps.feedback_fn(rec.question, rec.answer, rec.grade, llm), raw)
        if llm is None:  # the offline feedback, whole
            yield Event(kind="chunk", part="feedback", text="".join(pieces))
            rec.feedback = "".join(raw).strip() or rec.grade.feedback
        else:  # whole sentences only, none of them a question: what streams is what stays
            kept: list[str] = []
            for sentence in screened(pieces, None, clean=False, strict=False):
                yield Event(kind="chunk", part="feedback", text=(" " if kept else "") + sentence)
                kept.append(sentence)
            rec.feedback = " ".join(kept) or rec.grade.feedback
            st.model_failures = 0
    except ModelError as exc:
        log.warning("the model's feedback failed; showing the offline feedback: %s", exc)
        rec.feedback, rec.feedback_failed = rec.grade.feedback, True
        st.model_failures += 1
    if llm is None and deps.llm is not None:  # the breaker is open: offline until a retry gets through
        rec.feedback_failed = True
    if rec.feedback_failed:
        yield notice(st, deps, down)
    yield say(st, deps, "feedback", rec.feedback)
    yield reveal(st, deps, rec)


def retry_feedback(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase != "review" or rec is None or rec.status != "answered":
        yield say(st, deps, "nudge", "There's no graded answer to retry yet.")
    elif deps.llm is None:
        yield notice(st, deps, "No language model is configured, so the offline grade is final.")
    else:
        rec.feedback_failed = False
        yield from show_grade(
            st,
            deps,
            rec,
            force=True,
            down="The model still isn't responding; the offline grade stands. Try again later.",
        )
        yield checkpoint(st)
        if st.setup.mode == "exam" and not rec.feedback_failed:
            yield say(st, deps, "nudge", "Re-graded with the model; you'll see the result in the report.")


def grade_probe(st: State, deps: "Deps", rec: QuestionRecord, text: str) -> Run:
    probe = rec.open_probe
    assert probe is not None
    probe.answer = text
    if st.reference_visible:  # the model answer is on screen: pasting it back earns nothing
        copied = deps.guard(rec.question).copied(text)
        probe.copied = bool(copied)
        text = " ".join(s for s in sentences(text) if s not in copied) if copied else text
    failed = False
    if probe.copied and len(text.split()) < 3:
        probe.score, probe.status = 0.0, "missed"
    else:
        grade, failed = grade_with_fallback(st, deps, probe_task(rec.question, probe), text)
        judge_probe(rec, probe, grade)
    if probe.key_point is not None and probe.status == "covered" and probe.key_point not in rec.covered_by_probe:
        rec.covered_by_probe.append(probe.key_point)
    st.phase = "review"
    yield checkpoint(st)
    if failed:
        yield notice(st, deps, "The language model didn't respond, so the follow-up was graded offline.")
    if st.setup.mode == "study":
        yield scorecard(st, deps, rec)
    yield say(st, deps, "probe_result", replies.probe_result(rec, st.setup.mode))


def judge_probe(rec: QuestionRecord, probe: ProbeRecord, grade) -> None:
    """The probe's score and its verdict on the targeted point (the grader's own, else from the score)."""
    probe.score = grade.score
    target = rec.question.key_points[probe.key_point] if probe.key_point is not None else None
    judged = [kp for kp in grade.key_points if kp.point == target]
    if judged:
        probe.status = "missed" if contradicted(judged[0]) else judged[0].status
        probe.evidence = judged[0].evidence
    else:
        probe.status = "covered" if grade.score >= PASS_MARK else "partly" if grade.score >= 3 else "missed"
