"""Fitting the grader's logistic models (bench only: needs scipy and scikit-learn, the `bench` extra).

Known signs are constraints of the fit, not hopes: a feature in SIGNS can only move the score its way (more
contradiction never raises a score, more coverage never lowers it). L2-penalised logistic regression on
standardised features, solved with bounded L-BFGS; soft targets in [0, 1] (score / 10) are allowed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from interviewer.grading.model import probability_to_score  # noqa: E402
from interviewer.grading.types import PASS_MARK  # noqa: E402

# +1: never lowers the probability as it grows; -1: never raises it; absent: free (q_cos, len_ratio)
SIGNS: dict[str, int] = {
    "ref_cos": 1, "kp_mean": 1, "kp_min": 1, "lex_recall": 1, "lex_prec": 1, "new_recall": 1, "neg_mismatch": -1,
    "kp_covered": 1, "kp_partly": 1, "kp_contradicted": -1, "knn_score": 1, "knn_margin": 1, "knn_top": 1,
    "knn_lex_score": 1, "knn_lex_margin": 1, "offline_logit": 1, "llm_coverage": 1,
}  # fmt: skip


def fit(X: np.ndarray, y: np.ndarray, C: float, names: Sequence[str] = ()) -> dict:
    """Logistic regression on standardised X with the signs of SIGNS enforced; y in {0, 1} or soft in [0, 1]."""
    from scipy.optimize import minimize

    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    Xs = (X - mean) / scale
    y = np.asarray(y, dtype=np.float64)
    d = Xs.shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = Xs @ w[:d] + w[d]
        p = 1 / (1 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 / C * w[:d] @ w[:d])
        grad = np.r_[Xs.T @ (p - y) + w[:d] / C, np.sum(p - y)]
        return value, grad

    signs = [SIGNS.get(n, 0) for n in names] or [0] * d
    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    w = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 2000}).x
    return {"mean": mean.tolist(), "scale": scale.tolist(), "coef": w[:d].tolist(), "intercept": float(w[d])}


def predict(model: dict, X: np.ndarray) -> np.ndarray:
    z = ((X - np.array(model["mean"])) / np.array(model["scale"])) @ np.array(model["coef"]) + model["intercept"]
    return 1 / (1 + np.exp(-z))


def out_of_fold(
    X: np.ndarray, y: np.ndarray, groups: list[str], C: float, folds: int, names: Sequence[str] = ()
) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(y))
    for tr, te in GroupKFold(n_splits=folds).split(X, y, groups):
        p[te] = predict(fit(X[tr], y[tr], C, names), X[te])
    return p


def scores(p: np.ndarray, caps: np.ndarray, threshold: float) -> np.ndarray:
    return np.minimum([probability_to_score(x, threshold) for x in p], caps)


def binary_metrics(y: np.ndarray, score: np.ndarray) -> dict:
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    pred = score >= PASS_MARK
    return {
        "n": int(len(y)),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
    }


def best_threshold(y: np.ndarray, p: np.ndarray, caps: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.20, 0.80, 0.01), 2)
    return float(max(grid, key=lambda t: f1_score(y, scores(p, caps, t) >= PASS_MARK, average="macro")))
