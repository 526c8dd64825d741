"""The web app: Gradio layout and wiring only. The interview is interviewer.session (a pure state machine), history
is interviewer.store and the report interviewer.report; webui/ holds the callbacks, rendering, per-user sessions
and the gradio_client API.

    build_app(deps, store) -> gr.Blocks    # what tests launch
    launch(demo, settings, **launch_kw)    # queue with settings.concurrency, theme, css, auth; never share
    main(argv)                             # builds Deps once, serves settings.host:settings.port, closes the LLM

    python app.py [--host 0.0.0.0] [--port 7860] [--auth user:password]   # flags override INTERVIEWER_* settings

Each browser tab holds its session token in gr.State (and in gr.BrowserState, so a reload or a restart can resume).
"""

from __future__ import annotations

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import hmac  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable, Sequence  # noqa: E402

import gradio as gr  # noqa: E402
import pandas as pd  # noqa: E402

from interviewer.config import Settings, get_settings  # noqa: E402
from interviewer.errors import ConfigError  # noqa: E402
from interviewer.interview.deps import Deps, build_deps  # noqa: E402
from interviewer.store import Store  # noqa: E402
from webui import callbacks as cb  # noqa: E402
from webui.api import register_api  # noqa: E402
from webui.render import TIPS, backend_text, esc, header_html  # noqa: E402
from webui.sessions import Sessions, app_secret, user_of  # noqa: E402
from webui.voice import Voice, on_record, on_speak, on_toggle, voice_controls  # noqa: E402

CSS = (Path(__file__).parent / "webui" / "style.css").read_text(encoding="utf-8")
FONTS = ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"]  # no web fonts: offline
ACTIONS = {
    "hint": "Hint",
    "probe": "Probe me",
    "skip": "Skip",
    "next": "Next question",
    "repeat": "Repeat",
    "end": "End interview",
}
DIFFICULTIES = [("Adaptive", "adaptive"), ("Easy", "1"), ("Medium", "2"), ("Hard", "3")]
MODES = [("Study: feedback after each answer", "study"), ("Exam: feedback at the end", "exam")]
HOW_IT_WORKS = (
    '<div class="iv-card"><div class="iv-kicker">How it works</div><ol>'
    "<li>Answer each question as you would in a real interview.</li>"
    "<li>Ask for a hint, a follow-up probe, or to skip, with the buttons or in your own words.</li>"
    "<li>Each answer is graded against the key points of a written rubric, with the sentences of yours "
    "that cover them.</li><li>Finish with a report: scores per topic, what to study next, Markdown and "
    "JSON exports.</li></ol></div>"
)
PRIVATE = {"api_visibility": "private"}  # UI events stay out of the documented API (see webui/api.py)


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="violet",
        neutral_hue="slate",
        font=FONTS,
        font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
    )


def _setup_panel(ui: cb.Ui, banks: list[tuple[str, str]], topics: list[str], backend: str) -> None:
    with gr.Column(visible=True) as ui.setup_view, gr.Row(equal_height=False):
        with gr.Column(scale=3, elem_id="iv-setup-card"):
            gr.Markdown("### Set up your interview")
            with gr.Row():
                ui.bank_in = gr.Dropdown(
                    banks,
                    value=[],
                    multiselect=True,
                    label="Question banks",
                    info="Empty = all banks",
                    elem_id="setup-banks",
                )
                ui.topic_in = gr.Dropdown(
                    topics,
                    value=[],
                    multiselect=True,
                    label="Topics",
                    info="Empty = all topics",
                    elem_id="setup-topics",
                )
            with gr.Row():
                ui.difficulty_in = gr.Radio(
                    DIFFICULTIES,
                    value="adaptive",
                    label="Difficulty",
                    info="Adaptive moves up after strong answers, down after weak ones",
                )
                ui.mode_in = gr.Radio(MODES, value="study", label="Mode", elem_id="setup-mode")
            ui.count_in = gr.Slider(1, 15, value=5, step=1, label="Number of questions", elem_id="setup-count")
            ui.start = gr.Button("Start interview", variant="primary", size="lg", elem_id="start")
        with gr.Column(scale=2):
            gr.HTML(
                f'<div class="iv-card"><div class="iv-kicker">Language model</div><div>{esc(backend)}</div>'
                '<div class="iv-meta">If the model fails mid-answer you still get the offline grade, and can '
                "retry the feedback.</div></div>"
            )
            gr.HTML(HOW_IT_WORKS)


