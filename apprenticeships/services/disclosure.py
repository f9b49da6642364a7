"""Statistical disclosure control for published summaries (DOMAIN.md, "Publishing summaries safely").

One pure function decides what of a breakdown may be published:
- a count from 1 to threshold-1 is not published (primary suppression);
- where the total is published, a row never has exactly one hidden cell, or it could be worked
  out by subtraction: the smallest other cell is hidden too (secondary suppression);
- a breakdown where everyone is in one category says something about each person, so none of
  its cells are published;
- a percentage is published only on a base of at least the threshold, and only when neither its
  numerator nor the rest of the base is hidden (else the hidden count could be worked back);
- a mean only over more than 7 values (and at least the threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY = "small"  # hidden because it is between 1 and threshold-1
SECONDARY = "complement"  # hidden so that a small count cannot be worked out from the total
EVERYONE = "one-category"  # hidden because everyone is in one category
MEAN_MINIMUM = 8


@dataclass(frozen=True)
class Cell:
    label: str
    value: int | None  # None when not published
    reason: str | None = None  # why it is not published

    @property
    def published(self) -> bool:
        return self.value is not None


def protect(counts: dict[str, int], threshold: int) -> list[Cell]:
    """The cells of one breakdown (which add up to a total that is published), safe to publish."""
    if threshold < 2:
        raise ValueError("the threshold must be at least 2")
    items = list(counts.items())
    total = sum(v for _, v in items)
    nonzero = [label for label, v in items if v > 0]
    if len(items) > 1 and len(nonzero) == 1:
        return [Cell(label, None, EVERYONE) for label, _ in items]
    hidden = {label: PRIMARY for label, v in items if 0 < v < threshold}
    if len(hidden) == 1 and total > 0:
        # Hide the smallest other cell too, preferring one with people in it.
        others = sorted((v == 0, v, label) for label, v in items if label not in hidden)
        if others:
            hidden[others[0][2]] = SECONDARY
    return [Cell(label, None if label in hidden else v, hidden.get(label)) for label, v in items]


def rate(numerator: int, base: int, threshold: int) -> float | None:
    """A percentage, or None when publishing it could reveal a count that is hidden."""
    if base < threshold:
        return None
    rest = base - numerator
    if 0 < numerator < threshold or 0 < rest < threshold:
        return None
    return round(100 * numerator / base)


def mean(total: float, count: int, threshold: int) -> float | None:
    if count < max(MEAN_MINIMUM, threshold):
        return None
    return total / count


def count(value: int, threshold: int) -> int | None:
    """A single headline count: hidden when it is between 1 and threshold-1."""
    return None if 0 < value < threshold else value
