"""The interview's nouns: Setup, State (with its QuestionRecords and Turns), Action and Event.

Everything here is a pydantic model that round-trips through JSON (`State.model_dump_json()` /
`State.model_validate_json()`), which is what store.py snapshots and what a UI keeps per browser session.
Scoring arithmetic lives here too, next to the data it reads: a question's score is its graded score, raised by
follow-up probes (never lowered), minus `HINT_COST` per hint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from .grader import PASS_MARK, Grade
from .knowledge import Question

Mode = Literal["study", "exam"]
Difficulty = Literal["adaptive", "1", "2", "3"]
Phase = Literal["idle", "question", "probe", "review", "finished"]
RecordStatus = Literal["open", "answered", "skipped", "unanswered", "replaced"]
Speaker = Literal["candidate", "interviewer", "system"]
Coverage = Literal["covered", "partly", "missed"]

HINT_COST = 1.0
MAX_HINTS = 3
MAX_PROBES = 2
PROBE_WEIGHT = 0.25  # a probe answer moves the question score a quarter of the way towards the probe's score
_DIFFICULTY_NAMES = {"easy": "1", "medium": "2", "hard": "3", "1": "1", "2": "2", "3": "3", "adaptive": "adaptive"}


class Setup(BaseModel):
    """What the candidate chose before starting."""

    banks: list[str] = Field(default_factory=list, description="bank ids; empty = all")
    topics: list[str] = Field(default_factory=list, description="topic names (case-insensitive); empty = all")
    difficulty: Difficulty = "adaptive"
    count: int = Field(5, ge=1, le=30)
    mode: Mode = "study"
    question_ids: list[str] = Field(default_factory=list, description="ask exactly these, in order (retry weak)")
    seed: int | None = None

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty_name(cls, value: object) -> object:
        return _DIFFICULTY_NAMES.get(str(value).strip().lower(), value)


class PoolItem(BaseModel):
    id: str
    topic: str
    difficulty: int
    bank: str = ""


class Turn(BaseModel):
    """One line of the transcript, as shown (streamed text is stored once complete)."""

    seq: int
    at: datetime
    speaker: Speaker
    kind: str  # candidate: the intent; interviewer: greeting, question, feedback, hint, refusal, ...
    text: str
    question_index: int | None = None


class ProbeRecord(BaseModel):
    text: str
    key_point: int | None = None  # 0-based index of the key point it targets; None = extension
    source: Literal["bank", "llm", "offline"] = "bank"
    answer: str = ""
    score: float | None = None
    status: Coverage | None = None
    skipped: bool = False

    @property
    def done(self) -> bool:
        return self.skipped or self.score is not None


class QuestionRecord(BaseModel):
    question: Question
    difficulty: int
    asked_at: datetime
    status: RecordStatus = "open"
    answer: str = ""
    grade: Grade | None = None
    feedback: str = ""
    feedback_failed: bool = False  # the model failed: the offline grade/feedback is shown, a retry is offered
    hints: list[str] = Field(default_factory=list)
    clarifications: int = 0
    probes: list[ProbeRecord] = Field(default_factory=list)
    covered_by_probe: list[int] = Field(default_factory=list, description="key points a probe answer covered")

    @property
    def base_score(self) -> float:
        return self.grade.score if self.grade and self.status == "answered" else 0.0

    @property
    def score(self) -> float:
        """Graded score, raised by probes (max of base and blend), minus hints; 0 when skipped."""
        if self.status != "answered" or self.grade is None:
            return 0.0
        score = self.grade.score
        for probe in self.probes:
            if probe.score is not None:
                score = max(score, (1 - PROBE_WEIGHT) * score + PROBE_WEIGHT * probe.score)
        return round(max(0.0, score - HINT_COST * len(self.hints)), 1)

    @property
    def passed(self) -> bool:
        return self.status == "answered" and self.score >= PASS_MARK

    def point_status(self, i: int) -> Coverage:
        if i in self.covered_by_probe:
            return "covered"
        if self.grade and i < len(self.grade.key_points):
            return self.grade.key_points[i].status
        return "missed"

    @property
    def open_probe(self) -> ProbeRecord | None:
        return self.probes[-1] if self.probes and not self.probes[-1].done else None


class State(BaseModel):
    """One interview, start to finish. Treat as a value: `step` returns a new one."""

    id: str
    setup: Setup
    backend: str = "offline"
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    phase: Phase = "idle"
    level: int = Field(2, ge=1, le=3, description="difficulty of the next question")
    total: int = Field(ge=1, description="questions planned")
    seed: int = 0
    pool: list[PoolItem]
    records: list[QuestionRecord] = Field(default_factory=list)
    turns: list[Turn] = Field(default_factory=list)
    model_failures: int = Field(0, description="consecutive model failures (flow.MODEL_BREAKER stops calling it)")

    @property
    def current(self) -> QuestionRecord | None:
        return self.records[-1] if self.records else None

    @property
    def asked(self) -> list[QuestionRecord]:
        """Questions put to the candidate, less those swapped out by "ask me about <topic>"."""
        return [r for r in self.records if r.status != "replaced"]

    @property
    def asked_ids(self) -> set[str]:
        return {r.question.id for r in self.records}

    @property
    def done_records(self) -> list[QuestionRecord]:
        return [r for r in self.records if r.status in ("answered", "skipped")]

    @property
    def reference_visible(self) -> bool:
        """Study mode shows the model answer once the question is answered or skipped; exam mode only at the end."""
        rec = self.current
        if self.phase == "finished":
            return True
        return self.setup.mode == "study" and rec is not None and rec.status in ("answered", "skipped")

    @property
    def allowed_actions(self) -> list[str]:
        """Action kinds that do something now (for enabling buttons); free text is always accepted."""
        rec = self.current
        if self.phase == "idle":
            return ["start"]
        if self.phase == "finished" or rec is None:
            return []
        if self.phase == "question":
            hint = ["hint"] if len(rec.hints) < MAX_HINTS else []
            return ["answer", "clarify", *hint, "skip", "repeat", "ask_about", "end"]
        if self.phase == "probe":
            return ["answer", "clarify", "skip", "repeat", "end"]
        probe = ["probe"] if rec.status == "answered" and len(rec.probes) < MAX_PROBES else []
        retry = ["retry_feedback"] if rec.feedback_failed else []
        return [*probe, "next", *retry, "clarify", "repeat", "ask_about", "end"]

    @property
    def overall(self) -> float:
        done = self.done_records
        return round(sum(r.score for r in done) / len(done), 1) if done else 0.0


ActionKind = Literal[
    "start", "resume", "text", "answer", "clarify", "hint", "probe", "skip", "next", "repeat", "end",
    "ask_about", "retry_feedback", "help",
]


class Action(BaseModel):
    """What the candidate did: a button (`kind`, with `text` where it takes one) or free text (`kind="text"`)."""

    kind: ActionKind
    text: str = ""


EventKind = Literal["say", "chunk", "scorecard", "reveal", "notice", "error", "finished", "checkpoint"]


class Event(BaseModel):
    """Something for the UI to show. `say` carries a complete interviewer message; `chunk` a streamed piece of the
    `say` with the same `part` that follows it (the `say` text replaces the streamed bubble). `scorecard` carries
    the question's record, `reveal` the model answer, `notice` and `error` short system lines, `finished` the
    end of the interview (build the report from the state). `checkpoint` carries a state worth saving mid-step."""

    kind: EventKind
    part: str = ""
    text: str = ""
    record: QuestionRecord | None = None
    state: State | None = None
