"""The grader: typed result, calibration order on the seed bank, key-point evidence, score mapping, metrics."""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from interviewer.grading import PASS_MARK, Grade, GradeTask, grade, metrics
from interviewer.grading.model import load_params, probability_to_score
from interviewer.knowledge.bank import knowledge_dir, load_bank
from interviewer.text import content_stems, negated, sentences, split_points, stem


@pytest.fixture(scope="module")
def seed():
    return load_bank(knowledge_dir() / "ml_system_design.yaml")


def test_grade_is_typed_and_consistent(seed):
    q = seed.questions[0]
    answer = next(e.answer for e in q.exemplars if e.label == "strong")
    g = grade(GradeTask.from_question(q), answer)
    assert isinstance(g, Grade) and g.mode == "offline"
    assert 0 <= g.score <= 10 and round(g.score, 1) == g.score
    assert g.passed == (g.score >= PASS_MARK) and g.pass_mark == 6.0
    assert [kp.point for kp in g.key_points] == q.key_points
    flat = " ".join(answer.split())
    for kp in g.key_points:
        assert kp.status in {"covered", "partly", "missed"}
        assert (kp.evidence == "") if kp.status == "missed" else (kp.evidence in flat)
    assert g.feedback.startswith("This answer") and "you" in g.feedback.lower()
    assert 0.0 <= g.confidence <= 1.0


FRESH = yaml.safe_load((Path(__file__).parent / "data" / "fresh_answers.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("qid", sorted(FRESH))
def test_fresh_answers_score_in_band_order(seed, qid):
    """Answers written for the tests (not exemplars, so not what the models were fitted on): without exemplars
    (the path of every imported question) strong > partial > weak; with the bank's exemplars the strong answer still
    passes and beats both; neither weaker one passes either way."""
    task = GradeTask.from_question(seed.get(qid))
    bare = task.model_copy(update={"exemplars": ()})
    answers = FRESH[qid]
    plain = {band: grade(bare, text).score for band, text in answers.items()}
    assert plain["strong"] > plain["partial"] > plain["weak"], plain
    graded = {band: grade(task, text).score for band, text in answers.items()}
    assert graded["strong"] > max(graded["partial"], graded["weak"]), graded
    for scores in (plain, graded):
        assert scores["strong"] >= PASS_MARK and scores["partial"] < PASS_MARK and scores["weak"] < PASS_MARK, scores


def test_key_points_derived_from_reference_when_missing():
    task = GradeTask(
        question="How did you separate the salt from the water?",
        reference_answers=("The water was evaporated, leaving the salt.",),
    )
    assert task.points == ("The water was evaporated, leaving the salt.",)
    good = grade(task, "I let the water evaporate and the salt was left behind.")
    bad = grade(task, "I used a magnet to pull the salt out.")
    assert good.score > bad.score and good.key_points[0].status != "missed"
    assert good.key_points[0].evidence == "I let the water evaporate and the salt was left behind."


def test_any_reference_answer_counts():
    refs = (
        "Terminal 1 and the positive terminal are separated by the gap",
        "Terminal 1 is connected to the negative battery terminal",
    )
    task = GradeTask(
        question="Explain why you got a voltage reading of 1.5 for terminal 1 and the positive terminal.",
        reference_answers=refs,
    )
    first = grade(task, "terminal 1 is connected to the negative terminal of the battery")
    assert first.score >= grade(task, "the bulb is broken").score


def test_contradiction_is_marked_and_scores_lower():
    task = GradeTask(
        question="Will the motor run? Why?",
        reference_answers=("The motor will not run because the circuit is not complete.",),
    )
    contradicted = grade(task, "The motor will run because the circuit is complete.")
    right = grade(task, "The motor won't run since the circuit is not complete.")
    assert contradicted.key_points[0].contradicted and not right.key_points[0].contradicted
    assert contradicted.score < right.score and "contradicts" in contradicted.feedback


def test_split_points_and_text_helpers():
    points = split_points("First point here. Second point there; with details. Third one!")
    assert points == ["First point here.", "Second point there;", "with details.", "Third one!"]
    assert stem("evaporated") == stem("evaporation") == stem("evaporating")
    assert negated("it doesn't work") and negated("no gas") and not negated("it works")
    assert content_stems("The water was evaporated") == [stem("water"), stem("evaporated")]
    assert sentences("1. Measure it. 2. Weigh it.") == ["Measure it.", "Weigh it."]


def test_probability_maps_threshold_to_pass_mark():
    t = load_params().models["base"].threshold
    assert probability_to_score(t, t) == pytest.approx(PASS_MARK)
    assert probability_to_score(0.0, t) == 0.0 and probability_to_score(1.0, t) == 10.0
    grid = [probability_to_score(p, t) for p in np.linspace(0, 1, 21)]
    assert grid == sorted(grid)


def test_offline_latency_budget(seed):
    q = seed.questions[1]
    task = GradeTask.from_question(q)
    grade(task, "warm up")
    times = []
    for e in q.exemplars:
        start = time.perf_counter()
        grade(task, e.answer)
        times.append(time.perf_counter() - start)
    assert float(np.median(times)) < 0.3


def test_metrics_against_known_values():
    y = [True, True, False, False]
    assert metrics.roc_auc(y, [0.9, 0.4, 0.5, 0.1]) == pytest.approx(0.75)
    assert metrics.macro_f1(y, [True, False, False, False]) == pytest.approx((2 / 3 + 0.8) / 2)
    assert metrics.spearman([1, 2, 3, 4], [10, 20, 30, 25]) == pytest.approx(0.8)
    assert metrics.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert metrics.qwk([0, 1, 2, 3], [0, 1, 2, 3]) == 1.0
    assert metrics.qwk([0, 0, 1, 1], [1, 1, 0, 0]) < 0
    numeric = metrics.numeric([0, 5, 2.5], [0, 10, 5])
    assert numeric["rmse"] == 0.0 and numeric["human_range"] == [0.0, 5.0]
    assert math.isnan(metrics.roc_auc([True], [1.0]))


def test_text_cache_survives_overflow(monkeypatch):
    from interviewer.grading import evidence

    class Counting:
        calls: list[list[str]] = []

        def embed(self, texts):
            self.calls.append(list(texts))
            return np.ones((len(texts), 4), dtype=np.float32)

    monkeypatch.setattr(evidence, "_TEXT_CACHE", {})
    monkeypatch.setattr(evidence, "_TEXT_CACHE_SIZE", 3)
    embedder = Counting()
    assert evidence._embed_cached(["a", "b", "a"], embedder).shape == (3, 4) and embedder.calls == [["a", "b"]]
    assert evidence._embed_cached(["a", "c", "d"], embedder).shape == (3, 4)  # overflow: cleared, all re-embedded
    assert evidence._embed_cached(["c"], embedder).shape == (1, 4) and len(embedder.calls) == 2
