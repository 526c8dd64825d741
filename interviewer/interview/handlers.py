"""The transitions behind session.step: one handler per candidate action, each a generator of Events.

`dispatch` cleans the input, classifies free text (intent.py), records the candidate's turn and calls the handler
for the action in the current phase. Model calls go through flow.speak (streamed, guarded, with an offline
fallback); answers are graded offline first (flow.grade_with_fallback adds the model's verdicts when
settings.llm_grading is on) and feedback falls back to the offline text, so no handler can fail on the model.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from interviewer.errors import ModelError
from interviewer.grading import PASS_MARK
from interviewer.knowledge.bank import Question
from interviewer.safety.cleaning import clean_input
from interviewer.safety.leak import LeakGuard
from interviewer.text import whole_sentences

from . import replies
from .actions import MAX_HINTS, MAX_PROBES
from .intent import classify
from .state import Action, Event, QuestionRecord, State
from .steps import (
    MODEL_DOWN,
    Run,
    adapt,
    add_turn,
    advance,
    ask,
    checkpoint,
    choose_probe,
    finish,
    grade_with_fallback,
    model_for,
    notice,
    pick_next,
    probe_task,
    reveal,
    say,
    scorecard,
    speak,
    tee,
)

if TYPE_CHECKING:
    from .deps import Deps

log = logging.getLogger(__name__)
_NOT_AN_ANSWER = ("extraction_attempt", "clarify", "hint")
MIN_TOPIC_SCORE = 0.25  # cosine similarity below which "ask me about X" finds nothing


def _after(st: State, deps: "Deps", rec: QuestionRecord, lead: str, part: str = "nudge") -> Event:
    return say(st, deps, part, lead + replies.after_answer(rec, st.setup.mode, lead=False))


def _start(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    if st.phase != "idle":
        yield from _resume(st, deps)
        return
    yield from speak(st, deps, replies.greeting(st, sorted({p.topic for p in st.pool})))
    yield say(st, deps, "help", replies.help_text(st.setup.mode))
    yield from advance(st, deps)


def _resume(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    if st.phase == "idle":
        yield from _start(st, deps)
        return
    yield say(st, deps, "resume", "Welcome back! Let's pick up where we left off.")
    rec = st.current
    if st.phase == "review" and rec and rec.status == "answered" and not rec.feedback and st.setup.mode == "study":
        yield say(st, deps, "question", rec.question.question, rec)
        yield from _show_grade(st, deps, rec)  # stopped before its feedback was shown
        yield _after(st, deps, rec, "", part="next")
        return
    yield from _repeat(st, deps)


def _repeat(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase == "finished" or rec is None:
        yield say(st, deps, "goodbye", replies.goodbye(st))
        yield Event(kind="finished", text=f"{st.overall:.1f}")
    elif st.phase == "probe" and rec.open_probe:
        yield say(st, deps, "probe", rec.open_probe.text, rec)
    else:
        yield say(st, deps, "question", rec.question.question, rec)
        if st.phase == "review":
            yield _after(st, deps, rec, "", part="next")


def _answer(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "review":
        yield _after(st, deps, rec, "You've already answered this question. ")
    elif st.phase == "probe":
        yield from _grade_probe(st, deps, rec, text)
    else:
        rec.answer, rec.feedback_failed = text, False
        rec.grade = deps.grade_fn(rec.question, text, None)  # offline: the scorecard never waits on the model
        rec.status, st.phase = "answered", "review"
        adapt(st, rec)
        yield checkpoint(st)
        yield from _show_grade(st, deps, rec)
        yield say(st, deps, "next", replies.after_answer(rec, st.setup.mode))


def _show_grade(st: State, deps: "Deps", rec: QuestionRecord, force: bool = False, down: str = MODEL_DOWN) -> Run:
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
        for piece in tee(deps.feedback_fn(rec.question, rec.answer, rec.grade, llm), raw):
            yield Event(kind="chunk", part="feedback", text=piece)
        rec.feedback = whole_sentences("".join(raw)) or rec.grade.feedback
        if llm is not None:
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


def _retry_feedback(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase != "review" or rec is None or rec.status != "answered":
        yield say(st, deps, "nudge", "There's no graded answer to retry yet.")
    elif deps.llm is None:
        yield notice(st, deps, "No language model is configured, so the offline grade is final.")
    else:
        rec.feedback_failed = False
        yield from _show_grade(
            st,
            deps,
            rec,
            force=True,
            down="The model still isn't responding; the offline grade stands. Try again later.",
        )
        yield checkpoint(st)
        if st.setup.mode == "exam" and not rec.feedback_failed:
            yield say(st, deps, "nudge", "Re-graded with the model; you'll see the result in the report.")


def _grade_probe(st: State, deps: "Deps", rec: QuestionRecord, text: str) -> Run:
    probe = rec.open_probe
    assert probe is not None
    probe.answer = text
    grade, failed = grade_with_fallback(st, deps, probe_task(rec.question, probe), text)
    probe.score = grade.score
    target = rec.question.key_points[probe.key_point] if probe.key_point is not None else None
    judged = [kp.status for kp in grade.key_points if kp.point == target]
    if judged:  # the grader judged the targeted point itself
        probe.status = judged[0]
    else:
        probe.status = "covered" if grade.score >= PASS_MARK else "partly" if grade.score >= 3 else "missed"
    if probe.key_point is not None and probe.status == "covered" and probe.key_point not in rec.covered_by_probe:
        rec.covered_by_probe.append(probe.key_point)
    st.phase = "review"
    yield checkpoint(st)
    if failed:
        yield notice(st, deps, "The language model didn't respond, so the follow-up was graded offline.")
    if st.setup.mode == "study":
        yield scorecard(st, deps, rec)
    yield say(st, deps, "probe_result", replies.probe_result(rec, st.setup.mode))


def _probe(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "question":
        yield say(st, deps, "nudge", "Answer the question first; then I can probe deeper.")
    elif st.phase == "probe":
        yield from _repeat(st, deps)
    elif rec.status != "answered":
        yield say(st, deps, "nudge", "You skipped that one, so there's nothing to probe. Say 'next' to move on.")
    elif len(rec.probes) >= MAX_PROBES:
        yield say(st, deps, "nudge", "We've gone deep enough on this one. Say 'next' to move on.")
    else:
        probe, line = choose_probe(rec)
        rec.probes.append(probe)
        st.phase = "probe"
        if line is None:
            yield say(st, deps, "probe", probe.text, rec)
        else:
            guard = None if st.reference_visible else LeakGuard(rec.question)
            probe.text = yield from speak(st, deps, line, guard)
            probe.source = "offline" if probe.text == line.fallback else "llm"


def _hint(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "probe":
        yield say(st, deps, "nudge", "Hints are for the main question. Give the follow-up a go, or say 'skip'.")
    elif st.phase != "question":
        yield _after(st, deps, rec, "This question is already answered. ")
    elif len(rec.hints) >= MAX_HINTS:
        yield say(
            st,
            deps,
            "nudge",
            f"That was the last hint for this question ({MAX_HINTS} at most). Give it your best shot, or say 'skip'.",
        )
    else:
        line = replies.hint(rec.question, len(rec.hints) + 1)
        rec.hints.append((yield from speak(st, deps, line, LeakGuard(rec.question))))


def _clarify(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    about = rec.open_probe.text if st.phase == "probe" and rec.open_probe else rec.question.question
    if st.phase in ("question", "probe"):
        rec.clarifications += 1
    guard = None if st.reference_visible else LeakGuard(rec.question)
    yield from speak(st, deps, replies.clarify(rec.question, text, about), guard)


def _skip(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    assert rec is not None
    if st.phase == "question":
        rec.status = "skipped"
        adapt(st, rec)
        yield checkpoint(st)
        if st.setup.mode == "study":
            yield reveal(st, deps, rec)
        yield from advance(st, deps, "OK, we'll skip that one.")
    elif st.phase == "probe" and rec.open_probe:
        rec.open_probe.skipped, st.phase = True, "review"
        yield _after(st, deps, rec, "OK, we'll leave the follow-up there. ")
    else:
        yield from advance(st, deps)


def _next(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.phase == "question":
        yield say(st, deps, "nudge", "To move on without answering, say 'skip' (the question then scores 0).")
        return
    if st.phase == "probe" and rec and rec.open_probe:
        rec.open_probe.skipped = True
    yield from advance(st, deps)


def _ask_about(st: State, deps: "Deps", text: str, topic: str = "") -> Run:
    topic = (topic or text).strip()
    rec = st.current
    named = [p for p in st.pool if p.topic.lower() == topic.lower() and p.id not in st.asked_ids]
    pick: Question | None = None
    if named:
        pick = pick_next(st.model_copy(update={"pool": named}), deps.index)
    if pick is None and topic:
        hits = deps.index.search(topic, k=10)
        fresh = [h.question for h in hits if h.score >= MIN_TOPIC_SCORE and h.question.id not in st.asked_ids]
        pick = fresh[0] if fresh else None
    if pick is None:
        yield say(
            st,
            deps,
            "nudge",
            f"I don't have another question on {topic!r}. Let's carry on."
            if topic
            else "Which topic? Say 'ask me about <topic>'.",
        )
        yield from _repeat(st, deps)
        return
    if st.phase == "question" and rec is not None:
        rec.status = "skipped" if rec.hints else "replaced"  # hints seen: it counts, as a skip
        if rec.status == "skipped" and len(st.asked) >= st.total:
            st.total += 1
    else:
        if rec is not None and rec.open_probe:
            rec.open_probe.skipped = True
        if len(st.asked) >= st.total:
            st.total += 1
    yield from ask(st, deps, pick, f"Sure, let's talk about {topic}.")


def _end(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    yield from finish(st, deps)


def _refuse(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    rec = st.current
    if st.reference_visible and rec is not None:
        yield say(st, deps, "nudge", "You've answered this one, so here is the model answer again.")
        yield reveal(st, deps, rec)
    else:
        yield say(st, deps, "refusal", replies.refusal(st.setup.mode))


def _help(st: State, deps: "Deps", text: str = "", topic: str = "") -> Run:
    yield say(st, deps, "help", replies.help_text(st.setup.mode))


HANDLERS: dict[str, Callable[..., Run]] = {
    "answer": _answer,
    "clarify": _clarify,
    "hint": _hint,
    "probe": _probe,
    "skip": _skip,
    "next": _next,
    "repeat": _repeat,
    "end": _end,
    "ask_about": _ask_about,
    "extraction_attempt": _refuse,
    "retry_feedback": _retry_feedback,
    "help": _help,
}


def dispatch(st: State, action: Action, deps: "Deps") -> Run:
    if action.kind in ("start", "resume"):
        yield from (_start if action.kind == "start" else _resume)(st, deps)
        return
    cleaned = clean_input(action.text)
    kind, text, topic, forced = action.kind, cleaned.text, "", False
    if kind == "text":
        intent = classify(text)
        kind, topic = intent.kind, intent.topic
        forced = kind == "answer" and intent.text != text
        text = intent.text if kind == "answer" else text
    elif kind == "answer" and classify(text).kind in _NOT_AN_ANSWER:
        kind = classify(text).kind  # the Answer button with a short request: treat it as the request
    if kind in ("text", "empty") or (kind in ("answer", "clarify") and not text):
        what = "question" if kind == "clarify" else "answer"
        yield Event(kind="error", text=f"Your message is empty. Type your {what}, or say 'skip' to move on.")
        return
    if st.phase == "idle":
        yield Event(kind="error", text="The interview hasn't started yet: start it first.")
        return
    for text_notice in cleaned.notices:
        yield notice(st, deps, text_notice)
    add_turn(st, deps, "candidate", kind, text or f"[{kind}]")
    if st.phase == "finished":
        yield say(st, deps, "nudge", "This interview has finished; your report is ready. Start a new one to practise.")
        yield Event(kind="finished", text=f"{st.overall:.1f}")
    elif kind == "answer" and action.kind == "text" and not forced and len(text.split()) < 3 and st.phase != "review":
        yield say(
            st,
            deps,
            "nudge",
            "Is that your whole answer? To submit it as it is, send it again starting "
            "with 'Answer:'. Or ask for a hint, or say 'skip'.",
        )
    else:
        yield from HANDLERS[kind](st, deps, text, topic)
