"""Batch grading and evaluation over JSONL files, and the CLI commands that wrap them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from interviewer.cli import main
from interviewer.grading.batch import eval_file, grade_file

SALT = {
    "question_id": "salt",
    "question": "How did you separate the salt from the water?",
    "reference_answer": "The water was evaporated, leaving the salt.",
}
ROWS = [
    {**SALT, "answer": "Let the water evaporate and the salt is left behind.", "label": "correct", "score_human": 5},
    {**SALT, "answer": "By letting it sit in a dish for a day.", "label": "incorrect", "score_human": 2},
    {**SALT, "answer": "I used a magnet.", "label": "incorrect", "score_human": 0},
    {
        "question": "What does k-fold cross-validation do?",
        "reference_answers": ["It trains on k-1 folds and validates on the remaining fold, k times, then averages."],
        "key_points": ["Train on k-1 folds and validate on the held-out fold", "Repeat k times and average the scores"],
        "answer": (
            "You split the data into k folds, train on k-1 and validate on the last one, "
            "rotating k times and averaging."
        ),
        "label": "correct",
        "score_human": 4,
    },
]


def write_jsonl(path, rows, extra_lines=()):
    lines = [json.dumps(r) for r in rows] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_grade_file_adds_results_and_skips_bad_rows(tmp_path, capsys):
    src = write_jsonl(
        tmp_path / "in.jsonl",
        ROWS,
        ["{not json", json.dumps({"question": "q?", "answer": "a"}), "", json.dumps([1, 2])],
    )
    out = tmp_path / "out" / "graded.jsonl"
    result = grade_file(src, out, mode="offline")
    assert result.graded == 4 and len(result.skipped) == 3
    assert [s.split(":")[0] for s in result.skipped] == ["line 5", "line 6", "line 8"]
    assert "line 6" in capsys.readouterr().err
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert [g["answer"] for g in graded] == [r["answer"] for r in ROWS]
    for g in graded:
        assert {"score", "passed", "flags", "key_points", "confidence"} <= g.keys()
        assert g["passed"] == (g["score"] >= 6.0)
    assert [kp["point"] for kp in graded[3]["key_points"]] == ROWS[3]["key_points"]
    assert graded[0]["score"] > graded[2]["score"]
    assert [p.name for p in out.parent.iterdir()] == ["graded.jsonl"]  # no temp file left behind


def test_grade_file_keeps_old_output_when_it_fails(tmp_path):
    out = write_jsonl(tmp_path / "out.jsonl", [{"old": True}])
    with pytest.raises(FileNotFoundError):
        grade_file(tmp_path / "missing.jsonl", out)
    assert json.loads(out.read_text()) == {"old": True} and len(list(tmp_path.iterdir())) == 1


def test_eval_file_reports_binary_and_numeric_metrics(tmp_path):
    src = write_jsonl(tmp_path / "labelled.jsonl", ROWS, ["{oops"])
    report = eval_file(src, mode="offline", limit=0)
    assert report["graded"] == 4 and report["skipped"] == [
        "line 5: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"
    ]
    assert set(report["binary"]) == {"n", "accuracy", "macro_f1", "roc_auc"} and report["binary"]["n"] == 4
    assert set(report["numeric"]) >= {"pearson", "spearman", "rmse", "qwk"} and report["numeric"]["human_range"] == [
        0.0,
        5.0,
    ]
    assert report["latency_ms"]["p50"] > 0
    limited = eval_file(src, limit=2)  # two rows spread over the file: the first and the last (the bad one)
    assert limited["graded"] == 1 and len(limited["skipped"]) == 1


def test_eval_file_uses_exemplars_from_another_file(tmp_path):
    """Graded train answers of the same question_id become neighbours: an answer worded like the correct train
    answers moves up, one worded like the incorrect one moves down, against the same file graded without them."""
    train = write_jsonl(
        tmp_path / "train.jsonl",
        [{**SALT, "answer": f"The water evaporates so the salt stays ({i}).", "label": "correct"} for i in range(3)]
        + [{**SALT, "answer": f"Leave it out in the sun for a while ({i}).", "label": "incorrect"} for i in range(3)],
    )
    rows = [
        {**SALT, "answer": "The water evaporates, so the salt stays behind.", "label": "correct"},
        {**SALT, "answer": "Leave it out in the sun for a while.", "label": "incorrect"},
    ]
    test = write_jsonl(tmp_path / "test.jsonl", rows)
    out_plain = tmp_path / "plain.jsonl"
    plain = eval_file(test)
    knn = eval_file(test, exemplars=train)
    assert knn["exemplars"] == str(train) and plain["exemplars"] is None
    grade_file(test, out_plain)
    scores_plain = [json.loads(line)["score"] for line in out_plain.read_text().splitlines()]
    from interviewer.grading import GradeExemplar, grade
    from interviewer.grading.batch import row_task

    pool = tuple(
        GradeExemplar(answer=r["answer"], score=10.0 * (r["label"] == "correct"))
        for r in map(json.loads, train.read_text().splitlines())
    )
    scores_knn = [grade(row_task(r, pool), r["answer"]).score for r in rows]
    assert scores_knn[0] > scores_plain[0] and scores_knn[1] < scores_plain[1], (scores_plain, scores_knn)
    assert knn["binary"]["roc_auc"] == 1.0


def test_eval_banks_reports_what_grading_each_exemplar_gives():
    """The report's numbers are the grades of the exemplars it lists, paired with their own hand scores (a check of
    the evaluation, not of the model: the long models were fitted on these exemplars)."""
    from interviewer.grading import GradeTask, grade, metrics
    from interviewer.knowledge import load_banks

    report = eval_file(None, mode="offline", limit=12)
    items = [(q, e) for b in load_banks() for q in b.questions for e in q.exemplars]
    picked = [items[i] for i in np.linspace(0, len(items) - 1, 12).round().astype(int)]
    human = [e.score for _, e in picked]
    plain = [grade(GradeTask.from_question(q).model_copy(update={"exemplars": ()}), e.answer).score for q, e in picked]
    loo = [grade(GradeTask.from_question(q).without_exemplar(e.answer), e.answer).score for q, e in picked]
    assert report["exemplars"] == 12
    assert report["without_exemplars"]["spearman"] == pytest.approx(metrics.spearman(human, plain), abs=1e-3)
    assert report["with_exemplars_loo"]["spearman"] == pytest.approx(metrics.spearman(human, loo), abs=1e-3)


def test_cli_grade_and_eval(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", ROWS[:2])
    main(["grade", str(src), "-o", str(tmp_path / "out.jsonl")])
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2
    capsys.readouterr()
    main(["eval", str(src)])
    assert json.loads(capsys.readouterr().out)["binary"]["n"] == 2


def test_a_row_may_carry_misconceptions_and_gets_a_contradicted_verdict(tmp_path):
    row = {
        "question": "Why fit a scaler on the training split only?",
        "reference_answer": "Statistics from the test split would leak into training and inflate the score.",
        "key_points": [
            "Fit the scaler on the training split only",
            "Reuse the fitted scaler on validation, test and live data",
            "Fitting on all data leaks test statistics into training",
        ],
        "misconceptions": [
            {"claim": "Standardise the whole dataset before you split it into train and test.", "key_point": 1}
        ],
        "answer": "I standardise the entire dataset first and split it into train and test afterwards.",
    }
    out = tmp_path / "out.jsonl"
    grade_file(
        write_jsonl(tmp_path / "in.jsonl", [row, {**row, "misconceptions": [{"claim": "x", "key_point": 9}]}]), out
    )
    graded = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(graded) == 1  # the row naming key point 9 of 3 is reported and skipped
    first = graded[0]["key_points"][0]
    assert first["status"] == "contradicted" and first["evidence"].startswith("I standardise the entire dataset")
