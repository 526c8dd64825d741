"""The gradio_client API: JSON in, JSON out, one endpoint per action (documented in README.md).

Every call after `start` takes the `session_id` it returned; a session is reachable only through that token (and,
with auth on, only by the user who started it). Text in responses is raw (not escaped): a client that renders it
as HTML must escape it.
"""

from __future__ import annotations

import json

import gradio as gr
from gradio.data_classes import FileData

from interviewer.errors import InterviewerError
from interviewer.interview.state import Action, Event, QuestionRecord, Setup, State
from interviewer.voice import VoiceError

from .sessions import Sessions, user_of, visible_report
from .voice import Voice, question_text


def _record_json(rec: QuestionRecord) -> dict:
    grade = rec.grade
    return {
        "question_id": rec.question.id,
        "score": rec.score,
        "passed": rec.passed,
        "status": rec.status,
        "key_points": [
            {
                "point": p,
                "status": rec.point_status(i),
                "evidence": grade.key_points[i].evidence if grade and i < len(grade.key_points) else "",
            }
            for i, p in enumerate(rec.question.key_points)
        ],
        "flags": list(grade.flags) if grade else [],
        "hints": len(rec.hints),
        "probes": [
            {"question": p.text, "score": p.score, "status": p.status, "skipped": p.skipped} for p in rec.probes
        ],
        "feedback_failed": rec.feedback_failed,
        "delivery": rec.delivery.model_dump() if rec.delivery else None,
    }


def step_json(token: str, state: State, events: list[Event]) -> dict:
    rec = state.current
    question = None
    if rec is not None and state.phase != "finished":
        question = {
            "number": len(state.asked),
            "total": state.total,
            "id": rec.question.id,
            "topic": rec.question.topic,
            "difficulty": rec.difficulty,
            "text": rec.question.question,
        }
    shown = {e.record.question.id for e in events if e.kind == "scorecard" and e.record is not None}
    cards = [r for r in state.records if r.question.id in shown]  # as they stand after the step
    return {
        "session_id": token,
        "phase": state.phase,
        "mode": state.setup.mode,
        "question": question,
        "messages": [
            {"kind": e.kind, "part": e.part, "text": e.text}
            for e in events
            if e.kind in ("say", "reveal", "notice", "error")
        ],
        "scorecard": _record_json(cards[-1]) if cards else None,
        "retry_feedback": bool(rec and rec.feedback_failed and state.phase == "review"),
        "finished": state.phase == "finished",
        "overall": state.overall if state.setup.mode == "study" or state.phase == "finished" else None,
    }


def user_error(message: str) -> gr.Error:
    """An error the user can act on (unknown id, busy, bad setup): shown to them, with no traceback in the log (a
    flood of bad requests would otherwise flood the log too)."""
    return gr.Error(message, print_exception=False)


def _api_error(exc: InterviewerError) -> gr.Error:
    return user_error(str(exc))


def _parse_setup(setup: dict | str | None) -> Setup:
    try:
        raw = json.loads(setup) if isinstance(setup, str) else (setup or {})
        return Setup.model_validate(raw)
    except ValueError as exc:  # json and pydantic errors
        raise user_error(f"invalid setup: {exc}") from exc


def api_start(sessions: Sessions, setup: dict, user: str | None = None) -> dict:
    """Start an interview. setup: {"banks", "topics", "difficulty", "count", "mode", "question_ids"} (all optional)."""
    try:
        token = sessions.create(_parse_setup(setup), owner=user)
        state, events = sessions.step(token, Action(kind="start"), user)
    except InterviewerError as exc:
        raise _api_error(exc) from exc
    return step_json(token, state, events)


def api_act(sessions: Sessions, kind: str, session_id: str, text: str = "", user: str | None = None) -> dict:
    if not isinstance(text, str):
        raise user_error("text must be a string")
    try:
        state, events = sessions.step(session_id, Action(kind=kind, text=text), user)
    except InterviewerError as exc:
        raise _api_error(exc) from exc
    return step_json(str(session_id).strip(), state, events)


def api_answer(
    sessions: Sessions, voice: Voice | None, session_id: str, text: str, audio: dict | None, user: str | None = None
) -> dict:
    """`/answer`: text, or a recording (transcribed; its delivery kept with the answer), or both (the text is the
    answer, e.g. a corrected transcript; the recording gives the delivery)."""
    if audio is None:
        return api_act(sessions, "answer", session_id, text, user) | {"transcript": None, "delivery": None}
    if not isinstance(text, str):
        raise user_error("text must be a string")
    path = audio.get("path") if isinstance(audio, dict) else None
    try:
        question = question_text(sessions.get(session_id, user))
        if voice is None:
            raise VoiceError("this server takes answers as text only")
        transcript = voice.transcribe(path or "", question)
        delivery = transcript.delivery
        state, events = sessions.step(
            session_id, Action(kind="answer", text=text.strip() or transcript.text, delivery=delivery), user
        )
    except InterviewerError as exc:  # VoiceError included: a message about the recording
        raise _api_error(exc) from exc
    out = step_json(str(session_id).strip(), state, events)
    return out | {"transcript": transcript.text, "delivery": delivery.model_dump()}


def api_report(sessions: Sessions, session_id: str, user: str | None = None) -> dict:
    """The report as JSON (plus its Markdown). Exam mode keeps it closed until the interview ends."""
    try:
        state = sessions.get(session_id, user)
    except InterviewerError as exc:
        raise _api_error(exc) from exc
    if state.setup.mode == "exam" and state.phase != "finished":
        raise user_error("exam mode: the report is ready when the interview ends (call end)")
    report = visible_report(state)
    return {
        "session_id": str(session_id).strip(),
        "report": json.loads(report.as_json()),
        "markdown": report.as_markdown(),
    }


def register_api(sessions: Sessions, voice: Voice | None = None) -> None:
    # Gradio fills each `request` parameter (it is not an API input): it carries the logged-in user.
    def start(setup: dict, request: gr.Request) -> dict:
        """Start an interview; returns {"session_id", "messages", ...}. Pass session_id to every later call."""
        return api_start(sessions, setup, user_of(request))

    def answer(session_id: str, request: gr.Request, text: str = "", audio: FileData | None = None) -> dict:
        """Answer the current question or follow-up: text, or audio (a recording, handle_file(path)), or both (text
        is the answer, audio gives the delivery). Adds "transcript" and "delivery" (null without audio)."""
        return api_answer(sessions, voice, session_id, text, audio, user_of(request))

    def say(session_id: str, text: str, request: gr.Request) -> dict:
        """Free text, read like the chat box: an answer, or a request ('give me a hint', 'ask me about caching')."""
        return api_act(sessions, "text", session_id, text, user_of(request))

    def make(kind: str):
        def act(session_id: str, request: gr.Request) -> dict:
            return api_act(sessions, kind, session_id, user=user_of(request))

        act.__doc__ = f"The '{kind}' button."
        return act

    def report(session_id: str, request: gr.Request) -> dict:
        """The report: {"report": {...}, "markdown": "..."}."""
        return api_report(sessions, session_id, user_of(request))

    def resume(session_id: str, request: gr.Request) -> dict:
        """Pick an unfinished interview up again (after a restart too): repeats the current question."""
        return api_act(sessions, "resume", session_id, user=user_of(request))

    for name, fn in [("start", start), ("answer", answer), ("say", say), ("report", report), ("resume", resume)]:
        gr.api(fn, api_name=name)
    for kind in ("hint", "probe", "skip", "next", "repeat", "end", "retry_feedback"):
        gr.api(make(kind), api_name=kind)
