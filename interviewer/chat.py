"""`interviewer chat`: the web app's interview in a terminal. Same session.step, same Store, same history.

Type answers and questions in plain words ("hint please", "probe me", "ask me about caching", "end"), or use
/hint /skip /probe /next /repeat /retry /end /help, /about <topic>, /answer <text>. A line holding only three
double quotes starts a multi-line answer that ends at the next such line. Ctrl-D or Ctrl-C leaves with the
session saved; the next `interviewer chat` offers to resume it.
"""

from __future__ import annotations

import sys
import textwrap
from typing import Callable, TextIO

from pydantic import ValidationError

from interviewer.grading import MARKS
from interviewer.interview.deps import Deps, build_deps
from interviewer.interview.replies import difficulty_name
from interviewer.interview.report import Report, build_report
from interviewer.interview.session import SetupError, new_session, stream_step
from interviewer.interview.state import Action, Event, Setup, State
from interviewer.store import Store, persist

from .config import Settings

COMMANDS = {
    "/hint": "hint",
    "/skip": "skip",
    "/probe": "probe",
    "/next": "next",
    "/repeat": "repeat",
    "/end": "end",
    "/quit": "end",
    "/help": "help",
    "/retry": "retry_feedback",
    "/answer": "answer",
    "/about": "ask_about",
}
FENCE = '"""'


def parse_line(line: str) -> Action:
    """A typed line as an Action: a /command, or free text for the intent classifier."""
    head, _, rest = line.strip().partition(" ")
    kind = COMMANDS.get(head.lower()) if head.startswith("/") else None
    return Action(kind=kind, text=rest.strip()) if kind else Action(kind="text", text=line)


def read_message(input_fn: Callable[[str], str]) -> str:
    """One message: a line, or the lines between two \"\"\" lines. Raises EOFError at end of input."""
    line = input_fn("you> ")
    if line.strip() != FENCE:
        return line
    lines: list[str] = []
    while (line := input_fn("... ")).strip() != FENCE:
        lines.append(line)
    return "\n".join(lines)


class Printer:
    """Writes events to a text stream: chunks as they come, then only what the final text adds (the interview
    streams whole sentences, so the final text starts with what was streamed and nothing prints twice)."""

    def __init__(self, out: TextIO):
        self.out = out
        self.streamed: dict[str, str] = {}

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def __call__(self, event: Event) -> None:
        if event.kind == "chunk":
            if event.part not in self.streamed:
                self.write("\ninterviewer> ")
            self.streamed[event.part] = self.streamed.get(event.part, "") + event.text
            self.write(event.text)
        elif event.kind == "say":
            shown = self.streamed.pop(event.part, None)
            if shown is not None:  # streamed already: print only what the stream did not show
                if event.text.startswith(shown):
                    self.write(event.text[len(shown) :] + "\n")
                else:  # the checks replaced the streamed text
                    self.write(f"\ninterviewer> {event.text}\n")
            elif event.part in ("question", "probe") and event.record is not None:
                q = event.record.question
                label = "Follow-up" if event.part == "probe" else f"{q.topic} · {difficulty_name(q.difficulty)}"
                self.write(f"\n[{label}]\n{textwrap.fill(event.text, 100)}\n")
            else:
                self.write(f"\ninterviewer> {event.text}\n")
        elif event.kind == "scorecard" and event.record is not None:
            self.write(scorecard_text(event.record))
        elif event.kind == "reveal":
            self.write("\nModel answer:\n" + textwrap.indent(textwrap.fill(event.text, 96), "  ") + "\n")
        elif event.kind == "notice":
            self.write(f"  (note) {event.text}\n")
        elif event.kind == "error":
            self.write(f"  ! {event.text}\n")


