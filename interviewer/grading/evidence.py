"""Offline evidence: sentence embeddings and text features of an answer against a task.

A task's vectors (question, references, key points, exemplars) are computed once and cached; an answer costs one
embedding call for its sentences plus the whole text. The feature names are the columns of the calibrated model
in interviewer/data/grader_params.json (bench/calibrate_grader.py fits it).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np

from interviewer import text as tx
from interviewer.knowledge.embeddings import VectorCache

from . import rubric, verdicts
from .types import PASS_MARK, GradeTask

BASE_FEATURES = (
    "ref_cos",
    "kp_mean",
    "kp_min",
    "lex_recall",
    "lex_prec",
    "new_recall",
    "q_cos",
    "neg_mismatch",
    "len_ratio",
)
KNN_FEATURES = BASE_FEATURES + ("knn_score", "knn_margin", "knn_top", "knn_lex_score", "knn_lex_margin")
# Long answers: no length feature (the rubric: length is not credit; on the banks it costs 0.01 Spearman).
LONG_FEATURES = tuple(f for f in BASE_FEATURES if f != "len_ratio") + ("kp_covered", "kp_partly", "kp_contradicted")
LONG_KNN_FEATURES = LONG_FEATURES + KNN_FEATURES[len(BASE_FEATURES) :]
LONG_REFERENCE = 50  # words: references this long (interview answers) use the "long" models
KNN_K = 5
FILLER = 0.20  # a sentence this far (cosine) from question, points and references adds no words or length
KNN_SHARPNESS = 20.0  # softmax sharpness over exemplar cosines
LEX_SHARPNESS = 10.0  # ... over exemplar word overlap (Jaccard of content stems)


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def default_embedder() -> Embedder:
    from interviewer.knowledge.embeddings import get_model

    return get_model()


@dataclass(frozen=True)
class PointGroup:
    """One way to be right: the task's key points, or the points of one reference answer."""

    points: tuple[str, ...]
    vectors: np.ndarray
    stems: tuple[frozenset[str], ...]
    negated: tuple[bool, ...]


@dataclass(frozen=True)
class TaskVectors:
    question: np.ndarray
    references: np.ndarray
    reference_stems: tuple[frozenset[str], ...]
    new_stems: tuple[frozenset[str], ...]  # reference stems the question does not already contain
    reference_negated: tuple[bool, ...]
    reference_len: float
    question_stems: frozenset[str]
    groups: tuple[PointGroup, ...]
    exemplars: np.ndarray
    exemplar_stems: tuple[frozenset[str], ...]
    exemplar_scores: np.ndarray  # 0-1
    claims: np.ndarray  # the misconceptions' vectors (wrong claims, each against a key point of groups[0])
    profile: np.ndarray  # the question with its key points as one text (grading/relevance.py)
    claim_points: tuple[int, ...] = ()
    claim_negated: tuple[bool, ...] = ()


@dataclass(frozen=True)
class Evidence:
    features: dict[str, float]
    group: PointGroup
    point_sims: np.ndarray  # (units, points) cosine of each unit to each point of the chosen group
    units: list[str]  # the sentences, then the whole answer
    answer_vec: np.ndarray
    stems: frozenset[str]
    relevance: float  # max cosine of the answer to question, references and points
    explained: tuple[bool, ...] = ()  # per sentence: says how or why (not only names terms)
    wrong: dict[int, tuple[int, float]] | None = None  # key point -> (sentence stating a wrong claim, cosine)
    listed_claims: bool = False  # the rubric lists wrong claims for these points (then polarity is not used)

    @property
    def point_best(self) -> np.ndarray:
        return self.point_sims.max(axis=0)


def _frozen(text: str) -> frozenset[str]:
    return frozenset(tx.content_stems(text))


_TASK_LOCK = threading.Lock()  # one build at a time: a grade waits for the warm-up's build instead of repeating it


def task_vectors(task: GradeTask, embedder: Embedder | None = None) -> TaskVectors:
    with _TASK_LOCK:
        if embedder is None:
            return _cached_task_vectors(task)
        return _build_task_vectors(task, embedder)


