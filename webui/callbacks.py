"""UI callbacks: each turns a user action into Sessions/Store calls and returns component updates (dicts keyed
by the components in `Ui`). No interview logic here: that is interviewer.session.

`user` is the logged-in user when the app runs with auth (app._wire passes it from the gr.Request), else None: a
user reaches and lists only the sessions they started."""

from __future__ import annotations

import logging
from typing import Iterator

import gradio as gr
import pandas as pd

from interviewer.errors import InterviewerError
from interviewer.interview.actions import allowed_actions
from interviewer.interview.deps import Deps
from interviewer.interview.state import Action, Setup, State
from interviewer.store import Store

from .api import user_error
from .render import (
    TIPS,
    chat_messages,
    report_questions_html,
    report_summary_html,
    side_html,
    topic_frame,
    turn_lines,
    write_exports,
)
from .sessions import SessionBusy, Sessions, visible_report
from .voice import delivery_for

log = logging.getLogger("interviewer.app")


class Ui:
    """The app's components, filled in by app.build_app; callbacks return updates keyed by them."""

    tabs: gr.Tabs
    setup_view: gr.Column
    interview_view: gr.Row
    chat: gr.Chatbot
    side: gr.HTML
    composer: gr.Textbox
    retry: gr.Button
    buttons: dict[str, gr.Button]
    token: gr.State
    browser: gr.BrowserState
    banner: gr.Row
    banner_text: gr.Markdown
    report_empty: gr.Markdown
    report_view: gr.Column
    report_head: gr.HTML
    report_plot: gr.BarPlot
    report_questions: gr.HTML
    download_md: gr.DownloadButton
    download_json: gr.DownloadButton
    speech: gr.Audio  # the interviewer's lines read aloud (webui/voice.py)
    spoken: gr.State  # the last recording: {"transcript", "delivery"}
    # inputs and triggers (wired in app._wire)
    bank_in: gr.Dropdown
    topic_in: gr.Dropdown
    difficulty_in: gr.Radio
    mode_in: gr.Radio
    count_in: gr.Slider
    start: gr.Button
    send: gr.Button
    to_report: gr.Button
    new: gr.Button
    banner_resume: gr.Button
    banner_dismiss: gr.Button
    history_tab: gr.Tab
    history_ids: gr.State
    selected: gr.State
    picked: gr.Markdown
    open_report: gr.Button
    resume: gr.Button
    retry_weak: gr.Button
    refresh: gr.Button
    table: gr.Dataframe
    trend: gr.LinePlot
    mic: gr.Audio
    read_aloud: gr.Checkbox

    def view_outputs(self) -> list:
        return [
            self.tabs,
            self.setup_view,
            self.interview_view,
            self.chat,
            self.side,
            self.composer,
            self.retry,
            self.token,
            self.browser,
            self.banner,
            self.spoken,
            *self.buttons.values(),
        ]

    def report_outputs(self) -> list:
        return [
            self.tabs,
            self.report_empty,
            self.report_view,
            self.report_head,
            self.report_plot,
            self.report_questions,
            self.download_md,
            self.download_json,
        ]


def _controls(ui: Ui, state: State | None) -> dict:
    allowed = allowed_actions(state) if state else []
    out = {button: gr.update(interactive=kind in allowed) for kind, button in ui.buttons.items()}
    out[ui.retry] = gr.update(visible="retry_feedback" in allowed)
    out[ui.composer] = gr.update(interactive=state is None or state.phase != "finished", value="")
    out[ui.spoken] = None  # a recording belongs to the message it was sent with
    return out


def stream_view(
    sessions: Sessions, ui: Ui, token: str, action: Action, echo: str = "", user: str | None = None
) -> Iterator[dict]:
    """Run one step and stream it into the chat; the side panel updates as soon as a scorecard arrives."""
    lines: list[tuple[str, str, str]] | None = None
    live: dict[str, int] = {}
    for event, state in sessions.run(token, action, user):
        if lines is None:
            lines = turn_lines(state) + (
                [("candidate", action.kind, echo or f"[{action.kind}]")]
                if echo or action.kind not in ("start", "resume")
                else []
            )
        if event is None:  # done: the saved transcript is the truth
            yield {ui.chat: chat_messages(turn_lines(state)), ui.side: side_html(state), **_controls(ui, state)}
            return
        if event.kind == "chunk":
            if event.part not in live:
                live[event.part] = len(lines)
                lines.append(("interviewer", event.part, ""))
            speaker, kind, text = lines[live[event.part]]
            lines[live[event.part]] = (speaker, kind, text + event.text)
        elif event.kind == "say":
            if event.part in live:
                lines[live.pop(event.part)] = ("interviewer", event.part, event.text)
            else:
                lines.append(("interviewer", event.part, event.text))
        elif event.kind == "reveal":
            lines.append(("interviewer", "reveal", event.text))
        elif event.kind == "notice":
            lines.append(("system", "notice", event.text))
        elif event.kind == "error":
            gr.Warning(event.text)
            continue
        elif event.kind == "scorecard" and event.record is not None:
            yield {ui.side: side_html(state, event.record)}
            continue
        else:
            continue
        yield {ui.chat: chat_messages(lines)}


