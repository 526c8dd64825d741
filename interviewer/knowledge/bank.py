"""Question banks: YAML files in knowledge/, validated before anything uses them.

A bank file is a mapping with `id`, `title`, optional `description`, and `questions`.
Key points are counted from 0 everywhere in code. Bank files number them from 1 (a probe's `key_point: 3` tests
the third); FollowUp converts at that boundary only, when it is read (validated) and written (serialised).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from interviewer.config import bundled_dir
from interviewer.errors import KnowledgeError

ExemplarLabel = Literal["excellent", "strong", "good", "partial", "weak", "wrong"]


def _from_number(number: object) -> object:
    if isinstance(number, int) and not isinstance(number, bool):
        if number < 1:
            raise ValueError("key_point is the key point's number, counted from 1")
        return number - 1
    return number


# A key point's index (from 0) in code; its 1-based number in files and JSON. `X(key_point=1)` and
# `X.model_validate({"key_point": 1})` both mean the first key point; model_dump writes 1 back.
PointNumber = Annotated[
    int,
    BeforeValidator(_from_number),
    PlainSerializer(lambda index: index + 1, return_type=int),
    Field(ge=0, description="the key point's index (files: its 1-based number)"),
]


class FollowUp(BaseModel):
    """A bank probe on one key point."""

    model_config = ConfigDict(extra="forbid")
    probe: str = Field(min_length=10)
    key_point: PointNumber


class Misconception(BaseModel):
    """A common wrong claim, written like a key point: an answer that states it contradicts `key_point`."""

    model_config = ConfigDict(extra="forbid")
    claim: str = Field(min_length=10, max_length=240)
    key_point: PointNumber


class HintLadder(BaseModel):
    """Three hints towards one key point, vaguest first; no step states the point (the linter checks)."""

    model_config = ConfigDict(extra="forbid")
    key_point: PointNumber
    steps: list[str] = Field(min_length=3, max_length=3)


class Exemplar(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str
    score: float = Field(ge=0, le=10)
    label: ExemplarLabel | None = None
    note: str = ""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    topic: str = Field(min_length=2)
    difficulty: int = Field(ge=1, le=3)
    question: str = Field(min_length=10)
    reference_answer: str = Field(min_length=20)
    key_points: list[str] = Field(min_length=3, max_length=7)
    follow_ups: list[FollowUp] = Field(min_length=2, max_length=3)
    misconceptions: list[Misconception] = Field(default_factory=list, max_length=4)
    hints: list[HintLadder] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    exemplars: list[Exemplar] = Field(default_factory=list)
    bank: str = ""  # filled in by load_bank

    @field_validator("key_points")
    @classmethod
    def _short_points(cls, points: list[str]) -> list[str]:
        for point in points:
            if not point.strip() or len(point) > 240:
                raise ValueError(f"key point must be a short statement (1-240 chars): {point[:60]!r}")
        return points

    @model_validator(mode="after")
    def _points_exist(self) -> "Question":
        """Probes, misconceptions and hint ladders name key points that exist; one ladder per key point at most."""
        named = [("follow-up", f.probe, f.key_point) for f in self.follow_ups]
        named += [("misconception", m.claim, m.key_point) for m in self.misconceptions]
        named += [("hint ladder", h.steps[0], h.key_point) for h in self.hints]
        for what, text, point in named:
            if point >= len(self.key_points):
                raise ValueError(
                    f"{what} {text[:40]!r} names key point {point + 1}, but there are only {len(self.key_points)}"
                )
        laddered = [h.key_point for h in self.hints]
        if len(laddered) != len(set(laddered)):
            raise ValueError("two hint ladders name the same key point")
        return self

    def hint_ladder(self, point: int) -> HintLadder | None:
        """The bank's hints for key point `point` (from 0), if it has them."""
        return next((h for h in self.hints if h.key_point == point), None)

    def probe_for(self, point: int) -> FollowUp | None:
        """The bank's probe for key point `point` (from 0), if it has one."""
        return next((f for f in self.follow_ups if f.key_point == point), None)

    def content_hash(self) -> str:
        """Stable hash of everything but the bank name: lets ingest skip unchanged items."""
        data = self.model_dump(exclude={"bank"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class Bank(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    description: str = ""
    questions: list[Question] = Field(min_length=1)
    path: str = ""

    @model_validator(mode="after")
    def _unique_ids(self) -> "Bank":
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"duplicate question id {q.id!r}")
            seen.add(q.id)
            q.bank = self.id
        return self

    def get(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def to_yaml(self) -> str:
        data = self.model_dump(exclude={"path"}, exclude_defaults=False)
        for q in data["questions"]:
            q.pop("bank", None)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def knowledge_dir() -> Path:
    """Where the bundled banks are: the repo's knowledge/ or the installed package's copy."""
    try:
        return bundled_dir("knowledge")
    except FileNotFoundError:
        raise KnowledgeError("no knowledge/ folder found; set INTERVIEWER_KNOWLEDGE_DIR") from None


def _locate(error: dict, raw: dict) -> tuple[str, str]:
    """Turn a pydantic error location into (question id, field name)."""
    loc = list(error["loc"])
    question_id = ""
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        items = raw.get("questions") or []
        item = items[loc[1]] if loc[1] < len(items) else {}
        question_id = str(item.get("id", f"#{loc[1] + 1}")) if isinstance(item, dict) else f"#{loc[1] + 1}"
        loc = loc[2:]
    return question_id, ".".join(str(part) for part in loc)


def load_bank(path: str | Path) -> Bank:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"not valid YAML ({exc})", file=str(path)) from exc
    except OSError as exc:
        raise KnowledgeError(f"cannot read ({exc.strerror})", file=str(path)) from exc
    if not isinstance(raw, dict):
        raise KnowledgeError("expected a mapping with id, title and questions", file=str(path))
    try:
        bank = Bank.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        question_id, field = _locate(first, raw)
        raise KnowledgeError(first["msg"], file=str(path), question_id=question_id, field=field) from exc
    bank.path = str(path)
    return bank


def bank_files(paths: list[str | Path] | None = None) -> list[Path]:
    """Expand folders into their *.yaml files; default is the bundled knowledge dir."""
    found: list[Path] = []
    for p in [Path(x) for x in (paths or [knowledge_dir()])]:
        found += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]
    return found


def load_banks(paths: list[str | Path] | None = None) -> list[Bank]:
    """Load every bank, all or nothing: one bad file raises before any is used."""
    banks = [load_bank(p) for p in bank_files(paths)]
    seen: dict[str, str] = {}
    for bank in banks:
        for q in bank.questions:
            if q.id in seen:
                raise KnowledgeError(
                    f"duplicate question id (also in {seen[q.id]})", file=bank.path, question_id=q.id, field="id"
                )
            seen[q.id] = bank.path
    return banks
