"""Unseen questions, the main case: the offline grader's short-answer model measured leave-questions-out on the
SemEval-2013 train sets. Ten random half splits of each corpus's questions: fit on one half (no exemplar of a tested
question anywhere), test on the other, macro-F1 and ROC-AUC per corpus, mean and spread. Also the plain cosine of
reference and answer (threshold tuned on the fitted half) as the floor to beat, and the unseen-answers test splits
with the model fitted on all train rows, without and with same-question exemplars. Prints JSON.

    .venv/bin/python bench/grader_lqo.py [--cache /tmp/asag_rows.pkl] [--splits 10]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from calibrate_grader import CORPORA, add_knn, featurise_all, matrix  # noqa: E402
from fitting import best_threshold, binary_metrics, fit, out_of_fold, predict, scores  # noqa: E402

from interviewer.grading.model import PARAMS_PATH, load_params  # noqa: E402

FREE = False  # --free: no sign constraints (how the grader was fitted before issue #12)
PER_CORPUS = False  # --per-corpus: fit one model per corpus instead of one for both


def split_scores(train, test, names: tuple[str, ...], C: float) -> np.ndarray:
    """Scores of `test` from a model fitted on `train` (threshold from out-of-fold predictions on `train`)."""
    X, y = matrix(train, names), np.array([r.y for r in train])
    caps = np.array([r.cap for r in train])
    signed = () if FREE else names
    oof = out_of_fold(X, y, [f"{r.corpus}/{r.qid}" for r in train], C, 5, signed)
    t = best_threshold(y, oof, caps)
    model = fit(X, y, C, signed)
    return scores(predict(model, matrix(test, names)), np.array([r.cap for r in test]), t)


def lqo(rows, splits: int, names: tuple[str, ...], C: float) -> dict:
    out: dict = {c: {"macro_f1": [], "roc_auc": []} for c in CORPORA}
    cosine: dict = {c: [] for c in CORPORA}
    for seed in range(splits):
        rng = np.random.default_rng(seed)
        held = set()
        for corpus in CORPORA:
            qids = sorted({r.qid for r in rows if r.corpus == corpus})
            held |= {(corpus, q) for q in rng.choice(qids, size=len(qids) // 2, replace=False)}
        for corpus in CORPORA:
            # one model for both corpora (as shipped), or one per corpus (--per-corpus)
            fitted = [r for r in rows if (r.corpus, r.qid) not in held and (not PER_CORPUS or r.corpus == corpus)]
            test = [r for r in rows if (r.corpus, r.qid) in held and r.corpus == corpus]
            s = split_scores(fitted, test, names, C)
            s_cos = split_scores(fitted, test, ("ref_cos",), 1.0)
            m = np.ones(len(test), dtype=bool)
            y = np.array([r.y for r in test])
            metrics = binary_metrics(y, s[m])
            out[corpus]["macro_f1"].append(metrics["macro_f1"])
            out[corpus]["roc_auc"].append(metrics["roc_auc"])
            cosine[corpus].append(binary_metrics(y, s_cos[m])["macro_f1"])
    summary = {}
    for corpus in CORPORA:
        summary[corpus] = {
            k: {"mean": round(float(np.mean(v)), 4), "sd": round(float(np.std(v)), 4)} for k, v in out[corpus].items()
        }
        summary[corpus]["cosine_macro_f1"] = round(float(np.mean(cosine[corpus])), 4)
    return summary


def unseen_answers(train, test) -> dict:
    """The shipped parameters on the test-unseen-answers splits: without exemplars (base) and with (knn)."""
    params = load_params()
    out = {}
    add_knn(test, train, None)
    for name in ("base", "knn"):
        model = params.models[name]
        p = np.array([model.probability(r.features) for r in test])
        s = scores(p, np.array([r.cap for r in test]), model.threshold)
        out[name] = {
            c: binary_metrics(np.array([r.y for r in test])[m], s[m])
            for c in CORPORA
            if (m := np.array([r.corpus == c for r in test])).any()
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "asag-2way")
    parser.add_argument("--cache", type=Path, help="pickle of featurised rows (bench/calibrate_grader.py --cache)")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--free", action="store_true", help="fit without the sign constraints")
    parser.add_argument("--per-corpus", action="store_true", help="fit one model per corpus")
    args = parser.parse_args(argv)
    global FREE, PER_CORPUS
    FREE, PER_CORPUS = args.free, args.per_corpus
    train, test = featurise_all(args.data, args.cache)
    base = json.loads(PARAMS_PATH.read_text(encoding="utf-8"))["models"]["base"]
    report = {
        "protocol": f"{args.splits} random half splits of each corpus's questions; fit on one half, test the other",
        "features": base["features"],
        "sign_constraints": not FREE,
        "fitted": "per corpus" if PER_CORPUS else "both corpora together",
        "leave_questions_out": lqo(train, args.splits, tuple(base["features"]), float(base.get("C", 0.1))),
        "test_unseen_answers": unseen_answers(train, test),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
