"""Accuracy metrics of a validation over a data set, as ST's `validate` names them (RMSE, MAE,
L2R, MEAN, STD, COS; accuracy and a confusion matrix for classifiers), computed over all values
of all samples of an output taken as one flat vector. They are kept as sums per sample, so that
a validation resumed from its results file gives the same figures as one run straight through."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np


@dataclass
class ErrorSums:
    """Running sums of predictions p against references r (float64)."""

    n: int = 0
    sum_err: float = 0.0  # sum of r - p
    sum_sq: float = 0.0  # sum of (r - p)^2
    sum_abs: float = 0.0  # sum of |r - p|
    sum_ref_sq: float = 0.0  # sum of r^2
    sum_pred_sq: float = 0.0  # sum of p^2
    dot: float = 0.0  # sum of p * r

    @classmethod
    def of(cls, predicted: np.ndarray, reference: np.ndarray) -> ErrorSums:
        p = np.asarray(predicted, dtype=np.float64).reshape(-1)
        r = np.asarray(reference, dtype=np.float64).reshape(-1)
        e = r - p
        return cls(
            int(p.size),
            float(e.sum()),
            float((e * e).sum()),
            float(np.abs(e).sum()),
            float((r * r).sum()),
            float((p * p).sum()),
            float((p * r).sum()),
        )

    def __add__(self, other: ErrorSums) -> ErrorSums:
        return ErrorSums(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def metrics(self) -> dict[str, float | None]:
        """RMSE, MAE, MEAN and STD of the error r - p, L2R = |r - p| / |r| and COS = p.r / (|p| |r|);
        None where a denominator is zero (no values, or a reference of zeros for L2R)."""
        if not self.n:
            return dict.fromkeys(("rmse", "mae", "l2r", "mean", "std", "cos"))
        mean = self.sum_err / self.n
        norms = math.sqrt(self.sum_ref_sq) * math.sqrt(self.sum_pred_sq)
        return {
            "rmse": math.sqrt(self.sum_sq / self.n),
            "mae": self.sum_abs / self.n,
            "l2r": math.sqrt(self.sum_sq) / math.sqrt(self.sum_ref_sq) if self.sum_ref_sq else None,
            "mean": mean,
            "std": math.sqrt(max(self.sum_sq / self.n - mean * mean, 0.0)),
            "cos": self.dot / norms if norms else None,
        }


def confusion_matrix(truth: list[int], predicted: list[int], classes: int) -> list[list[int]]:
    """rows: the true class, columns: the predicted class."""
    matrix = [[0] * classes for _ in range(classes)]
    for t, p in zip(truth, predicted, strict=True):
        if 0 <= t < classes and 0 <= p < classes:
            matrix[t][p] += 1
    return matrix
