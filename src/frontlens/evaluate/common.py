"""Counting for the extraction evaluation: one ``Score`` per section, errors kept with text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    """Section-specific tallies (per action, attribute agreement...) summed like tp/fp/fn."""

    def ratio(self, num: str, den: str) -> float | None:
        return round(self.counts[num] / self.counts[den], 4) if self.counts[den] else None

    def miss(self, doc_id: str, text: str, **detail: Any) -> None:
        self.fn += 1
        self.errors.append({"kind": "missed", "doc": doc_id, "text": text, **detail})

    def spurious(self, doc_id: str, text: str, **detail: Any) -> None:
        self.fp += 1
        self.errors.append({"kind": "spurious", "doc": doc_id, "text": text, **detail})

    def hit(self, n: int = 1) -> None:
        self.tp += n

    def __iadd__(self, other: Score) -> Score:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.errors.extend(other.errors)
        self.counts.update(other.counts)
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "n_gold": self.tp + self.fn,
            "n_pred": self.tp + self.fp,
        }