def _interview_panel(ui: cb.Ui, voice: Voice) -> None:
    with gr.Row(visible=False, equal_height=False) as ui.interview_view:
        with gr.Column(scale=3):
            ui.chat = gr.Chatbot(
                elem_id="chat",
                height=540,
                show_label=False,
                layout="bubble",
                group_consecutive_messages=False,
                buttons=["copy_all"],
                placeholder="The interviewer is getting ready…",
            )
            with gr.Row(equal_height=True):
                ui.composer = gr.Textbox(
                    placeholder="Type your answer… (Enter sends, Shift+Enter for a new line)",
                    show_label=False,
                    lines=1,
                    max_lines=12,
                    scale=8,
                    elem_id="composer",
                    autofocus=True,
                )
                ui.send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="send")
            voice_controls(ui, voice)
            with gr.Row(elem_id="iv-actions"):
                ui.buttons = {
                    kind: gr.Button(
                        label,
                        size="sm",
                        elem_id=f"btn-{kind}",
                        interactive=False,
                        variant="stop" if kind == "end" else "secondary",
                    )
                    for kind, label in ACTIONS.items()
                }
            ui.retry = gr.Button(
                "Retry feedback with the model", visible=False, size="sm", variant="primary", elem_id="btn-retry"
            )
        with gr.Column(scale=2, min_width=300):
            with gr.Row():
                ui.to_report = gr.Button("View report", size="sm", elem_id="btn-report")
                ui.new = gr.Button("New interview", size="sm", elem_id="btn-new")
            ui.side = gr.HTML(TIPS, elem_id="side")


def _report_tab(ui: cb.Ui) -> None:
    ui.report_empty = gr.Markdown("Finish an interview (or open one from **History**) to see its report.")
    with gr.Column(visible=False) as ui.report_view:
        ui.report_head = gr.HTML(elem_id="report-head")
        with gr.Row(equal_height=False):
            ui.report_plot = gr.BarPlot(
                pd.DataFrame({"topic": [], "score": [], "result": []}),
                x="topic",
                y="score",
                color="result",
                color_map={"pass": "#10b981", "below pass": "#f59e0b"},
                y_lim=[0, 10],
                title="Score by topic",
                height=260,
                scale=3,
                y_title="score /10",
                x_title="",
            )
            with gr.Column(scale=1, min_width=200):
                gr.Markdown("**Export**")
                ui.download_md = gr.DownloadButton(
                    "Download Markdown", visible=False, variant="primary", elem_id="download-md"
                )
                ui.download_json = gr.DownloadButton("Download JSON", visible=False, elem_id="download-json")
        ui.report_questions = gr.HTML(elem_id="report-questions")


def _history_tab(ui: cb.Ui) -> None:
    ui.history_ids, ui.selected = gr.State([]), gr.State("")
    with gr.Row(equal_height=True):
        ui.picked = gr.Markdown(elem_id="history-picked")
        ui.open_report = gr.Button("Open report", size="sm", scale=0, min_width=120, elem_id="history-open")
        ui.resume = gr.Button("Resume", size="sm", scale=0, min_width=100, elem_id="history-resume")
        ui.retry_weak = gr.Button(
            "Retry weak questions", variant="primary", size="sm", scale=0, min_width=180, elem_id="retry-weak"
        )
        ui.refresh = gr.Button("Refresh", size="sm", scale=0, min_width=90)
    ui.table = gr.Dataframe(
        interactive=False,
        wrap=True,
        max_height=360,
        elem_id="history-table",
        column_widths=["16%", "11%", "8%", "10%", "8%", "47%"],
    )
    ui.trend = gr.LinePlot(
        pd.DataFrame({"interview": [], "topic": [], "score": []}),
        x="interview",
        y="score",
        color="topic",
        y_lim=[0, 10],
        title="Score trend by topic",
        height=280,
        x_title="interview",
        y_title="score /10",
    )


