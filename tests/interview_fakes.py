"""Fakes for the interview tests: a tiny question source, a keyword grader and a fixed clock.

Imported by tests/test_session.py and friends (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

from interviewer.config import Settings
from interviewer.grading import Grade, KeyPointResult
from interviewer.interview.deps import Deps
from interviewer.knowledge.bank import Question
from interviewer.llm import FakeChatModel


def _q(
    qid: str,
    topic: str,
    difficulty: int,
    question: str,
    reference: str,
    points: list[str],
    probes: list[tuple[str, int]],
    bank: str = "core",
) -> Question:
    q = Question(
        id=qid,
        topic=topic,
        difficulty=difficulty,
        question=question,
        reference_answer=reference,
        key_points=points,
        follow_ups=[{"probe": p, "key_point": k} for p, k in probes],
    )
    q.bank = bank
    return q


QUESTIONS = [
    _q(
        "ml-overfit",
        "Machine learning",
        1,
        "How would you detect and reduce overfitting in a model?",
        "Overfitting shows up as a gap between training and validation error, so always keep a held-out validation "
        "set and watch both curves. Reduce it with regularisation such as dropout or weight decay, which limits "
        "the effective capacity of the network. Gathering more data or augmenting the existing examples helps the "
        "model generalise. Early stopping halts training once validation loss starts rising.",
        [
            "A growing gap between training and validation error signals overfitting",
            "Regularisation like dropout or weight decay limits capacity",
            "More data or augmentation improves generalisation",
            "Early stopping halts training when validation loss rises",
        ],
        [("How exactly does dropout reduce overfitting?", 2), ("What would you do if you could not get more data?", 3)],
    ),
    _q(
        "ml-leakage",
        "Machine learning",
        2,
        "What is data leakage and how do you prevent it?",
        "Data leakage happens when information that would not be available at prediction time sneaks into the "
        "training features, which inflates offline metrics. Prevent it by splitting data before any preprocessing, "
        "fitting scalers and encoders only on the training fold, and using time-based splits for temporal data. "
        "Audit suspiciously predictive features.",
        [
            "Leakage is information unavailable at prediction time entering training",
            "Split before preprocessing and fit transforms on the training fold only",
            "Use time-based splits for temporal data",
            "Audit features that look suspiciously predictive",
        ],
        [("Why must the scaler be fitted only on training data?", 2), ("How would you split a time series?", 3)],
    ),
    _q(
        "sd-cache",
        "System design",
        2,
        "How would you add a cache in front of a slow database?",
        "Put a read-through cache such as Redis in front of the database and serve hot keys from memory. Choose an "
        "eviction policy like least recently used and set time to live values so stale entries expire. Handle "
        "invalidation on writes, either write-through or by deleting keys. Protect against a thundering herd with "
        "request coalescing.",
        [
            "A read-through cache like Redis serves hot keys from memory",
            "Eviction policies such as least recently used and time to live bound staleness",
            "Writes must invalidate or update cached entries",
            "Request coalescing prevents a thundering herd",
        ],
        [
            ("What happens to the cache when a row is updated?", 3),
            ("What is a thundering herd and how do you stop it?", 4),
        ],
        bank="design",
    ),
    _q(
        "sd-shard",
        "System design",
        3,
        "How would you shard a user table that no longer fits on one machine?",
        "Pick a shard key with high cardinality and even access, such as a hashed user identifier, so load spreads "
        "evenly. Use consistent hashing so adding a node moves only a fraction of keys. Cross-shard queries and "
        "transactions become expensive, so design access patterns around the key. Plan resharding and hot-spot "
        "mitigation from the start.",
        [
            "Choose a high-cardinality evenly accessed shard key such as a hashed user id",
            "Consistent hashing limits data movement when nodes are added",
            "Cross-shard queries and transactions are expensive",
            "Plan for resharding and hot spots",
        ],
        [
            ("What goes wrong with a badly chosen shard key?", 1),
            ("How does consistent hashing help when you add nodes?", 2),
        ],
        bank="design",
    ),
    _q(
        "ml-metrics",
        "Machine learning",
        3,
        "Which metric would you use for a fraud model with rare positives?",
        "Accuracy is misleading with rare positives because predicting the majority class scores well. Use "
        "precision and recall, or the area under the precision recall curve, and pick an operating threshold from "
        "the cost of false positives versus missed fraud. Monitor the metric over time as fraud patterns drift.",
        [
            "Accuracy misleads when positives are rare",
            "Precision, recall and the PR curve suit imbalanced classes",
            "Choose the threshold from the business cost of errors",
            "Monitor for drift over time",
        ],
        [("Why is accuracy misleading here?", 1), ("How would you choose the decision threshold?", 3)],
    ),
]


@dataclass(frozen=True)
class FakeHit:
    question: Question
    score: float


@dataclass
class FakeIndex:
    questions: list[Question] = field(default_factory=lambda: [q.model_copy(deep=True) for q in QUESTIONS])

    def all(self) -> list[Question]:
        return list(self.questions)

    def get(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def search(self, text: str, k: int = 5, where: dict | None = None) -> list[FakeHit]:
        want = _words(text)
        hits = [FakeHit(q, len(want & _words(f"{q.topic} {q.question}")) / max(1, len(want))) for q in self.questions]
        return sorted(hits, key=lambda h: -h.score)[:k]


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 3}


def keyword_grade(question: Question, answer: str, llm=None) -> Grade:
    """Deterministic stand-in for the grader: a key point is covered when half its content words appear."""
    said = _words(answer)
    results = []
    for point in question.key_points:
        want = _words(point)
        share = len(want & said) / max(1, len(want))
        status = "covered" if share >= 0.5 else "partly" if share >= 0.25 else "missed"
        results.append(KeyPointResult(point=point, status=status, evidence=answer[:80] if status != "missed" else ""))
    value = sum({"covered": 1.0, "partly": 0.5, "missed": 0.0}[r.status] for r in results) / len(results)
    score = round(10 * value, 1)
    flags = ["empty"] if not answer.strip() else (["too_short"] if len(answer.split()) < 4 else [])
    return Grade(
        score=score,
        passed=score >= 6,
        key_points=results,
        flags=flags,
        strengths=[r.point for r in results if r.status == "covered"][:2],
        gaps=[r.point for r in results if r.status == "missed"][:2],
        feedback=f"Offline feedback: {score}/10.",
        mode="llm" if llm else "offline",
        confidence=0.8,
    )


def fake_feedback(question: Question, answer: str, grade: Grade, llm=None) -> Iterator[str]:
    if llm is None:
        yield grade.feedback
        return
    yield from llm.stream([], max_tokens=100)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def make_deps(llm: FakeChatModel | None = None, index: FakeIndex | None = None, tmp_path=None, **kw) -> Deps:
    counter = iter(range(1, 10_000))
    settings = Settings(data_dir=tmp_path) if tmp_path else Settings()
    options = (
        dict(
            clock=Clock(),
            grade_fn=keyword_grade,
            feedback_fn=fake_feedback,
            prepare_fn=None,
            new_id=lambda: f"s{next(counter):04d}",
        )
        | kw
    )
    return Deps(settings=settings, llm=llm, index=index or FakeIndex(), **options)


GOOD = {q.id: " ".join(q.key_points) + "." for q in QUESTIONS}


# Each key point in a candidate's own words (fresh, not the bank's): about half its content words, no 4-word run of
# it, so keyword_grade covers it and the copy check (the model answer pasted back) does not fire.
OWN_WORDS = {
    "ml-overfit": [
        "When training error keeps falling but validation error grows, the gap tells me it is overfitting.",
        "I'd add dropout and weight decay as regularisation, which keeps the network from memorising.",
        "More data, or augmentation of what we have, helps it generalise to new examples.",
        "I stop training early, as soon as the validation loss turns upward.",
    ],
    "ml-leakage": [
        "Leakage means the model trains on information it would not have at prediction time.",
        "Do the split first, then learn every preprocessing step from the training fold alone.",
        "With temporal data I would split by time so the past never sees the future.",
        "Any feature that looks suspiciously predictive deserves an audit before I trust it.",
    ],
    "sd-cache": [
        "Redis as a read-through layer keeps the hot keys in memory so most reads skip the database.",
        "Set eviction to least recently used and give entries a time to live.",
        "On every write I would invalidate or update the cached entries for that row.",
        "Coalescing requests for the same key stops a thundering herd after an expiry.",
    ],
    "sd-shard": [
        "I'd shard on a hashed user id because it has high cardinality and spreads access evenly.",
        "With consistent hashing, adding nodes only moves a slice of the data.",
        "Queries and transactions that cross shards get expensive, so I avoid them.",
        "From day one I'd plan how to reshard and how to handle hot spots.",
    ],
    "ml-metrics": [
        "Plain accuracy misleads here because the positives are so rare.",
        "I'd report precision and recall since the classes are imbalanced, and look at the PR curve.",
        "The threshold should come from the business cost of each kind of error.",
        "I'd monitor the metric over time because fraud patterns drift.",
    ],
}
