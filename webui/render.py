"""Everything the UI shows, as escaped HTML or Markdown: chat messages, the side panel, the report.

Candidate text, bank text and model text all pass through `esc` (HTML) or `esc_md` (HTML and Markdown), so typed
HTML or script shows as text and never runs.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from interviewer.config import Settings
from interviewer.grading import MARKS
from interviewer.interview.replies import difficulty_name
from interviewer.interview.report import Report
from interviewer.interview.state import QuestionRecord, State
from interviewer.voice import Delivery

BUTTON_WORDS = {
    "hint": "Could I have a hint?",
    "probe": "Probe me on that.",
    "skip": "Skip this one.",
    "next": "Next question, please.",
    "repeat": "Could you repeat the question?",
    "end": "Let's end the interview.",
    "retry_feedback": "Retry the feedback.",
    "help": "Help",
}
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def esc(text: str) -> str:
    return html.escape(text or "", quote=False)


def esc_md(text: str) -> str:
    """Candidate text for a Markdown bubble: HTML escaped and Markdown punctuation neutralised, so it shows as typed."""
    return _MD_SPECIAL.sub(r"\\\1", esc(text))


def unwrap(text: str) -> str:
    """Hard-wrapped bank text (YAML blocks) as Markdown: one line per paragraph and per "- " list item."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith(("- ", "* ")) or not lines:
                lines.append(line)
            else:
                lines[-1] += " " + line
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def rich_html(text: str) -> str:
    """Bank or model text as escaped HTML paragraphs and bullet lists."""
    out = []
    for block in unwrap(text).split("\n\n"):
        items = [line[2:] for line in block.splitlines() if line.startswith(("- ", "* "))]
        para = [line for line in block.splitlines() if not line.startswith(("- ", "* "))]
        out += [f"<p>{esc(line)}</p>" for line in para]
        out += [f"<ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>"] if items else []
    return "".join(out)


def message(speaker: str, kind: str, text: str) -> dict | None:
    """One transcript line as a Chatbot message (None: not shown in the chat)."""
    if speaker == "candidate":
        shown = BUTTON_WORDS.get(kind, text) if text == f"[{kind}]" else text
        return {"role": "user", "content": esc_md(shown)}
    if kind == "scorecard":
        return None  # shown in the side panel
    if speaker == "system":
        return {"role": "assistant", "content": "**Note:** " + esc(text)}
    if kind == "reveal":
        return {
            "role": "assistant",
            "content": esc(unwrap(text)),
            "metadata": {"title": "Model answer", "status": "done"},
        }
    if kind in ("question", "probe") and text.strip():
        return {"role": "assistant", "content": f"**{esc(text.strip())}**"}
    return {"role": "assistant", "content": esc(text)}


def chat_messages(lines: list[tuple[str, str, str]]) -> list[dict]:
    return [m for m in (message(*line) for line in lines) if m is not None]


def turn_lines(state: State) -> list[tuple[str, str, str]]:
    return [(t.speaker, t.kind, t.text) for t in state.turns]


def last_scored(state: State) -> QuestionRecord | None:
    return next((r for r in reversed(state.records) if r.status == "answered" and r.grade), None)


def _bar(share: float) -> str:
    return f'<div class="iv-progress"><div style="width:{max(0.0, min(1.0, share)) * 100:.0f}%"></div></div>'


def progress_html(state: State) -> str:
    number, done = len(state.asked), len(state.done_records)
    if state.phase == "finished":
        head = f"Finished · {done} of {state.total} done"
    else:
        head = f"Question {max(1, number)} of {state.total}"
    rec = state.current
    meta = f"{esc(rec.question.topic)} · {difficulty_name(rec.difficulty)}" if rec else ""
    mode = "Study mode" if state.setup.mode == "study" else "Exam mode"
    score = (
        f'<div class="iv-running">Average so far <b>{state.overall:.1f}</b>/10</div>'
        if state.setup.mode == "study" and done
        else ""
    )
    return (
        f'<div class="iv-card"><div class="iv-kicker">{head}</div>{_bar(done / state.total)}'
        f'<div class="iv-meta">{meta}</div><div class="iv-meta">{mode}</div>{score}</div>'
    )


def _probe_result(skipped: bool, score: float | None, status: str | None) -> str:
    if skipped:
        return "skipped"
    return "waiting for your answer" if score is None else f"{status or 'graded'} · {score:.1f}/10"


def delivery_html(delivery: Delivery | None, title: str = "Delivery (spoken answer)") -> str:
    """Pace, fillers and pauses of a spoken answer, with a note for each thing to work on."""
    if delivery is None:
        return ""
    notes = "".join(f"<li>{esc(n)}</li>" for n in delivery.notes())
    return (
        f'<div class="iv-delivery"><div class="iv-kicker">{esc(title)}</div>'
        f'<div class="iv-meta">{esc(delivery.summary())}</div>' + (f"<ul>{notes}</ul>" if notes else "") + "</div>"
    )