def _as_user(fn: Callable, *bound: Any, **options: Any) -> Callable:
    """`fn(*bound, *inputs, **options, user=...)` as a Gradio callback: Gradio fills the annotated `request`
    parameter, which carries the logged-in user (None without auth)."""
    if inspect.isgeneratorfunction(fn):

        def stream(request: gr.Request, *inputs: Any) -> Any:
            yield from fn(*bound, *inputs, **options, user=user_of(request))

        return stream

    def call(request: gr.Request, *inputs: Any) -> Any:
        return fn(*bound, *inputs, **options, user=user_of(request))

    return call


def _wire_voice(ui: cb.Ui, sessions: Sessions, voice: Voice) -> None:
    record = dict(fn=_as_user(on_record, voice, sessions, ui), inputs=[ui.token, ui.mic, ui.composer], **PRIVATE)
    for trigger in (ui.mic.stop_recording, ui.mic.upload):
        trigger(outputs=[ui.composer, ui.spoken, ui.mic], **record)
    ui.mic.start_recording(lambda: voice.warm("stt"), None, None, **PRIVATE)
    ui.read_aloud.change(partial(on_toggle, voice, ui), [ui.read_aloud], [ui.speech], **PRIVATE)


def _wire(
    demo: gr.Blocks, ui: cb.Ui, sessions: Sessions, store: Store, by_bank: dict[str, list[str]], voice: Voice
) -> None:
    view, report = ui.view_outputs(), ui.report_outputs()
    report_fn = _as_user(cb.show_report, sessions, ui)
    speak_fn = _as_user(on_speak, voice, sessions, ui)

    def after_step(event: Any) -> None:
        """After a step: the report (once finished), then the new lines read aloud (when the toggle is on)."""
        event.then(report_fn, [ui.token], report, **PRIVATE).then(
            speak_fn, [ui.token, ui.read_aloud], [ui.speech], **PRIVATE
        )

    _wire_voice(ui, sessions, voice)
    setup = [ui.bank_in, ui.topic_in, ui.difficulty_in, ui.count_in, ui.mode_in]
    after_step(ui.start.click(_as_user(cb.on_start, sessions, ui), setup, view, **PRIVATE))
    ui.bank_in.change(partial(cb.topics_for, by_bank), [ui.bank_in], [ui.topic_in], **PRIVATE)
    for trigger in (ui.composer.submit, ui.send.click):
        after_step(
            trigger(_as_user(cb.on_act, sessions, ui, "text"), [ui.token, ui.composer, ui.spoken], view, **PRIVATE)
        )
    for kind, button in [*ui.buttons.items(), ("retry_feedback", ui.retry)]:
        after_step(button.click(_as_user(cb.on_act, sessions, ui, kind), [ui.token], view, **PRIVATE))
    ui.to_report.click(_as_user(cb.show_report, sessions, ui, only_if_finished=False), [ui.token], report, **PRIVATE)
    ui.new.click(partial(cb.on_new, ui), None, view, **PRIVATE)
    ui.banner_resume.click(_as_user(cb.on_resume, sessions, ui), [ui.browser], view, **PRIVATE)
    ui.banner_dismiss.click(lambda: gr.Row(visible=False), None, [ui.banner], **PRIVATE)
    demo.load(_as_user(cb.on_load, sessions, ui), [ui.browser], [ui.banner, ui.banner_text], **PRIVATE)
    history = [ui.table, ui.history_ids, ui.trend, ui.selected, ui.picked]
    for trigger in (ui.history_tab.select, ui.refresh.click, demo.load):
        trigger(_as_user(cb.on_history, store), None, history, **PRIVATE)
    ui.table.select(cb.on_history_select, [ui.history_ids], [ui.selected, ui.picked], **PRIVATE)
    ui.open_report.click(_as_user(cb.on_history_report, sessions, ui), [ui.selected], report, **PRIVATE)
    ui.resume.click(_as_user(cb.on_history_resume, sessions, ui), [ui.selected], view, **PRIVATE)
    after_step(ui.retry_weak.click(_as_user(cb.on_retry_weak, sessions, ui, store), None, view, **PRIVATE))