@lru_cache(maxsize=512)
def _cached_task_vectors(task: GradeTask) -> TaskVectors:
    return _build_task_vectors(task, default_embedder())


_TEXTS = VectorCache(8192)  # exemplars recur across tasks


def _build_task_vectors(task: GradeTask, embedder: Embedder) -> TaskVectors:
    groups_text = [task.key_points] if task.key_points else [tuple(tx.split_points(r)) for r in task.reference_answers]
    flat = [p for g in groups_text for p in g]
    claims = [m for m in task.misconceptions if task.key_points and m.key_point < len(task.key_points)]
    texts = [task.question, *task.reference_answers, *flat, *(e.answer for e in task.exemplars)]
    profile = " ".join([task.question, *groups_text[0]])
    vecs = _TEXTS.embed(texts + [m.claim for m in claims] + [profile], embedder)
    vecs, claim_vecs, profile_vec = vecs[: len(texts)], vecs[len(texts) : -1], vecs[-1]
    n_ref = len(task.reference_answers)
    q_vec, ref_vecs = vecs[0], vecs[1 : 1 + n_ref]
    point_vecs, ex_vecs = vecs[1 + n_ref : 1 + n_ref + len(flat)], vecs[1 + n_ref + len(flat) :]
    groups, start = [], 0
    for g in groups_text:
        groups.append(
            PointGroup(
                tuple(g),
                point_vecs[start : start + len(g)],
                tuple(_frozen(p) for p in g),
                tuple(verdicts.negated(p) for p in g),
            )
        )
        start += len(g)
    q_stems = _frozen(task.question)
    ref_stems = tuple(_frozen(r) for r in task.reference_answers)
    return TaskVectors(
        question=q_vec,
        references=ref_vecs,
        reference_stems=ref_stems,
        new_stems=tuple((s - q_stems) or s for s in ref_stems),
        reference_negated=tuple(tx.negated(r) for r in task.reference_answers),
        reference_len=float(np.mean([len(s) for s in ref_stems])),
        question_stems=q_stems,
        groups=tuple(groups),
        exemplars=ex_vecs,
        exemplar_stems=tuple(_frozen(e.answer) for e in task.exemplars),
        exemplar_scores=np.array([e.score / 10.0 for e in task.exemplars], dtype=np.float32),
        claims=claim_vecs,
        profile=profile_vec,
        claim_points=tuple(m.key_point for m in claims),
        claim_negated=tuple(verdicts.negated(m.claim) for m in claims),
    )


def knn_features(
    exemplars: np.ndarray,
    exemplar_stems: Sequence[frozenset[str]],
    scores: np.ndarray,
    answer_vec: np.ndarray,
    answer_stems: frozenset[str],
) -> dict[str, float]:
    """Evidence from graded exemplars (scores 0-1), by embedding and by shared content words: the
    similarity-weighted score of the nearest ones, the score of the nearest, and the margin between the nearest
    passing and the nearest failing exemplar. Neutral values without exemplars."""
    if not len(scores):
        return {"knn_score": 0.5, "knn_margin": 0.0, "knn_top": 0.5, "knn_lex_score": 0.5, "knn_lex_margin": 0.0}
    passing = scores >= PASS_MARK / 10.0
    out = {}
    jaccard = np.array([len(answer_stems & s) / max(len(answer_stems | s), 1) for s in exemplar_stems])
    for prefix, sims, sharpness in (
        ("knn", exemplars @ answer_vec, KNN_SHARPNESS),
        ("knn_lex", jaccard, LEX_SHARPNESS),
    ):
        top = np.argsort(-sims, kind="stable")[:KNN_K]
        w = np.exp(sharpness * (sims[top] - sims[top].max()))
        out[f"{prefix}_score"] = float(w @ scores[top] / w.sum())
        out[f"{prefix}_margin"] = (
            float(sims[passing].max() - sims[~passing].max()) if passing.any() and (~passing).any() else 0.0
        )
        if prefix == "knn":
            out["knn_top"] = float(scores[top[0]])
    return out


