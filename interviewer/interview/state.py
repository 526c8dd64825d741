"""The interview's nouns: Setup, State (with its QuestionRecords and Turns), Action and Event.

Everything here is a pydantic model that round-trips through JSON (`State.model_dump_json()` /
`State.model_validate_json()`), which is what the store snapshots and what a UI keeps per browser session.
The arithmetic behind `QuestionRecord.score` and `State.overall` is in scoring.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from interviewer.grading import PASS_MARK, Coverage, Grade
from interviewer.knowledge.bank import Question
from interviewer.voice.delivery import Delivery

from .scoring import overall, question_score

Mode = Literal["study", "exam"]
Difficulty = Literal["adaptive", "1", "2", "3"]
Phase = Literal["idle", "question", "probe", "review", "finished"]
RecordStatus = Literal["open", "answered", "skipped", "unanswered", "replaced"]
Speaker = Literal["candidate", "interviewer", "system"]

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

    @classmethod
    def retry(cls, question_ids: list[str], mode: Mode = "study") -> "Setup | None":
        """Ask these past misses again, in order (None when there are none): "Retry weak questions"."""
        return cls(question_ids=question_ids, count=len(question_ids), mode=mode) if question_ids else None


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
    key_point: int | None = None  # index of the key point it targets (from 0); None = extension
    source: Literal["bank", "llm", "offline"] = "bank"  # llm: the model phrased it from the candidate's words
    base: str = ""  # the bank probe or ladder step it came from
    depth: int = 1  # 2: the second follow-up on the same key point
    answer: str = ""
    score: float | None = None
    status: Coverage | None = None
    evidence: str = ""  # the sentence of the answer that touched the point (quoted by a deeper follow-up)
    copied: bool = False  # the answer repeated the model answer already shown: no credit
    skipped: bool = False
    delivery: Delivery | None = None  # the answer was spoken: pace, fillers, pauses (interviewer.voice)

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
    delivery: Delivery | None = None  # the answer was spoken: pace, fillers, pauses (interviewer.voice)

    @property
    def base_score(self) -> float:
        return self.grade.score if self.grade and self.status == "answered" else 0.0

    @property
    def score(self) -> float:
        """Graded score, raised by probes, minus hints; 0 when skipped (scoring.question_score)."""
        if self.status != "answered" or self.grade is None:
            return 0.0
        return question_score(self.grade.score, [p.score for p in self.probes if p.score is not None], len(self.hints))

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
    model_failures: int = Field(0, description="consecutive model failures (steps.MODEL_BREAKER stops calling it)")

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
    def overall(self) -> float:
        """Mean score over the questions answered or skipped (scoring.overall)."""
        return overall([r.score for r in self.done_records])


ActionKind = Literal[
    "start",
    "resume",
    "text",
    "answer",
    "clarify",
    "hint",
    "probe",
    "skip",
    "next",
    "repeat",
    "end",
    "ask_about",
    "retry_feedback",
    "help",
]


class Action(BaseModel):
    """What the candidate did: a button (`kind`, with `text` where it takes one) or free text (`kind="text"`)."""

    kind: ActionKind
    text: str = ""
    delivery: Delivery | None = None  # how `text` was spoken, when it came from a recording


def attach_delivery(st: "State", delivery: Delivery) -> None:
    """Keep how an answer was spoken with the answer it belongs to: the open follow-up, else the open question."""
    rec = st.current
    if rec is None:
        return
    if st.phase == "probe" and rec.open_probe is not None:
        rec.open_probe.delivery = delivery
    elif st.phase == "question" and rec.status == "open":
        rec.delivery = delivery


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