def scorecard_html(rec: QuestionRecord, number: int) -> str:
    grade = rec.grade
    verdict = "pass" if rec.passed else "fail"
    items = []
    for i, point in enumerate(rec.question.key_points):
        status = rec.point_status(i)
        evidence = grade.key_points[i].evidence if grade and i < len(grade.key_points) else ""
        quote = f'<div class="iv-evidence">“{esc(evidence)}”</div>' if evidence and status != "missed" else ""
        via = ' <span class="iv-chip">in a follow-up</span>' if i in rec.covered_by_probe else ""
        via += ' <span class="iv-chip">contradicted by</span>' if status == "contradicted" else ""
        items.append(
            f'<li class="iv-{status}"><span class="iv-mark">{MARKS[status]}</span>'
            f"<div>{esc(point)}{via}{quote}</div></li>"
        )
    flags = "".join(
        f'<span class="iv-chip iv-flag">{esc(f.replace("_", " "))}</span>' for f in (grade.flags if grade else [])
    )
    extra = [f"Hints used: {len(rec.hints)}"] if rec.hints else []
    extra += [f"Follow-up: {_probe_result(p.skipped, p.score, p.status)}" for p in rec.probes]
    covered = sum(rec.point_status(i) == "covered" for i in range(len(rec.question.key_points)))
    return (
        f'<div class="iv-card iv-scorecard"><div class="iv-kicker">Scorecard · question {number}</div>'
        f'<div class="iv-score"><span class="iv-big iv-{verdict}">{rec.score:.1f}</span><span>/10</span>'
        f'<span class="iv-chip iv-{verdict}">{verdict}</span></div>'
        f'<div class="iv-meta">Key points covered {covered} of {len(rec.question.key_points)}</div>'
        f'<ul class="iv-points">{"".join(items)}</ul>'
        + (f'<div class="iv-flags">{flags}</div>' if flags else "")
        + "".join(f'<div class="iv-meta">{esc(x)}</div>' for x in extra)
        + delivery_html(rec.delivery)
        + "".join(delivery_html(p.delivery, "Delivery (spoken follow-up)") for p in rec.probes)
        + "</div>"
    )


TIPS = (
    '<div class="iv-card iv-tips"><div class="iv-kicker">Tips</div><ul>'
    "<li><b>Enter</b> sends, <b>Shift+Enter</b> starts a new line.</li>"
    "<li>Type as you would talk: <i>give me a hint</i>, <i>probe me</i>, <i>ask me about caching</i>, "
    "<i>skip</i>, <i>repeat the question</i>.</li>"
    "<li>Hints cost a point each; follow-ups can raise a score, never lower it.</li></ul></div>"
)


def side_html(state: State | None, card: QuestionRecord | None = None) -> str:
    if state is None:
        return TIPS
    card = card or (last_scored(state) if state.setup.mode == "study" else None)
    parts = [progress_html(state)]
    if state.setup.mode == "exam":
        parts.append(
            '<div class="iv-card iv-meta">Exam mode: scores, feedback and model answers '
            "are in the report at the end.</div>"
        )
    elif card is not None and card.grade is not None:
        number = next((n for n, r in enumerate(state.asked, 1) if r.question.id == card.question.id), len(state.asked))
        return "".join(parts) + scorecard_html(card, number)
    return "".join(parts) + TIPS


def backend_text(settings: Settings, llm: Any) -> str:
    if llm is None:
        return "No language model: offline grading and scripted replies"
    backend, model = settings.active_backend, getattr(llm, "model", "") or settings.model
    if backend == "embedded":
        return f"Embedded model {model or 'Qwen2.5-Coder-1.5B'} · offline, on this machine"
    if backend == "openai" and settings.openai_base_url:
        return f"OpenAI-compatible server {settings.openai_base_url} · model {model or 'server default'}"
    if backend == "openai":
        return f"OpenAI · model {model or 'gpt-4o-mini'}"
    return f"{getattr(llm, 'name', backend)} model (testing)"


def header_html(backend: str) -> str:
    return (
        '<div class="iv-header"><div class="iv-brand"><span class="iv-logo">◆</span><div>'
        '<div class="iv-title">Mock Interviewer</div><div class="iv-tagline">Practise technical interviews, '
        "graded against a written rubric with evidence you can check.</div></div></div>"
        f'<div class="iv-backend" title="language model in use">● {esc(backend)}</div></div>'
    )