def _state(sessions: Sessions, token: str, user: str | None = None) -> State:
    """The session's state, or a message the user can act on."""
    try:
        return sessions.get(token, user)
    except InterviewerError as exc:
        raise user_error(str(exc)) from exc


def _opened(ui: Ui, token: str) -> dict:
    return {
        ui.tabs: gr.Tabs(selected="interview"),
        ui.setup_view: gr.Column(visible=False),
        ui.interview_view: gr.Row(visible=True),
        ui.token: token,
        ui.browser: token,
        ui.banner: gr.Row(visible=False),
    }


def on_start(
    sessions: Sessions,
    ui: Ui,
    banks: list[str],
    topics: list[str],
    difficulty: str,
    count: float,
    mode: str,
    user: str | None = None,
) -> Iterator[dict]:
    try:
        setup = Setup(banks=banks or [], topics=topics or [], difficulty=difficulty, count=int(count), mode=mode)
        token = sessions.create(setup, owner=user)
    except InterviewerError as exc:
        raise user_error(str(exc)) from exc
    yield _opened(ui, token) | {ui.chat: [], ui.side: TIPS}
    yield from stream_view(sessions, ui, token, Action(kind="start"), user=user)


def on_act(
    sessions: Sessions,
    ui: Ui,
    kind: str,
    token: str,
    text: str = "",
    spoken: dict | None = None,
    user: str | None = None,
) -> Iterator[dict]:
    if not token:
        raise user_error("Start an interview first.")
    if kind == "text" and not text.strip():
        gr.Warning("Your message is empty. Type your answer, or use the buttons below.")
        return
    try:
        action = Action(kind=kind, text=text, delivery=delivery_for(spoken, text) if kind == "text" else None)
        yield from stream_view(sessions, ui, token, action, echo=text, user=user)
    except SessionBusy as exc:
        gr.Warning(str(exc).capitalize())
    except InterviewerError as exc:
        raise user_error(str(exc)) from exc


def on_resume(sessions: Sessions, ui: Ui, token: str, user: str | None = None) -> Iterator[dict]:
    _state(sessions, token, user)
    yield _opened(ui, token) | {ui.chat: []}
    yield from stream_view(sessions, ui, token, Action(kind="resume"), user=user)


def on_new(ui: Ui) -> dict:
    return {
        ui.setup_view: gr.Column(visible=True),
        ui.interview_view: gr.Row(visible=False),
        ui.token: "",
        ui.tabs: gr.Tabs(selected="interview"),
    }


def show_report(sessions: Sessions, ui: Ui, token: str, only_if_finished: bool = True, user: str | None = None) -> dict:
    """Fill the Report tab (and switch to it) once the interview has finished."""
    if not token:
        return {ui.tabs: gr.skip()}
    state = _state(sessions, token, user)
    if only_if_finished and state.phase != "finished":
        return {ui.tabs: gr.skip()}
    if state.setup.mode == "exam" and state.phase != "finished":
        gr.Info("Exam mode: the report opens when the interview ends.")
        return {ui.tabs: gr.skip()}
    report = visible_report(state)
    md, js = write_exports(report)
    return {
        ui.tabs: gr.Tabs(selected="report"),
        ui.report_empty: gr.Markdown(visible=False),
        ui.report_view: gr.Column(visible=True),
        ui.report_head: report_summary_html(report),
        ui.report_plot: topic_frame(report),
        ui.report_questions: report_questions_html(report),
        ui.download_md: gr.DownloadButton(value=md, visible=True),
        ui.download_json: gr.DownloadButton(value=js, visible=True),
    }