def embed_units(units: list[str], embedder: Embedder | None = None) -> np.ndarray:
    return (embedder or default_embedder()).embed(units) if units else np.zeros((0, 384), dtype=np.float32)


def compute(
    task: GradeTask, units: list[str], unit_vecs: np.ndarray, relevance: np.ndarray, embedder: Embedder | None = None
) -> Evidence:
    """Features of the answer made of `units` (screened sentences, at least one) with their vectors. Word
    overlap and length count only sentences with relevance >= FILLER, so filler adds neither."""
    vectors = task_vectors(task, embedder)
    answer = " ".join(units)
    full = unit_vecs[0] if len(units) == 1 else embed_units([answer], embedder)[0]
    focus = " ".join(u for u, r in zip(units, relevance) if r >= FILLER) or answer
    candidates = np.vstack([unit_vecs, full[None, :]])  # sentences, then the whole answer
    best_group, best = None, None
    for group in vectors.groups:
        sims = candidates @ group.vectors.T
        if best is None or sims.max(axis=0).mean() > best.max(axis=0).mean():
            best_group, best = group, sims
    wrong: dict[int, tuple[int, float]] = {}
    if best_group is vectors.groups[0]:
        wrong = verdicts.stated_claims(
            unit_vecs, units, vectors.claims, vectors.claim_points, vectors.claim_negated, best_group.vectors
        )
        if wrong:  # a sentence that states a wrong claim covers nothing
            best = best.copy()
            best[[i for i, _ in wrong.values()], :] = 0.0
    point_best = best.max(axis=0)

    ref_cos = vectors.references @ full
    stems = tx.content_stems(focus)
    stem_set = frozenset(stems)
    lex = [tx.overlap(stems, list(r)) for r in vectors.reference_stems]
    i = int(np.argmax([2 * r * p / (r + p) if r + p else 0.0 for r, p in lex]))
    new_recall = tx.overlap(stems, list(vectors.new_stems[i]))[0]
    best_ref = int(np.argmax(ref_cos))
    features = {
        "ref_cos": float(ref_cos.max()),
        "kp_mean": float(point_best.mean()),
        "kp_min": float(point_best.min()),
        "lex_recall": lex[i][0],
        "lex_prec": lex[i][1],
        "new_recall": new_recall,
        "q_cos": float(full @ vectors.question),
        "neg_mismatch": float(tx.negated(answer) != vectors.reference_negated[best_ref]),
        "len_ratio": float(np.clip(math.log((1 + len(stem_set)) / (1 + vectors.reference_len)), -2.5, 1.0)),
        **knn_features(vectors.exemplars, vectors.exemplar_stems, vectors.exemplar_scores, full, stem_set),
    }
    evidence = Evidence(
        features,
        best_group,
        best,
        [*units, answer],
        full,
        stem_set,
        float(max(features["ref_cos"], features["q_cos"], point_best.max())),
        tuple(not verdicts.names_only(u) for u in units) if rubric.applies(task) else (True,) * len(units),
        wrong,
        best_group is vectors.groups[0] and bool(vectors.claim_points),
    )
    statuses = [point_status(evidence, j) for j in range(len(best_group.points))]
    features["kp_covered"] = sum(s.status == "covered" for s in statuses) / len(statuses)
    features["kp_partly"] = sum(s.status in ("covered", "partly") for s in statuses) / len(statuses)
    features["kp_contradicted"] = sum(s.contradicted for s in statuses) / len(statuses)
    return evidence


def point_status(evidence: Evidence, j: int) -> verdicts.PointStatus:
    """Covered / partly / missed / contradicted for key point j of the chosen group (grading/verdicts.py)."""
    return verdicts.point_status(
        evidence.point_sims,
        evidence.units,
        evidence.explained or (True,) * len(evidence.units),
        evidence.wrong or {},
        None if evidence.wrong is not None and evidence.listed_claims else evidence.group.negated[j],
        j,
    )
