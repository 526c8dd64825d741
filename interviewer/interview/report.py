"""The final report: `build_report(state) -> Report`, which renders itself (`as_markdown()`, `as_json()`).

All arithmetic is here and in scoring.py (question scores), never in a prompt: the overall score is the mean over
questions answered or skipped (a skip scores 0; a question left open when the interview ended is listed as "not
answered", with no score, and not counted), per-topic scores are means over the same questions, and "study next"
lists missed key points of the weakest questions first, one per question before a second, each with the bank's
matching reference sentences.
"""

from __future__ import annotations

import html
from datetime import datetime

from pydantic import BaseModel

from interviewer.grading import MARKS, PASS_MARK
from interviewer.voice.delivery import Delivery

from .replies import difficulty_name, related_text
from .scoring import HINT_COST
from .state import Mode, QuestionRecord, State

_STATUS_TEXT = {"unanswered": "not answered", "open": "not answered yet"}


class PointResult(BaseModel):
    point: str
    status: str  # covered | partly | missed
    via_probe: bool = False
    evidence: str = ""


class ProbeResult(BaseModel):
    question: str
    answer: str = ""
    score: float | None = None
    status: str | None = None
    skipped: bool = False
    copied: bool = False  # the answer repeated the model answer already shown: no credit
    delivery: Delivery | None = None


class QuestionReport(BaseModel):
    number: int
    id: str
    bank: str
    topic: str
    difficulty: int
    question: str
    status: str  # answered | skipped | unanswered | open (interview still running)
    answer: str
    score: float | None  # None: never answered (unanswered or open), so no score and not in the overall
    base_score: float
    passed: bool
    key_points: list[PointResult]
    hints: list[str]
    hint_penalty: float
    probes: list[ProbeResult]
    feedback: str
    flags: list[str]
    model_answer: str
    delivery: Delivery | None = None  # the answer was spoken (interviewer.voice)

    @property
    def status_text(self) -> str:
        return _STATUS_TEXT.get(self.status, self.status)

    @property
    def score_text(self) -> str:
        return "not answered" if self.score is None else f"{self.score:.1f}/10"

    @property
    def covered(self) -> list[str]:
        return [p.point for p in self.key_points if p.status == "covered"]

    @property
    def missed(self) -> list[str]:
        return [p.point for p in self.key_points if p.status != "covered"]


class TopicScore(BaseModel):
    topic: str
    score: float
    questions: int


class StudyItem(BaseModel):
    topic: str
    question_id: str
    question: str
    point: str
    reference: str  # the reference answer's sentences on this point


class Report(BaseModel):
    session_id: str
    started_at: datetime
    finished_at: datetime | None
    finished: bool
    mode: Mode
    difficulty: str
    backend: str
    overall: float
    answered: int
    skipped: int
    passed: int
    pass_mark: float = PASS_MARK
    questions: list[QuestionReport]
    topics: list[TopicScore]
    strengths: list[str]
    study_next: list[StudyItem]

    def as_json(self) -> str:
        return self.model_dump_json(indent=2)

    def as_markdown(self) -> str:
        lines = [
            f"# Interview report ({self.started_at:%Y-%m-%d %H:%M})",
            "",
            f"*{self.mode} mode · difficulty {self.difficulty} · backend {self.backend}"
            + ("" if self.finished else " · not finished")
            + "*",
            "",
            f"**Overall: {self.overall:.1f}/10**: {self.answered} answered, {self.skipped} skipped, "
            f"{self.passed} passed (pass mark {self.pass_mark:g}).",
            "",
        ]
        if self.topics:
            lines += ["## Scores by topic", "", "| Topic | Score | Questions |", "|---|---|---|"]
            lines += [f"| {_md(t.topic)} | {t.score:.1f} | {t.questions} |" for t in self.topics] + [""]
        lines += ["## Strengths", ""] + ([f"- {_md(s)}" for s in self.strengths] or ["- None yet: keep practising."])
        lines += ["", "## Study next", ""]
        lines += [
            f"- **{_md(s.topic)}: {_md(s.point)}** ({s.question_id}). {_md(s.reference)}" for s in self.study_next
        ]
        lines += [] if self.study_next else ["- Nothing missed. Try a harder difficulty."]
        for q in self.questions:
            lines += ["", *_question_markdown(q)]
        return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    """Candidate and bank text as inert Markdown: HTML escaped, line breaks kept."""
    return html.escape(text, quote=False).replace("\n", " ")


def _quote(text: str) -> list[str]:
    return [f"> {html.escape(line, quote=False)}" if line else ">" for line in (text or "(no answer)").splitlines()]