# ---- the report ------------------------------------------------------------------------------------------------


def report_summary_html(report: Report) -> str:
    verdict = "pass" if report.overall >= report.pass_mark else "fail"
    status = "" if report.finished else " · not finished"
    items = lambda xs: "".join(f"<li>{esc(x)}</li>" for x in xs)  # noqa: E731
    study = [f"{s.topic}: {s.point}" for s in report.study_next]
    return (
        f'<div class="iv-report-head"><div class="iv-card iv-overall"><div class="iv-kicker">Overall</div>'
        f'<div class="iv-score"><span class="iv-big iv-{verdict}">{report.overall:.1f}</span><span>/10</span></div>'
        f'<div class="iv-meta">{report.answered} answered · {report.skipped} skipped · {report.passed} passed '
        f'(pass mark {report.pass_mark:g})</div><div class="iv-meta">{esc(report.mode)} mode · difficulty '
        f"{esc(report.difficulty)} · {report.started_at:%Y-%m-%d %H:%M}{status}</div></div>"
        f'<div class="iv-card"><div class="iv-kicker">Top strengths</div><ol>'
        f"{items(report.strengths) or '<li>None yet: keep practising.</li>'}</ol></div>"
        f'<div class="iv-card"><div class="iv-kicker">Study next</div><ol>'
        f"{items(study) or '<li>Nothing missed. Try a harder difficulty.</li>'}</ol></div></div>"
    )


def report_questions_html(report: Report) -> str:
    cards = []
    for q in report.questions:
        verdict = "pass" if q.passed else "fail"
        points = "".join(
            f'<li class="iv-{p.status}"><span class="iv-mark">{MARKS.get(p.status, "?")}</span><div>{esc(p.point)}'
            + (' <span class="iv-chip">in a follow-up</span>' if p.via_probe else "")
            + (f'<div class="iv-evidence">“{esc(p.evidence)}”</div>' if p.evidence and p.status != "missed" else "")
            + "</div></li>"
            for p in q.key_points
        )
        hints = "".join(f"<li>{esc(h)}</li>" for h in q.hints)
        probes = "".join(
            f'<li>{esc(p.question)} <span class="iv-chip">{esc(_probe_result(p.skipped, p.score, p.status))}</span>'
            + (f'<div class="iv-answer">{esc(p.answer)}</div>' if p.answer else "")
            + "</li>"
            for p in q.probes
        )
        body = [f'<div class="iv-meta">{esc(q.topic)} · {difficulty_name(q.difficulty)} · {esc(q.status_text)}</div>']
        if q.status == "answered":
            body.append(f'<h4>Your answer</h4><div class="iv-answer">{esc(q.answer)}</div>' + delivery_html(q.delivery))
        body.append(f'<h4>Key points</h4><ul class="iv-points">{points}</ul>')
        if q.flags:
            body.append(
                '<div class="iv-flags">'
                + "".join(f'<span class="iv-chip iv-flag">{esc(f)}</span>' for f in q.flags)
                + "</div>"
            )
        if hints:
            body.append(f"<h4>Hints used ({len(q.hints)}, −{q.hint_penalty:g})</h4><ol>{hints}</ol>")
        if probes:
            body.append(f"<h4>Follow-ups</h4><ul>{probes}</ul>")
        if q.feedback:
            body.append(f'<h4>Feedback</h4><div class="iv-model">{rich_html(q.feedback)}</div>')
        if q.model_answer:
            body.append(f'<h4>Model answer</h4><div class="iv-model">{rich_html(q.model_answer)}</div>')
        cards.append(
            f'<details class="iv-card iv-q"{" open" if q.number == 1 else ""}><summary>'
            f'<span class="iv-qnum">{q.number}</span><span class="iv-qtext">{esc(q.question)}</span>'
            f'<span class="iv-chip iv-{verdict}">{esc(q.score_text)}</span></summary>{"".join(body)}</details>'
        )
    return "".join(cards) or '<div class="iv-card iv-meta">No questions were asked.</div>'


def topic_frame(report: Report) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "topic": [t.topic for t in report.topics],
            "score": [t.score for t in report.topics],
            "result": ["pass" if t.score >= report.pass_mark else "below pass" for t in report.topics],
        }
    )


def write_exports(report: Report) -> tuple[str, str]:
    """The Markdown and JSON exports, in a fresh temp folder (Gradio serves files from the temp dir)."""
    folder = Path(tempfile.mkdtemp(prefix="interviewer-report-"))
    md, js = folder / f"interview-{report.session_id}.md", folder / f"interview-{report.session_id}.json"
    md.write_text(report.as_markdown(), encoding="utf-8")
    js.write_text(report.as_json(), encoding="utf-8")
    return str(md), str(js)