def build_app(deps: Deps, store: Store | None = None, sessions: Sessions | None = None) -> gr.Blocks:
    """The whole UI plus the gradio_client API (webui/api.py). Serve it with `launch`."""
    store = store or Store.open(deps.settings)
    secret = app_secret(deps.settings, store)
    sessions = sessions or Sessions(deps, store, secret)
    banks, by_bank = cb.bank_choices(deps)
    backend = backend_text(deps.settings, deps.llm)
    voice = Voice(deps.settings)
    ui = cb.Ui()
    with gr.Blocks(title="Mock Interviewer") as demo:
        ui.token = gr.State("")
        ui.browser = gr.BrowserState(
            "", storage_key="interviewer-session", secret=hmac.new(secret, b"browser-state", hashlib.sha256).hexdigest()
        )
        gr.HTML(header_html(backend))
        with gr.Row(visible=False, elem_id="iv-banner") as ui.banner:
            ui.banner_text = gr.Markdown()
            ui.banner_resume = gr.Button("Resume", variant="primary", size="sm", scale=0, elem_id="banner-resume")
            ui.banner_dismiss = gr.Button("Dismiss", size="sm", scale=0)
        with gr.Tabs(selected="interview") as ui.tabs:
            with gr.Tab("Interview", id="interview"):
                _setup_panel(ui, banks, sorted({t for ts in by_bank.values() for t in ts}), backend)
                _interview_panel(ui, voice)
            with gr.Tab("Report", id="report"):
                _report_tab(ui)
            with gr.Tab("History", id="history") as ui.history_tab:
                _history_tab(ui)
        _wire(demo, ui, sessions, store, by_bank, voice)
        register_api(sessions, voice)
    return demo


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("INTERVIEWER_AUTH must look like 'user:password'")
    return user, password


def parse_logins(auth: str | None) -> list[tuple[str, str]] | None:
    """One or more logins, comma-separated: 'ann:pw1,bob:pw2' (a password cannot contain a comma)."""
    if not auth:
        return None
    return [login for part in auth.split(",") if (login := parse_auth(part.strip()))] or None


def launch(demo: gr.Blocks, settings: Settings, **kw: Any) -> Any:
    """Queue with per-event concurrency from settings (the default of 1 would serialise all users), then launch
    with enough worker threads for that many steps at once."""
    demo.queue(default_concurrency_limit=settings.concurrency)
    kw.setdefault("server_name", settings.host)
    kw.setdefault("server_port", settings.port)
    kw.setdefault("max_threads", max(40, 2 * settings.concurrency))
    return demo.launch(
        auth=parse_logins(settings.auth),
        share=False,
        show_error=True,
        theme=theme(),
        css=CSS,
        footer_links=["api"],
        **kw,
    )


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(0)  # unwinds through main's finally, so the model is closed as on Ctrl-C


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Serve the mock interviewer web app (settings: README.md).")
    parser.add_argument("--host", help="address to bind (default INTERVIEWER_HOST or 127.0.0.1; 0.0.0.0 = all)")
    parser.add_argument("--port", type=int, help="port (default INTERVIEWER_PORT or 7860)")
    parser.add_argument(
        "--auth",
        metavar="USER:PASSWORD",
        action="append",
        help="require a login (repeat for more users; default INTERVIEWER_AUTH, comma-separated); "
        "each user sees only their own history",
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with the command-line flags that were given laid over them."""
    given = {name: value for name, value in vars(args).items() if value is not None}
    if "auth" in given:
        given["auth"] = ",".join(given["auth"])
    return settings.model_copy(update=given) if given else settings


def main(argv: Sequence[str] = ()) -> None:
    """Serve the app; `argv` holds the command-line flags (`python app.py` passes its own, `interviewer app` none)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpx2"):  # one INFO line per model request otherwise
        logging.getLogger(name).setLevel(logging.WARNING)
    settings = settings_from(parse_args(argv), get_settings())
    try:
        parse_logins(settings.auth)  # bad config fails before anything starts
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    deps = build_deps(settings)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        launch(build_app(deps, Store.open(settings)), settings)
    finally:
        logging.getLogger("interviewer.app").info("shutting down: closing the language model")
        deps.close()


if __name__ == "__main__":
    main(sys.argv[1:])