def _question_markdown(q: QuestionReport) -> list[str]:
    extra = []
    if q.score != round(max(0.0, q.base_score - q.hint_penalty), 1):
        extra.append("raised by follow-ups")
    if q.hints:
        extra.append(f"hints −{q.hint_penalty:g}")
    detail = f" (graded {q.base_score:.1f}; {', '.join(extra)})" if extra and q.status == "answered" else ""
    score = f"**{q.score_text}**" if q.score is not None else q.score_text
    out = [
        f"### {q.number}. {_md(q.question)}",
        "",
        f"*{_md(q.topic)} · {difficulty_name(q.difficulty)} · {q.status_text} · {score}{detail}*",
        "",
    ]
    if q.status == "answered":
        out += ["**Your answer**", "", *_quote(q.answer), ""]
        out += _delivery_markdown(q.delivery)
    out += ["**Key points**", ""]
    out += [
        f"- {MARKS.get(p.status, '?')} {_md(p.point)}"
        + (" (in a follow-up)" if p.via_probe else "")
        + (f' (contradicted by: "{_md(p.evidence)}")' if p.status == "contradicted" and p.evidence else "")
        for p in q.key_points
    ] + [""]
    if q.flags:
        out += [f"**Flags:** {', '.join(q.flags)}", ""]
    if q.hints:
        out += [f"**Hints used ({len(q.hints)}, −{q.hint_penalty:g} points)**", ""]
        out += [f"{i}. {_md(h)}" for i, h in enumerate(q.hints, 1)] + [""]
    for p in q.probes:
        result = "skipped" if p.skipped or p.score is None else f"{p.status}, {p.score:.1f}/10"
        result += "; repeats the model answer, no credit" if p.copied else ""
        out += [f"**Follow-up:** {_md(p.question)} ({result})", ""]
        out += [*_quote(p.answer), ""] if p.answer else []
        out += _delivery_markdown(p.delivery)
    if q.feedback:
        out += ["**Feedback**", "", _md(q.feedback), ""]
    out += ["**Model answer**", "", _md(q.model_answer) if q.model_answer else "(shown once this question is answered)"]
    return out


def _delivery_markdown(delivery: Delivery | None) -> list[str]:
    if delivery is None:
        return []
    return [f"**Delivery (spoken):** {delivery.summary()}", "", *[f"- {note}" for note in delivery.notes()], ""]


def _question(number: int, rec: QuestionRecord) -> QuestionReport:
    q, grade = rec.question, rec.grade
    points = []
    for i, point in enumerate(q.key_points):
        evidence = grade.key_points[i].evidence if grade and i < len(grade.key_points) else ""
        status = rec.point_status(i) if rec.status == "answered" else "missed"
        points.append(PointResult(point=point, status=status, via_probe=i in rec.covered_by_probe, evidence=evidence))
    return QuestionReport(
        number=number,
        id=q.id,
        bank=q.bank,
        topic=q.topic,
        difficulty=q.difficulty,
        question=q.question,
        status=rec.status,
        answer=rec.answer,
        score=rec.score if rec.status in ("answered", "skipped") else None,
        base_score=rec.base_score,
        passed=rec.passed,
        key_points=points,
        hints=rec.hints,
        hint_penalty=HINT_COST * len(rec.hints) if rec.status == "answered" else 0.0,
        probes=[
            ProbeResult(
                question=p.text,
                answer=p.answer,
                score=p.score,
                status=p.status,
                skipped=p.skipped,
                copied=p.copied,
                delivery=p.delivery,
            )
            for p in rec.probes
        ],
        feedback=rec.feedback or (grade.feedback if grade else ""),
        flags=list(grade.flags) if grade else [],
        model_answer=q.reference_answer.strip() if rec.status != "open" else "",  # an open question stays hidden
        delivery=rec.delivery if rec.status == "answered" else None,
    )


def _topics(questions: list[QuestionReport]) -> list[TopicScore]:
    by_topic: dict[str, list[float]] = {}
    for q in questions:
        if q.status in ("answered", "skipped"):
            by_topic.setdefault(q.topic, []).append(q.score)
    return [TopicScore(topic=t, score=round(sum(s) / len(s), 1), questions=len(s)) for t, s in sorted(by_topic.items())]


def _strengths(questions: list[QuestionReport], k: int = 3) -> list[str]:
    ranked = sorted(
        (q for q in questions if q.status == "answered" and q.score >= PASS_MARK / 2), key=lambda q: -q.score
    )
    found: list[str] = []
    for rank in range(7):
        for q in ranked:
            covered = q.covered
            if rank < len(covered) and len(found) < k:
                found.append(f"{q.topic}: {covered[rank]}")
    return found


def _study_next(questions: list[QuestionReport], k: int = 3) -> list[StudyItem]:
    candidates = []
    for q in questions:
        if q.status in ("unanswered", "open"):
            continue
        missing = sorted((p for p in q.key_points if p.status != "covered"), key=lambda p: p.status != "missed")
        candidates += [(rank, q.score, q, p.point) for rank, p in enumerate(missing)]
    candidates.sort(key=lambda c: (c[0], c[1], c[2].number))
    return [
        StudyItem(
            topic=q.topic,
            question_id=q.id,
            question=q.question,
            point=point,
            reference=related_text(q.model_answer, point, k=2),
        )
        for _, _, q, point in candidates[:k]
    ]


def build_report(state: State) -> Report:
    questions = [_question(n, rec) for n, rec in enumerate(state.asked, 1)]
    return Report(
        session_id=state.id,
        started_at=state.started_at,
        finished_at=state.finished_at,
        finished=state.phase == "finished",
        mode=state.setup.mode,
        difficulty=state.setup.difficulty,
        backend=state.backend,
        overall=state.overall,
        answered=sum(q.status == "answered" for q in questions),
        skipped=sum(q.status == "skipped" for q in questions),
        passed=sum(q.passed for q in questions),
        questions=questions,
        topics=_topics(questions),
        strengths=_strengths(questions),
        study_next=_study_next(questions),
    )
