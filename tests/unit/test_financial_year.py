"""The public sector return's arithmetic: financial years, who counts on which day and where, the percentages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.models import EmployedBy
from apprenticeships.services.sector_return import (
    ApprenticeCounts,
    Apprenticeship,
    Figures,
    FinancialYear,
    YearReturn,
    count_apprentices,
    employer_on,
    financial_year_of,
    in_learning_on,
    open_data_rows,
    percentage,
    percentages,
    read_headcounts,
    year_offered,
    years_offered,
)

COUNCIL, SCHOOL = EmployedBy.COUNCIL, EmployedBy.MAINTAINED_SCHOOL
YEAR = FinancialYear(2025)  # 1 April 2025 to 31 March 2026


def counts(*apprenticeships: Apprenticeship, year: FinancialYear = YEAR) -> dict[EmployedBy, ApprenticeCounts]:
    return count_apprentices(apprenticeships, year)


def test_a_financial_year_runs_from_1_april_to_31_march():
    assert (YEAR.first_day, YEAR.last_day) == (date(2025, 4, 1), date(2026, 3, 31))
    assert (YEAR.label, YEAR.time_period, YEAR.in_words) == ("2025-26", "202526", "1 April 2025 to 31 March 2026")
    assert financial_year_of(date(2026, 3, 31)) == YEAR
    assert financial_year_of(date(2026, 4, 1)) == FinancialYear(2026)
    assert FinancialYear(2099).label == "2099-00"


def test_years_offered_run_from_the_targets_first_year_to_this_one():
    years = years_offered(date(2026, 3, 31))
    assert years[0] == YEAR and years[-1] == FinancialYear(2017)
    assert year_offered(2026, date(2026, 3, 31)) is None  # not begun
    assert year_offered(2026, date(2026, 4, 1)) == FinancialYear(2026)
    assert year_offered(2016, date(2026, 4, 1)) is None
    assert year_offered(99999999999999999999, date(2026, 4, 1)) is None


def test_a_start_on_31_march_is_in_the_year_ending_then_and_one_on_1_april_in_the_next():
    on_31_march = Apprenticeship(start_date=date(2026, 3, 31))
    on_1_april = Apprenticeship(start_date=date(2026, 4, 1))
    assert counts(on_31_march, on_1_april)[COUNCIL] == ApprenticeCounts(start=0, end=1, new=1)
    # In the next year both are in learning on its first day, and only the one of 1 April is new.
    assert counts(on_31_march, on_1_april, year=FinancialYear(2026))[COUNCIL] == ApprenticeCounts(start=2, end=2,
                                                                                                   new=1)


def test_a_start_on_1_april_counts_at_the_start_and_as_new():
    assert counts(Apprenticeship(start_date=date(2025, 4, 1)))[COUNCIL] == ApprenticeCounts(start=1, end=1, new=1)
    assert counts(Apprenticeship(start_date=date(2025, 4, 2)))[COUNCIL] == ApprenticeCounts(start=0, end=1, new=1)


def test_the_day_of_withdrawal_or_completion_is_their_last_day_in_learning():
    withdrawn_31_march = Apprenticeship(start_date=date(2024, 9, 1), withdrawal_date=date(2026, 3, 31))
    withdrawn_30_march = Apprenticeship(start_date=date(2024, 9, 1), withdrawal_date=date(2026, 3, 30))
    completed_31_march_before = Apprenticeship(start_date=date(2023, 9, 1), completion_date=date(2025, 3, 31))
    completed_1_april = Apprenticeship(start_date=date(2023, 9, 1), completion_date=date(2025, 4, 1))
    assert counts(withdrawn_31_march)[COUNCIL] == ApprenticeCounts(start=1, end=1, new=0)
    assert counts(withdrawn_30_march)[COUNCIL] == ApprenticeCounts(start=1, end=0, new=0)
    assert counts(completed_31_march_before)[COUNCIL] == ApprenticeCounts()
    assert counts(completed_1_april)[COUNCIL] == ApprenticeCounts(start=1, end=0, new=0)


def test_a_break_in_learning_on_the_day_means_not_in_learning():
    start = date(2024, 9, 1)
    over_31_march = Apprenticeship(start_date=start, breaks=((date(2026, 2, 1), None),))
    back_on_31_march = Apprenticeship(start_date=start, breaks=((date(2026, 2, 1), date(2026, 3, 31)),))
    from_1_april = Apprenticeship(start_date=start, breaks=((date(2025, 4, 1), date(2025, 6, 1)),))
    ended_31_march_before = Apprenticeship(start_date=start, breaks=((date(2025, 1, 1), date(2025, 3, 31)),))
    assert counts(over_31_march)[COUNCIL] == ApprenticeCounts(start=1, end=0, new=0)
    assert counts(back_on_31_march)[COUNCIL] == ApprenticeCounts(start=1, end=1, new=0)
    assert counts(from_1_april)[COUNCIL] == ApprenticeCounts(start=0, end=1, new=0)
    assert counts(ended_31_march_before)[COUNCIL] == ApprenticeCounts(start=1, end=1, new=0)
    # A start during a break (a break begun on the first day) is still a start.
    paused_at_once = Apprenticeship(start_date=date(2025, 5, 1), breaks=((date(2025, 5, 1), None),))
    assert counts(paused_at_once)[COUNCIL] == ApprenticeCounts(start=0, end=0, new=1)


def test_a_transfer_counts_in_the_part_that_employed_them_on_each_figures_day():
    moved_to_council = Apprenticeship(start_date=date(2024, 9, 1), employed_by=COUNCIL,
                                      employed_by_since=date(2025, 10, 1))
    result = counts(moved_to_council)
    assert result[SCHOOL] == ApprenticeCounts(start=1, end=0, new=0)
    assert result[COUNCIL] == ApprenticeCounts(start=0, end=1, new=0)

    started_in_a_school_then_moved = Apprenticeship(start_date=date(2025, 6, 1), employed_by=COUNCIL,
                                                    employed_by_since=date(2026, 1, 5))
    result = counts(started_in_a_school_then_moved)
    assert result[SCHOOL] == ApprenticeCounts(start=0, end=0, new=1)
    assert result[COUNCIL] == ApprenticeCounts(start=0, end=1, new=0)

    moved_on_1_april = Apprenticeship(start_date=date(2024, 9, 1), employed_by=SCHOOL,
                                      employed_by_since=date(2025, 4, 1))
    assert counts(moved_on_1_april)[SCHOOL] == ApprenticeCounts(start=1, end=1, new=0)
    assert employer_on(moved_on_1_april, date(2025, 3, 31)) is COUNCIL


DAYS = st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31))


@st.composite
def apprenticeships(draw) -> Apprenticeship:
    start = draw(DAYS)
    after = st.dates(min_value=start, max_value=date(2028, 12, 31))
    pauses = []
    for _ in range(draw(st.integers(0, 2))):
        first = draw(after)
        returned = draw(st.none() | st.dates(min_value=first, max_value=date(2029, 1, 31)))
        pauses.append((first, returned))
    return Apprenticeship(start_date=start, withdrawal_date=draw(st.none() | after),
                          completion_date=draw(st.none() | after), employed_by=draw(st.sampled_from(list(EmployedBy))),
                          employed_by_since=draw(st.none() | after), breaks=tuple(pauses))


@given(st.lists(apprenticeships(), max_size=30), st.integers(2023, 2027))
def test_the_parts_add_up_to_everyone_counted_once(group, year):
    fy = FinancialYear(year)
    result = count_apprentices(group, fy)
    assert sum(c.start for c in result.values()) == sum(in_learning_on(a, fy.first_day) for a in group)
    assert sum(c.end for c in result.values()) == sum(in_learning_on(a, fy.last_day) for a in group)
    assert sum(c.new for c in result.values()) == sum(a.start_date in fy for a in group)


def test_percentages_with_their_working_and_zero_or_missing_denominators():
    assert percentage(1, 3) == Decimal("33.33")
    assert percentage(0, 10) == Decimal("0.00")
    assert percentage(5, 0) is None and percentage(5, None) is None and percentage(None, 10) is None
    figures = Figures(employees_start=400, employees_end=0, employees_new=None,
                      apprentices_start=9, apprentices_end=10, apprentices_new=12)
    new_share, end_share, target = percentages(figures)
    assert new_share.value is None
    assert new_share.working == "Not applicable: the number of new employees has not been given"
    assert end_share.value is None and end_share.working == "Not applicable: there were no employees at the end"
    assert target.value == Decimal("3.00")
    assert target.working == "12 new apprentices ÷ 400 employees at the start × 100 = 3.00%"


def test_figures_of_the_two_parts_add_up_and_a_missing_figure_stays_missing():
    total = Figures(employees_start=10, apprentices_new=1) + Figures(employees_start=5, apprentices_new=2)
    assert (total.employees_start, total.apprentices_new, total.employees_end) == (15, 3, None)


HEADER = "part,employees_start,employees_end,employees_new,fte_start,fte_end,fte_new\n"


def test_an_hr_file_with_any_wrong_row_gives_every_problem_by_row_and_nothing_to_store():
    checked = read_headcounts(HEADER + "council,2450,2510,310,2103.5,,\n"
                                       "schools,12x,,-4,1.234,,\n"
                                       "council,1,1,1,,,\n")
    assert not checked.ok and checked.headcounts == {}
    assert checked.problems == [
        "Row 3: employees_start must be a whole number, like 250; employees_end is empty; "
        "employees_new must be a whole number, like 250; fte_start must have no more than 2 decimal places",
        "Row 4: there is already a row for council excluding maintained schools",
    ]
    # A repeated part is found even when the first of its rows is wrong: every problem in one go.
    assert read_headcounts(HEADER + "council,12x,1,1,,,\nmaintained_school,1,1,1,,,\ncouncil,1,1,1,,,\n").problems == [
        "Row 2: employees_start must be a whole number, like 250",
        "Row 4: there is already a row for council excluding maintained schools"]
    assert read_headcounts("").problems == ["The file is empty"]
    assert read_headcounts("part,employees_start\ncouncil,1\n").problems == [
        "The first row must name the columns; missing: employees_end, employees_new"]
    assert read_headcounts(HEADER + "council,1,2,3,,,\n").problems == ["There is no row for maintained schools"]


def test_a_good_hr_file_gives_both_parts_headcounts():
    checked = read_headcounts("\ufeffPart,Employees_start,employees_end,employees_new,fte_start,extra\n"
                              "Council,\"2,450\",2510,310,2103.5,ignored\n"
                              "maintained_school,1200,1185,140,,\n".replace("\ufeff", ""))
    assert checked.ok, checked.problems
    # fte_end and fte_new are not in the file: left out, so what is held for them stays.
    assert checked.headcounts[COUNCIL] == {"employees_start": 2450, "employees_end": 2510, "employees_new": 310,
                                           "fte_start": Decimal("2103.5")}
    assert checked.headcounts[SCHOOL]["employees_new"] == 140


def test_open_data_suppresses_small_apprentice_counts_and_the_percentages_that_would_give_them_away():
    parts = {COUNCIL: Figures(employees_start=2000, employees_end=2000, employees_new=300,
                              apprentices_start=20, apprentices_end=22, apprentices_new=12),
             SCHOOL: Figures(employees_start=1000, employees_end=0, employees_new=None,
                             apprentices_start=3, apprentices_end=0, apprentices_new=6)}
    rows = {row["council_part"]: row for row in open_data_rows(YearReturn(YEAR, None, parts), threshold=5)}
    council, schools, total = (rows["Council excluding maintained schools"], rows["Maintained schools"],
                               rows["Total"])
    # 3 at the start is small, and the council's 20 goes too (else 23 - 20 gives it away).
    assert (council["app_prior"], schools["app_prior"], total["app_prior"]) == (None, None, 23)
    # Everyone at the end is in the council: the breakdown would say which part each one is in.
    assert (council["app_end"], schools["app_end"]) == (None, None)
    assert (council["app_new"], schools["app_new"]) == (12, 6)
    assert council["pct_target"] == Decimal("0.6") and council["pct_app_end"] == "c"
    assert schools["pct_app_end"] == "z" and schools["emp_new"] == "x" and schools["pct_app_new"] == "x"
    rounded = {row["council_part"]: row for row in open_data_rows(YearReturn(YEAR, None, parts), 5, round_to=5)}
    assert rounded["Council excluding maintained schools"]["app_new"] == 10
    assert rounded["Council excluding maintained schools"]["pct_target"] == Decimal("0.6")  # from exact counts


def test_a_day_moves_nothing_outside_its_year():
    everyone = [Apprenticeship(start_date=YEAR.first_day + timedelta(days=n)) for n in range(0, 400, 7)]
    assert sum(c.new for c in counts(*everyone).values()) == sum(d.start_date <= YEAR.last_day for d in everyone)
