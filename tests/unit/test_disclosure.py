"""Disclosure control: properties that must hold for any cohort and breakdown."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.services.disclosure import EVERYONE, mean, protect, rate

thresholds = st.integers(min_value=2, max_value=10)
breakdowns = st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=3),
                             st.integers(min_value=0, max_value=40), min_size=1, max_size=8)


def test_examples():
    cells = {c.label: c.value for c in protect({"active": 19, "break": 1, "withdrawn": 1, "completed": 0}, 5)}
    assert cells == {"active": 19, "break": None, "withdrawn": None, "completed": 0}
    cells = {c.label: c.value for c in protect({"a": 12, "b": 3, "c": 6}, 5)}
    assert cells == {"a": 12, "b": None, "c": None}  # 3 is small; 6 is hidden so 3 cannot be worked out
    assert all(c.reason == EVERYONE for c in protect({"active": 21, "withdrawn": 0}, 5))
    assert rate(19, 21, 5) is None  # 2 withdrawn could be worked back from 90%
    assert rate(15, 20, 5) == 75
    assert rate(3, 4, 5) is None
    assert mean(100, 7, 5) is None and mean(100, 8, 5) == 12.5


@given(breakdowns, thresholds)
def test_no_published_cell_is_a_small_count(counts, threshold):
    for cell in protect(counts, threshold):
        if cell.published:
            assert cell.value == 0 or cell.value >= threshold


@given(breakdowns, thresholds)
def test_no_hidden_cell_can_be_worked_out_by_subtraction_from_the_total(counts, threshold):
    cells = protect(counts, threshold)
    hidden = [c for c in cells if not c.published]
    # With the total published, one hidden cell would equal the total minus the rest.
    assert len(hidden) != 1 or len(cells) == 1


@given(breakdowns, thresholds)
def test_everyone_in_one_category_publishes_no_cell(counts, threshold):
    with_people = [v for v in counts.values() if v > 0]
    if len(counts) > 1 and len(with_people) == 1:
        assert not any(c.published for c in protect(counts, threshold))


@given(st.integers(0, 60), st.integers(0, 60), thresholds)
def test_a_published_rate_never_reveals_a_small_count(numerator, extra, threshold):
    base = numerator + extra
    published = rate(numerator, base, threshold)
    if published is not None:
        assert base >= threshold
        assert numerator == 0 or numerator >= threshold
        assert extra == 0 or extra >= threshold
