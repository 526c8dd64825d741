"""The grader's nouns: what is graded (GradeTask) and what comes back (Grade)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interviewer.text import split_points

if TYPE_CHECKING:
    from interviewer.knowledge.bank import Question

PASS_MARK = 6.0  # knowledge/RUBRIC.md: "an answer a real interviewer would accept as adequate"

Flag = Literal[
    "empty",  # nothing but whitespace or punctuation
    "too_short",  # a few words where the reference needs sentences
    "off_topic",  # unrelated to the question and the reference (includes answers to another question)
    "injection_attempt",  # text addressed to the grader: removed, and the score capped
    "keyword_stuffing",  # lists of terms without explanation: lists removed from the evidence, score capped
    "padding",  # repeated or filler sentences: removed from the evidence
    "copied_question",  # the question echoed back: removed from the evidence
    "gibberish",  # mostly non-words
    "other_language",  # not written in English (the evidence model is English-only)
    "truncated",  # over the length limit: only the first part was graded
]
Coverage = Literal["covered", "partly", "missed", "contradicted"]  # contradicted: the answer states a wrong claim
MARKS: dict[str, str] = {"covered": "✓", "partly": "~", "missed": "✗", "contradicted": "⚠"}  # how every view marks it
Mode = Literal["offline", "llm"]


class GradeExemplar(BaseModel):
    """A graded answer to the same question: evidence by similarity (kNN)."""

    model_config = ConfigDict(frozen=True)
    answer: str
    score: float = Field(ge=0, le=10)


class GradeMisconception(BaseModel):
    """A common wrong claim: an answer sentence that states it contradicts key point `key_point` (from 0)."""

    model_config = ConfigDict(frozen=True)
    claim: str
    key_point: int = Field(ge=0)


class GradeTask(BaseModel):
    """One question with its evidence: reference answers (any is correct), key points, the wrong claims that
    contradict them, graded exemplars."""

    model_config = ConfigDict(frozen=True)
    question: str
    reference_answers: tuple[str, ...] = Field(min_length=1)
    key_points: tuple[str, ...] = ()
    misconceptions: tuple[GradeMisconception, ...] = ()
    exemplars: tuple[GradeExemplar, ...] = ()
    question_id: str = ""

    @field_validator("reference_answers")
    @classmethod
    def _non_blank(cls, refs: tuple[str, ...]) -> tuple[str, ...]:
        refs = tuple(r.strip() for r in refs if r and r.strip())
        if not refs:
            raise ValueError("needs at least one non-blank reference answer")
        return refs

    @property
    def reference(self) -> str:
        return self.reference_answers[0]

    @property
    def points(self) -> tuple[str, ...]:
        """The key points, or points derived from the first reference answer when the row has none."""
        return self.key_points or tuple(split_points(self.reference))

    @classmethod
    def from_question(cls, q: "Question") -> "GradeTask":
        return cls(
            question=q.question,
            reference_answers=(q.reference_answer,),
            key_points=tuple(q.key_points),
            misconceptions=tuple(GradeMisconception(claim=m.claim, key_point=m.key_point) for m in q.misconceptions),
            exemplars=tuple(GradeExemplar(answer=e.answer, score=e.score) for e in q.exemplars),
            question_id=q.id,
        )

    def without_exemplar(self, answer: str) -> "GradeTask":
        """The same task minus exemplars with this exact answer (leave-one-out evaluation)."""
        return self.model_copy(update={"exemplars": tuple(e for e in self.exemplars if e.answer != answer)})


class KeyPointResult(BaseModel):
    point: str
    status: Coverage
    evidence: str = Field(
        "", description="the sentence of the answer that shows it (or contradicts it); empty when missed"
    )
    similarity: float = 0.0
    contradicted: bool = False  # kept beside status == "contradicted" for readers of the three-verdict era


class Grade(BaseModel):
    score: float = Field(ge=0, le=10, description="0-10, one decimal")
    passed: bool
    pass_mark: float = PASS_MARK
    key_points: list[KeyPointResult]
    strengths: list[str] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)
    feedback: str = ""
    flags: list[Flag] = Field(default_factory=list)
    mode: Mode = "offline"
    confidence: float = Field(ge=0, le=1)
    probability: float = Field(0.0, ge=0, le=1, description="the model's P(acceptable answer)")

    def as_row(self) -> dict:
        """The fields batch grading adds to a row."""
        return {
            "score": self.score,
            "passed": self.passed,
            "flags": list(self.flags),
            "confidence": self.confidence,
            "key_points": [kp.model_dump() for kp in self.key_points],
        }