def scorecard_text(record) -> str:
    detail = f" (graded {record.base_score:.1f}, hints -{len(record.hints)})" if record.hints else ""
    lines = [f"\nScore: {record.score:.1f}/10{detail}" + (" pass" if record.passed else "")]
    for i, point in enumerate(record.question.key_points):
        lines.append(f"  {MARKS[record.point_status(i)]} {point}")
        if record.point_status(i) == "contradicted" and record.grade:  # the sentence that says the opposite
            lines.append(f'      contradicted by: "{record.grade.key_points[i].evidence}"')
    if record.grade and record.grade.flags:
        lines.append(f"  flags: {', '.join(record.grade.flags)}")
    return "\n".join(lines) + "\n"


def summary_text(report: Report) -> str:
    lines = [f"\nOverall: {report.overall:.1f}/10 ({report.answered} answered, {report.skipped} skipped)"]
    lines += [f"  {t.topic:<28} {t.score:4.1f}  {'#' * round(t.score * 2)}" for t in report.topics]
    if report.strengths:
        lines += ["Strengths:"] + [f"  + {s}" for s in report.strengths]
    if report.study_next:
        lines += ["Study next:"] + [f"  - {s.topic}: {s.point}" for s in report.study_next]
    return "\n".join(lines) + "\n"


def make_setup(bank: str | None, count: int, mode: str, difficulty: str) -> Setup:
    try:
        return Setup(banks=[bank] if bank else [], count=count, mode=mode, difficulty=difficulty)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise SetupError(
            f"{'.'.join(map(str, error['loc']))}: {error['msg']} (mode: study or exam; difficulty: "
            "adaptive, easy, medium, hard or 1-3; count: 1-30)"
        ) from exc


def _choose_session(
    store: Store, deps: Deps, setup: Setup, input_fn: Callable[[str], str], printer: Printer, resume: bool | None
) -> tuple[State, Action]:
    waiting = store.resumable(limit=1)
    if waiting and resume is None:
        s = waiting[0]
        reply = input_fn(
            f"Resume your unfinished interview from {s.started_at:%Y-%m-%d %H:%M} "
            f"({s.answered} of {s.total} answered)? [Y/n] "
        )
        resume = reply.strip().lower() in ("", "y", "yes")
    if waiting and resume:
        return store.load(waiting[0].id), Action(kind="resume")
    return new_session(setup, deps), Action(kind="start")


def run_chat(
    settings: Settings,
    bank: str | None = None,
    count: int = 5,
    mode: str = "study",
    difficulty: str = "adaptive",
    *,
    deps: Deps | None = None,
    store: Store | None = None,
    input_fn: Callable[[str], str] = input,
    out: TextIO | None = None,
    resume: bool | None = None,
    retry_weak: bool = False,
) -> State:
    """Run an interview in the terminal and return its final (or last saved) state."""
    printer = Printer(out or sys.stdout)
    owns_deps = deps is None
    deps = deps or build_deps(settings)
    store = store or Store.open(settings)
    try:
        setup = (Setup.retry(store.weak_questions(), mode) if retry_weak else None) or make_setup(
            bank, count, mode, difficulty
        )
        printer.write(f"Backend: {deps.backend}. Type /help for commands.\n")
        state, action = _choose_session(store, deps, setup, input_fn, printer, resume)
        while True:
            run = stream_step(state, action, deps)
            for event in persist(store, run):
                printer(event)
            assert run.state is not None
            state = run.state
            if state.phase == "finished":
                break
            try:
                action = parse_line(read_message(input_fn))
            except (EOFError, KeyboardInterrupt):
                printer.write("\nSaved. Run `interviewer chat` again to resume this interview.\n")
                return state
        report = build_report(state)
        printer.write(summary_text(report))
        folder = settings.data_dir / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{state.id}.md").write_text(report.as_markdown(), encoding="utf-8")
        (folder / f"{state.id}.json").write_text(report.as_json(), encoding="utf-8")
        printer.write(f"Report saved to {folder / state.id}.md and .json\n")
        return state
    finally:
        if owns_deps:
            deps.close()
