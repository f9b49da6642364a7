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

Whatever is hidden carries the rule that hid it, and `explain` says that rule to a reader with
the numbers it used, so a summary can tell people why each figure is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY = "small"  # hidden because it is between 1 and threshold-1
SECONDARY = "complement"  # hidden so that a small count cannot be worked out from the total
EVERYONE = "one-category"  # hidden because everyone is in one category
SMALL_BASE = "small-base"  # a rate or total over fewer people than the threshold
SMALL_PART = "small-part"  # a rate whose part, or the rest of its base, is a small count
FEW_VALUES = "few-values"  # a mean over too few values
MEAN_MINIMUM = 8


def mean_minimum(threshold: int) -> int:
    """The fewest values a mean is published over."""
    return max(MEAN_MINIMUM, threshold)


def explain(reason: str, threshold: int, noun: str = "people") -> str:
    """Why a figure is not shown, in words for anyone reading the summary (after "not shown: ")."""
    return {
        PRIMARY: f"fewer than {threshold} {noun}",
        SECONDARY: f"it would let a number under {threshold} be worked out from the total",
        EVERYONE: "everyone is in one group, so it would tell something about each person",
        SMALL_BASE: f"it would be about fewer than {threshold} people",
        SMALL_PART: f"it would let a group of fewer than {threshold} people be worked out",
        FEW_VALUES: f"an average is only given over {mean_minimum(threshold)} or more people",
    }[reason]


@dataclass(frozen=True)
class Figure:
    """One headline figure: its value, or None and the reason it is not published."""

    value: float | None
    reason: str | None = None


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


def rate_figure(numerator: int, base: int, threshold: int) -> Figure:
    """A percentage, or hidden when publishing it could reveal a count that is hidden."""
    if base < threshold:
        return Figure(None, SMALL_BASE)
    rest = base - numerator
    if 0 < numerator < threshold or 0 < rest < threshold:
        return Figure(None, SMALL_PART)
    return Figure(round(100 * numerator / base))


def rate(numerator: int, base: int, threshold: int) -> float | None:
    return rate_figure(numerator, base, threshold).value


def mean_figure(total: float, count: int, threshold: int) -> Figure:
    if count < mean_minimum(threshold):
        return Figure(None, FEW_VALUES)
    return Figure(total / count)


def mean(total: float, count: int, threshold: int) -> float | None:
    return mean_figure(total, count, threshold).value


def count_figure(value: int, threshold: int) -> Figure:
    """A single headline count: hidden when it is between 1 and threshold-1."""
    return Figure(None, PRIMARY) if 0 < value < threshold else Figure(value)


def count(value: int, threshold: int) -> int | None:
    return count_figure(value, threshold).value
