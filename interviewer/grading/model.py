"""The calibrated scoring model: a logistic regression over the evidence features, numpy only at run time.

Its parameters (a few floats per feature) live in interviewer/data/grader_params.json, written by
bench/calibrate_grader.py from labelled answers. Probability maps to 0-10 piecewise-linearly so that the fitted
decision threshold lands exactly on the pass mark (6.0): score >= 6.0 <=> the model says "acceptable".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from interviewer.config import DATA_DIR
from interviewer.errors import ConfigError

from .evidence import LONG_REFERENCE
from .types import PASS_MARK, GradeTask

PARAMS_PATH = DATA_DIR / "grader_params.json"


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float  # probability that maps to the pass mark

    @classmethod
    def from_dict(cls, d: dict) -> "Logistic":
        return cls(
            tuple(d["features"]),
            np.array(d["mean"], dtype=np.float64),
            np.array(d["scale"], dtype=np.float64),
            np.array(d["coef"], dtype=np.float64),
            float(d["intercept"]),
            float(d["threshold"]),
        )

    def logit(self, features: dict[str, float]) -> float:
        x = np.array([features[f] for f in self.features], dtype=np.float64)
        return float(((x - self.mean) / self.scale) @ self.coef + self.intercept)

    def probability(self, features: dict[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.logit(features)))))

    def to_score(self, p: float) -> float:
        return probability_to_score(p, self.threshold)


def probability_to_score(p: float, threshold: float) -> float:
    """[0, t] -> [0, 6] and [t, 1] -> [6, 10], so the pass mark is the decision threshold."""
    p = min(1.0, max(0.0, p))
    if p <= threshold:
        return PASS_MARK * p / threshold
    return PASS_MARK + (10.0 - PASS_MARK) * (p - threshold) / (1.0 - threshold)


@dataclass(frozen=True)
class Params:
    """Short-answer models (fitted on ASAG) and long-answer models (fitted on the banks' exemplars), each
    without and with graded exemplars; plus the LLM combination once it has been fitted."""

    models: dict[str, Logistic]  # base, knn, long_base, long_knn
    combine: Logistic | None  # offline logit + LLM key-point coverage (None until calibrated)
    min_exemplars: int
    combine_base: Logistic | None = None  # the same for questions without graded exemplars

    def name_for(self, task: GradeTask) -> str:
        long = len(task.reference.split()) >= LONG_REFERENCE
        return ("long_" if long else "") + ("knn" if len(task.exemplars) >= self.min_exemplars else "base")

    def for_task(self, task: GradeTask) -> Logistic:
        return self.models[self.name_for(task)]

    def combine_for(self, task: GradeTask) -> Logistic | None:
        """The LLM combination fitted for this kind of task (with or without exemplars), if the data justified one."""
        return self.combine if self.name_for(task).endswith("knn") else self.combine_base


@lru_cache(maxsize=4)
def load_params(path: Path = PARAMS_PATH) -> Params:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"grader parameters unreadable at {path} ({exc}); rerun bench/calibrate_grader.py") from exc
    models = {name: Logistic.from_dict(m) for name, m in raw["models"].items()}
    return Params(
        models=models,
        combine=models.pop("combine", None),
        combine_base=models.pop("combine_base", None),
        min_exemplars=int(raw.get("min_exemplars", 2)),
    )