def on_load(sessions: Sessions, ui: Ui, saved: str, user: str | None = None) -> dict:
    """A returning browser: offer to resume its unfinished interview (the token survives reloads and restarts)."""
    try:
        state = sessions.get(saved, user) if saved else None
    except InterviewerError:
        state = None
    if state is None or state.phase in ("finished", "idle"):
        return {ui.banner: gr.Row(visible=False)}
    text = (
        f"**You have an unfinished interview** from {state.started_at:%Y-%m-%d %H:%M}: "
        f"{len(state.done_records)} of {state.total} questions done."
    )
    return {ui.banner: gr.Row(visible=True), ui.banner_text: text}


def history_frames(store: Store, user: str | None = None) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    rows, ids = [], []
    for s in store.list_sessions(limit=100, owner=user):
        status = "finished" if s.finished else ("in progress" if s.phase != "idle" else "not started")
        rows.append(
            {
                "Started": f"{s.started_at:%Y-%m-%d %H:%M}",
                "Status": status,
                "Mode": s.mode,
                "Answered": f"{s.answered} of {s.total}",
                "Score": round(s.overall, 1),
                "Topics": ", ".join(s.topics),
            }
        )
        ids.append(s.id)
    table = pd.DataFrame(rows, columns=["Started", "Status", "Mode", "Answered", "Score", "Topics"])
    points = store.topic_trend(owner=user)
    order = {sid: n for n, sid in enumerate(dict.fromkeys(p.session_id for p in points), 1)}  # chronological
    label = {sid: f"{at:%m-%d %H:%M} #{order[sid]}" for sid, at in ((p.session_id, p.at) for p in points)}
    trend = pd.DataFrame(
        {
            "interview": [label[p.session_id] for p in points],
            "topic": [p.topic for p in points],
            "score": [p.score for p in points],
        }
    )
    return table, ids, trend


def on_history(store: Store, user: str | None = None) -> tuple[pd.DataFrame, list[str], pd.DataFrame, str, str]:
    table, ids, trend = history_frames(store, user)
    hint = "Pick an interview in the table to open its report or resume it." if ids else "No interviews yet."
    return table, ids, trend, "", hint


def on_history_select(ids: list[str], evt: gr.SelectData) -> tuple[str, str]:
    row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
    sid = ids[row] if ids and 0 <= row < len(ids) else ""
    return sid, f"Selected: session `{sid}`" if sid else ""


def on_history_report(sessions: Sessions, ui: Ui, sid: str, user: str | None = None) -> dict:
    if not sid:
        raise user_error("Pick a session in the table first.")
    token = sessions.token(sid)
    state = _state(sessions, token, user)
    if state.setup.mode == "exam" and state.phase != "finished":
        raise user_error("That exam isn't finished: resume it, and the report opens when it ends.")
    return show_report(sessions, ui, token, only_if_finished=False, user=user)


def on_history_resume(sessions: Sessions, ui: Ui, sid: str, user: str | None = None) -> Iterator[dict]:
    if not sid:
        raise user_error("Pick a session in the table first.")
    token = sessions.token(sid)
    if _state(sessions, token, user).phase == "finished":
        raise user_error("That interview has finished: open its report instead.")
    yield from on_resume(sessions, ui, token, user)


def on_retry_weak(sessions: Sessions, ui: Ui, store: Store, user: str | None = None) -> Iterator[dict]:
    try:
        setup = Setup.retry(store.weak_questions(owner=user), mode="study")
        if setup is None:
            raise user_error("No weak questions yet: every question you've answered has passed. Try a new interview.")
        token = sessions.create(setup, owner=user)
    except InterviewerError as exc:
        raise user_error(str(exc)) from exc
    yield _opened(ui, token) | {ui.chat: [], ui.side: TIPS}
    yield from stream_view(sessions, ui, token, Action(kind="start"), user=user)


def bank_choices(deps: Deps) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    titles: dict[str, str] = {}
    try:
        from interviewer.knowledge.bank import load_banks

        titles = {
            b.id: b.title for b in load_banks([deps.settings.knowledge_dir] if deps.settings.knowledge_dir else None)
        }
    except InterviewerError as exc:  # the index still works; show bank ids instead of titles
        log.warning("bank titles unavailable: %s", exc)
    topics: dict[str, set[str]] = {}
    for q in deps.index.all():
        topics.setdefault(q.bank, set()).add(q.topic)
    banks = [(titles.get(b, b), b) for b in sorted(topics, key=lambda b: titles.get(b, b))]
    return banks, {b: sorted(t) for b, t in topics.items()}


def topics_for(by_bank: dict[str, list[str]], banks: list[str]) -> dict:
    chosen = banks or list(by_bank)
    return gr.Dropdown(choices=sorted({t for b in chosen for t in by_bank.get(b, [])}), value=[])
