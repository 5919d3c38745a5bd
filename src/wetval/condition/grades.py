"""Condition grades from index thresholds, with Chinese and English labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["GradeScale"]

Boundary = Literal["lower-inclusive", "upper-inclusive"]


@dataclass(frozen=True)
class GradeScale:
    """Ordered grades, best first, each with the lowest index it admits.

    Attributes
    ----------
    keys
        Grade keys, best first (e.g. ``("excellent", "good", ...)``).
    label_zh, label_en
        Labels for reports.
    lower
        Lower bound of each grade on the index scale [0–1], decreasing; the
        worst grade's bound is 0.
    boundary
        ``"lower-inclusive"``: grade k is [lower_k, lower_(k-1)), the best
        grade [lower_0, 1] — an index exactly on a threshold takes the better
        grade. ``"upper-inclusive"``: grade k is (lower_k, lower_(k-1)], the
        worst grade [0, lower_(n-2)] — a threshold value takes the worse grade.
    """

    keys: tuple[str, ...]
    label_zh: tuple[str, ...]
    label_en: tuple[str, ...]
    lower: tuple[float, ...]
    boundary: Boundary = "lower-inclusive"

    def assign(self, index: np.ndarray) -> pd.Categorical[str]:
        """Grade of each index value (missing index → missing grade).

        Returns
        -------
        pandas.Categorical
            Ordered worst < best, categories are the grade keys.
        """
        index = np.asarray(index, dtype=float)
        # position among the grades, worst = 0: one comparison per threshold
        position = np.zeros(index.shape, dtype=np.int64)
        for threshold in self.lower[-2::-1]:
            if self.boundary == "lower-inclusive":
                position += index >= threshold
            else:
                position += index > threshold
        codes = np.where(np.isnan(index), -1, position)
        return pd.Categorical.from_codes(
            codes, categories=pd.Index(list(self.keys[::-1])), ordered=True
        )

    def table(self) -> pd.DataFrame:
        """The scale as a table: key, labels, interval on the index and in points."""
        upper = (1.0, *self.lower[:-1])
        rows = []
        for k, key in enumerate(self.keys):
            low, high = self.lower[k], upper[k]
            if self.boundary == "lower-inclusive":
                interval = f"[{low:g}, {high:g}]" if k == 0 else f"[{low:g}, {high:g})"
            else:
                interval = (
                    f"[{low:g}, {high:g}]" if k == len(self.keys) - 1 else f"({low:g}, {high:g}]"
                )
            rows.append(
                {
                    "grade": key,
                    "label_zh": self.label_zh[k],
                    "label_en": self.label_en[k],
                    "lower": low,
                    "upper": high,
                    "interval": interval,
                }
            )
        return pd.DataFrame(rows).set_index("grade")

    def label(self, key: str, language: Literal["zh", "en"] = "zh") -> str:
        """Label of a grade key."""
        labels = self.label_zh if language == "zh" else self.label_en
        return labels[self.keys.index(key)]
