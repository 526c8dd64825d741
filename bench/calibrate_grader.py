"""Fit the offline grader's two logistic models and write interviewer/data/grader_params.json.

Training data: the ASAG 2-way train splits (SciEntsBank + Beetle, human labels correct/incorrect). Features come
from the grader itself (interviewer.grading.offline.gather), so training and run time see the same evidence.

- base model: evidence against the reference answers only (questions without graded exemplars);
- knn model: the same plus similarity to graded exemplars of the same question. Training rows get a random
  leave-one-out subset of 3..N other answers to their question, so the weights hold for 3 exemplars (our banks)
  as well as for 80 (ASAG).

Cross-validation is GroupKFold by question_id (no question in both folds). The decision threshold is the one
that maximises pooled out-of-fold macro-F1; it becomes the pass mark 6.0 through model.probability_to_score.
Needs scikit-learn (training only; the grader itself uses numpy).

    .venv/bin/python bench/calibrate_grader.py [--data DIR] [--out FILE] [--folds 5]
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fitting import best_threshold, binary_metrics, fit, out_of_fold, predict, scores  # noqa: E402

from interviewer.errors import InterviewerError  # noqa: E402
from interviewer.grading import evidence as ev  # noqa: E402
from interviewer.grading import metrics, offline  # noqa: E402
from interviewer.grading.model import PARAMS_PATH, load_params  # noqa: E402
from interviewer.grading.types import PASS_MARK, GradeExemplar, GradeTask  # noqa: E402
from interviewer.knowledge.bank import load_banks  # noqa: E402
from interviewer.knowledge.embeddings import get_model  # noqa: E402
from interviewer.text import content_stems  # noqa: E402

CORPORA = ("scientsbank", "beetle")
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
MIN_COMBINE_ROWS, MIN_COMBINE_GAIN = 100, 0.01  # the LLM combination ships only with this much evidence


@dataclass
class Row:
    corpus: str
    qid: str
    y: float  # 1 correct / 0 incorrect (ASAG), or score / 10 (bank exemplars)
    features: dict[str, float]
    answer_vec: np.ndarray  # the screened answer, as the grader sees it
    raw_vec: np.ndarray  # the raw answer, as an exemplar is embedded
    cap: float
    stems: frozenset[str]  # content stems of the screened answer
    raw_stems: frozenset[str]  # ... of the raw answer, as an exemplar


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def featurise(raw: list[dict], corpus: str) -> list[Row]:
    rows = []
    raw_vecs = get_model().embed([r["answer"] for r in raw])
    for r, raw_vec in zip(raw, raw_vecs):
        task = GradeTask(
            question=r["question"], reference_answers=tuple(r.get("reference_answers") or [r["reference_answer"]])
        )
        assessment = offline.assess(task, r["answer"])
        evidence, cap = assessment.evidence, assessment.cap
        feats = evidence.features if evidence else {f: 0.0 for f in ev.KNN_FEATURES}
        vec = evidence.answer_vec if evidence else raw_vec
        stems = evidence.stems if evidence else frozenset()
        rows.append(
            Row(
                corpus,
                r["question_id"],
                int(r["label"] == "correct"),
                dict(feats),
                vec,
                raw_vec,
                cap,
                stems,
                frozenset(content_stems(r["answer"])),
            )
        )
    return rows


def add_knn(rows: list[Row], pool: list[Row], rng: np.random.Generator | None) -> None:
    """kNN features against same-question exemplars from `pool`; with rng: leave-one-out random subsets."""
    by_q: dict[str, list[int]] = {}
    for i, r in enumerate(pool):
        by_q.setdefault(r.qid, []).append(i)
    for row in rows:
        idx = [i for i in by_q.get(row.qid, []) if pool[i] is not row]
        if rng is not None and len(idx) > 2:
            idx = list(rng.choice(idx, size=int(rng.integers(2, len(idx) + 1)), replace=False))
        vecs = np.array([pool[i].raw_vec for i in idx]).reshape(len(idx), -1)
        scores = np.array([pool[i].y for i in idx], dtype=np.float32)
        row.features.update(ev.knn_features(vecs, [pool[i].raw_stems for i in idx], scores, row.answer_vec, row.stems))


def matrix(rows: list[Row], names: tuple[str, ...]) -> np.ndarray:
    return np.array([[r.features[n] for n in names] for r in rows], dtype=np.float64)


def calibrate(train: list[Row], folds: int) -> tuple[dict, dict]:
    y = np.array([r.y for r in train])
    caps = np.array([r.cap for r in train])
    groups = [f"{r.corpus}/{r.qid}" for r in train]
    models, report = {}, {}
    for name, names in (("base", ev.BASE_FEATURES), ("knn", ev.KNN_FEATURES)):
        X = matrix(train, names)
        trials = {C: out_of_fold(X, y, groups, C, folds, names) for C in C_GRID}
        tuned = {C: best_threshold(y, p, caps) for C, p in trials.items()}
        C = max(C_GRID, key=lambda c: binary_metrics(y, scores(trials[c], caps, tuned[c]))["macro_f1"])
        t = tuned[C]
        model = fit(X, y, C, names) | {"features": list(names), "threshold": t, "C": C}
        models[name] = model
        oof = scores(trials[C], caps, t)
        report[name] = {
            c: binary_metrics(y[m], oof[m]) for c in CORPORA if (m := np.array([r.corpus == c for r in train])).any()
        }
        report[name]["C"], report[name]["threshold"] = C, t
        report[name]["coef"] = dict(zip(names, np.round(model["coef"], 3).tolist()))
    return models, report


def bank_rows() -> list[Row]:
    """Every exemplar of every bank, graded against its question without exemplars; y = score / 10."""
    rows = []
    for bank in load_banks():
        for q in bank.questions:
            task = GradeTask.from_question(q).model_copy(update={"exemplars": ()})
            for e, raw_vec in zip(q.exemplars, get_model().embed([e.answer for e in q.exemplars])):
                assessment = offline.assess(task, e.answer)
                evidence, cap = assessment.evidence, assessment.cap
                feats = evidence.features if evidence else {f: 0.0 for f in ev.LONG_KNN_FEATURES}
                vec = evidence.answer_vec if evidence else raw_vec
                stems = evidence.stems if evidence else frozenset()
                rows.append(
                    Row(
                        "banks",
                        q.id,
                        e.score / 10,
                        dict(feats),
                        vec,
                        raw_vec,
                        cap,
                        stems,
                        frozenset(content_stems(e.answer)),
                    )
                )
    return rows


def calibrate_long(rows: list[Row], folds: int) -> tuple[dict, dict]:
    """Soft-label models (p ~ score / 10, so the threshold is 0.6) chosen by cross-validated Spearman."""
    y, caps, groups = np.array([r.y for r in rows]), np.array([r.cap for r in rows]), [r.qid for r in rows]
    models, report = {}, {}
    for name, names in (("long_base", ev.LONG_FEATURES), ("long_knn", ev.LONG_KNN_FEATURES)):
        X = matrix(rows, names)
        trials = {C: scores(out_of_fold(X, y, groups, C, folds, names), caps, PASS_MARK / 10) for C in C_GRID}
        C = max(C_GRID, key=lambda c: metrics.spearman(y, trials[c]))
        models[name] = fit(X, y, C, names) | {"features": list(names), "threshold": PASS_MARK / 10, "C": C}
        oof = trials[C]
        bands = {
            "excellent": y >= 0.9,
            "strong": (y >= 0.7) & (y < 0.9),
            "partial": (y >= 0.4) & (y < 0.7),
            "weak": (y >= 0.15) & (y < 0.4),
            "wrong": y < 0.15,
        }
        report[name] = {
            **{k: v for k, v in metrics.numeric(10 * y, oof).items() if k != "human_range"},
            "pass_agreement": binary_metrics(y >= PASS_MARK / 10, oof),
            "mean_score_by_band": {b: round(float(oof[m].mean()), 2) for b, m in bands.items()},
            "C": C,
            "coef": dict(zip(names, np.round(models[name]["coef"], 3).tolist())),
        }
    return models, report


def test_report(models: dict, test: list[Row]) -> dict:
    out = {}
    for name, model in models.items():
        X = matrix(test, tuple(model["features"]))
        s = scores(predict(model, X), np.array([r.cap for r in test]), model["threshold"])
        y = np.array([r.y for r in test])
        out[name] = {
            c: binary_metrics(y[m], s[m]) for c in CORPORA if (m := np.array([r.corpus == c for r in test])).any()
        }
    return out


def featurise_all(data: Path, cache: Path | None) -> tuple[list[Row], list[Row]]:
    if cache and cache.exists():
        train, test = pickle.loads(cache.read_bytes())
        return [Row(**r) for r in train], [Row(**r) for r in test]
    train, test = [], []
    for corpus in CORPORA:
        train += featurise(load(data / f"{corpus}-train.jsonl"), corpus)
        test += featurise(load(data / f"{corpus}-test-unseen-answers.jsonl"), corpus)
    if cache:
        cache.write_bytes(pickle.dumps(([vars(r) for r in train], [vars(r) for r in test])))
    return train, test


def llm_rows(data: Path, n: int, cache: Path, exemplars: bool = True) -> list[dict]:
    """LLM verdicts for n train rows (spread over both corpora), with leave-one-out exemplars (or none: the case of
    a question without graded answers); cached as JSONL."""
    from interviewer.config import get_settings
    from interviewer.grading.llm_judge import VALUE, judge
    from interviewer.llm import build_llm

    done = [json.loads(line) for line in cache.read_text().splitlines()] if cache.exists() else []
    if len(done) >= n:
        return done[:n]
    llm = build_llm(get_settings())
    for corpus in CORPORA:
        raw = load(data / f"{corpus}-train.jsonl")
        picked = [raw[i] for i in np.linspace(0, len(raw) - 1, n // len(CORPORA)).round().astype(int)]
        for r in picked[sum(d["corpus"] == corpus for d in done) :]:
            others = tuple(
                GradeExemplar(answer=o["answer"], score=10.0 * (o["label"] == "correct"))
                for o in raw
                if o["question_id"] == r["question_id"] and o is not r
            )
            task = GradeTask(
                question=r["question"],
                reference_answers=tuple(r["reference_answers"]),
                exemplars=others if exemplars else (),
            )
            assessment = offline.assess(task, r["answer"])
            if assessment.evidence is None:
                continue
            try:
                verdicts = judge(assessment, r["answer"], llm)
            except InterviewerError as exc:
                print(f"skipped {r['question_id']}: {exc}", file=sys.stderr)
                continue
            row = {
                "corpus": corpus,
                "qid": r["question_id"],
                "y": int(r["label"] == "correct"),
                "cap": assessment.cap,
                "model": load_params().name_for(task),
                "features": assessment.evidence.features,
                "llm_coverage": sum(VALUE[v] for v in verdicts) / len(verdicts),
            }
            done.append(row)
            with cache.open("a") as f:
                f.write(json.dumps(row) + "\n")
    getattr(llm, "close", lambda: None)()
    return done


def calibrate_combine(rows: list[dict], folds: int) -> tuple[dict, dict]:
    """Logistic model over (offline logit, LLM key-point coverage), CV by question against offline alone."""
    names = ("offline_logit", "llm_coverage")
    params = load_params()  # the offline models just fitted: the cache keeps features, not logits
    X = np.array([[params.models[r["model"]].logit(r["features"]), r["llm_coverage"]] for r in rows])
    y, caps, groups = np.array([r["y"] for r in rows]), np.array([r["cap"] for r in rows]), [r["qid"] for r in rows]
    p = out_of_fold(X, y, groups, 1.0, folds, names)
    t = best_threshold(y, p, caps)
    offline_p = out_of_fold(X[:, :1], y, groups, 1.0, folds, names[:1])
    t0 = best_threshold(y, offline_p, caps)
    report = {
        "rows": len(rows),
        "cv_combined": binary_metrics(y, scores(p, caps, t)),
        "cv_offline_only": binary_metrics(y, scores(offline_p, caps, t0)),
    }
    model = fit(X, y, 1.0, names) | {"features": list(names), "threshold": t, "C": 1.0}
    report["coef"] = dict(zip(names, np.round(model["coef"], 3).tolist()))
    return model, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag-2way")
    parser.add_argument("--out", type=Path, default=PARAMS_PATH)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", type=Path, help="pickle of featurised rows: reused when present (for tuning)")
    parser.add_argument("--llm-rows", type=int, default=0, help="only fit the LLM combination, on N train rows")
    parser.add_argument("--llm-cache", type=Path, default=Path(tempfile.gettempdir()) / "grader_llm_verdicts.jsonl")
    parser.add_argument(
        "--llm-no-exemplars", action="store_true", help="fit the combination for questions without graded exemplars"
    )
    args = parser.parse_args(argv)
    started = time.time()
    if args.llm_rows:  # adds "combine" to the existing parameters
        name = "combine_base" if args.llm_no_exemplars else "combine"
        model, report = calibrate_combine(
            llm_rows(args.data, args.llm_rows, args.llm_cache, not args.llm_no_exemplars), args.folds
        )
        params = json.loads(args.out.read_text())
        params["models"].pop(name, None)
        gain = report["cv_combined"]["macro_f1"] - report["cv_offline_only"]["macro_f1"]
        if report["rows"] >= MIN_COMBINE_ROWS and gain >= MIN_COMBINE_GAIN:  # only when the data says it helps
            params["models"][name] = model
        params[f"{name}_cv"] = report
        args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(report, indent=2))
        return
    train, test = featurise_all(args.data, args.cache)
    add_knn(train, train, np.random.default_rng(args.seed))
    models, cv = calibrate(train, args.folds)
    add_knn(test, train, None)
    banks = bank_rows()
    add_knn(banks, banks, None)  # leave-one-out: each exemplar against the question's other exemplars
    long_models, long_cv = calibrate_long(banks, args.folds)
    models |= long_models
    cv |= {"banks_" + k: v for k, v in long_cv.items()}
    params = {
        "version": 1,
        "note": "fitted parameters (not a model file): see interviewer/grading/model.py",
        "trained_on": "base/knn: ASAG 2-way train splits (SciEntsBank + Beetle); long_*: the banks' exemplars",
        "min_exemplars": 2,
        "models": models,
        "cv_by_question": cv,
    }
    args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    short = {k: v for k, v in models.items() if not k.startswith("long_")}
    report = {
        "cv_by_question": cv,
        "test_unseen_answers": test_report(short, test),
        "seconds": round(time.time() - started),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
