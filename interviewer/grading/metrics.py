"""Agreement metrics between grader scores and human labels, numpy only.

Binary labels (correct / incorrect): accuracy and macro-F1 of `score >= pass mark`, ROC-AUC of the score.
Numeric human scores: Pearson, Spearman, RMSE after mapping 0-10 linearly onto the human range, and quadratic
weighted kappa of that mapped score rounded to the human scale's integer levels.
"""

from __future__ import annotations

import numpy as np

from .types import PASS_MARK


def ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties get their average rank."""
    x = np.asarray(x, dtype=np.float64)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    r[order] = np.arange(1, len(x) + 1)
    for value in np.unique(x):
        tied = x == value
        if tied.sum() > 1:
            r[tied] = r[tied].mean()
    return r


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return pearson(ranks(a), ranks(b))


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    y = np.asarray(y, bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if not n_pos or not n_neg:
        return float("nan")
    r = ranks(score)
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    y, pred = np.asarray(y, bool), np.asarray(pred, bool)
    f1s = []
    for cls in (True, False):
        tp = np.sum((pred == cls) & (y == cls))
        fp, fn = np.sum((pred == cls) & (y != cls)), np.sum((pred != cls) & (y == cls))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    return float(np.mean(f1s))


def qwk(a: np.ndarray, b: np.ndarray) -> float:
    """Quadratic weighted kappa of two integer ratings."""
    a, b = np.asarray(a, int), np.asarray(b, int)
    lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
    n = hi - lo + 1
    if n < 2:
        return 1.0
    observed = np.zeros((n, n))
    np.add.at(observed, (a - lo, b - lo), 1)
    expected = np.outer(observed.sum(1), observed.sum(0)) / len(a)
    weights = np.subtract.outer(np.arange(n), np.arange(n)) ** 2 / (n - 1) ** 2
    denominator = (weights * expected).sum()
    return float(1 - (weights * observed).sum() / denominator) if denominator else 1.0


def binary(y: list[bool], scores: list[float]) -> dict[str, float]:
    y_arr, s = np.asarray(y, bool), np.asarray(scores, float)
    return {
        "n": int(len(y_arr)),
        "accuracy": round(float(np.mean((s >= PASS_MARK) == y_arr)), 4),
        "macro_f1": round(macro_f1(y_arr, s >= PASS_MARK), 4),
        "roc_auc": round(roc_auc(y_arr, s), 4),
    }


def numeric(human: list[float], scores: list[float]) -> dict[str, float]:
    h, s = np.asarray(human, float), np.asarray(scores, float)
    lo, hi = float(h.min()), float(h.max())
    mapped = lo + (hi - lo) * s / 10.0
    step = 1.0 if np.allclose(h, np.round(h)) else 0.5
    levels = lambda x: np.round(x / step).astype(int)  # noqa: E731
    return {
        "n": int(len(h)),
        "pearson": round(pearson(h, s), 4),
        "spearman": round(spearman(h, s), 4),
        "rmse": round(float(np.sqrt(np.mean((mapped - h) ** 2))), 4),
        "qwk": round(qwk(levels(h), levels(np.clip(mapped, lo, hi))), 4),
        "human_range": [lo, hi],
    }
