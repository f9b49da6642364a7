"""The levy's arithmetic: funds by age, first in first out, expiries after 24 months, the forecast,
and how an apprentice's price is paid. Pure functions: no database."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from apprenticeships.services.levy_funding import paused, schedule
from apprenticeships.services.levy_ledger import (
    EXPIRY_MONTHS,
    ExpiryDifference,
    MonthTotals,
    add_months,
    differences,
    expires_in,
    expiries_due,
    forecast,
    funds_now,
    instalments,
    payments_planned,
)

JAN_2024 = date(2024, 1, 1)


def month(n: int) -> date:
    """The nth month after January 2024 (0 is January 2024)."""
    return add_months(JAN_2024, n)


def test_funds_expire_in_the_24th_month_after_they_entered():
    assert EXPIRY_MONTHS == 24
    assert expires_in(date(2024, 3, 23)) == date(2026, 3, 1)
    history = {month(0): MonthTotals(credits=1000)}
    assert expiries_due(history, month(24)) == {}  # March 2026's expiry happens when the month is over
    assert expiries_due(history, month(25)) == {month(24): 1000}
    assert funds_now(history, month(24)).held == 1000 and funds_now(history, month(25)).held == 0


def test_spending_takes_the_oldest_funds_first():
    history = {month(0): MonthTotals(credits=1000), month(1): MonthTotals(credits=500),
               month(2): MonthTotals(training=700, transfers=400)}
    funds = funds_now(history, month(3))
    # 1,100 spent: all of January's 1,000, then 100 of February's.
    assert [(p.entered, p.left) for p in funds.pots] == [(month(1), 400)]
    assert expiries_due(history, month(30)) == {month(25): 400}


def test_a_payment_in_the_month_a_pot_expires_still_uses_it():
    history = {month(0): MonthTotals(credits=1000), month(1): MonthTotals(credits=1000),
               month(24): MonthTotals(training=300)}
    assert expiries_due(history, month(26)) == {month(24): 700, month(25): 1000}


def test_expiries_and_payments_reconcile_with_dfes_sum_rule():
    """DfE: expired in a month = funds in 24 or more months ago - payments to date - expired to date."""
    history = {month(0): MonthTotals(credits=5000), month(2): MonthTotals(credits=3000),
               month(10): MonthTotals(training=2000), month(24): MonthTotals(training=1000),
               month(26): MonthTotals(training=500)}
    due = expiries_due(history, month(40))
    expired = 0
    for m in range(40):
        old = sum(t.credits for k, t in history.items() if k <= month(m - 24))
        paid = sum(t.spending for k, t in history.items() if k <= month(m))
        assert due.get(month(m), 0) == max(0, old - paid - expired)
        expired += due.get(month(m), 0)
    assert due == {month(24): 2000, month(26): 2500}


def test_spending_beyond_what_is_held_is_overdrawn_and_the_next_credit_repays_it():
    history = {month(0): MonthTotals(credits=100, training=250), month(1): MonthTotals(credits=1000)}
    assert funds_now(history, month(0)).overdrawn == 150 and funds_now(history, month(0)).held == -150
    funds = funds_now(history, month(2))
    assert funds.overdrawn == 0 and [(p.entered, p.left) for p in funds.pots] == [(month(1), 850)]


def test_the_forecast_takes_planned_payments_first_in_first_out():
    history = {month(0): MonthTotals(credits=10_000), month(1): MonthTotals(credits=10_000)}
    now = month(20)
    plan = {month(22): 3000, month(24): 4000, month(25): 4000}
    months = forecast(history, now, plan)
    assert len(months) == 12 and months[0].month == now
    by_month = {m.month: m for m in months}
    # 3,000 in November 2025 from January 2024's pot; 4,000 in January 2026, the month it expires;
    # what is left of it (3,000) expires then. February's pot pays 4,000 and loses the rest.
    assert by_month[month(24)].expires == 3000 and by_month[month(25)].expires == 6000
    assert [m.expires for m in months if m.month not in (month(24), month(25))] == [0] * 10
    assert by_month[month(25)].held_after == 0 and by_month[month(25)].planned == 4000


def test_the_forecast_starts_from_what_the_ledger_holds_this_month():
    history = {month(0): MonthTotals(credits=1000), month(24): MonthTotals(training=600)}
    months = forecast(history, month(24), {})
    assert months[0].expires == 400  # this month's payment so far is counted, then the pot expires


def test_instalments_pay_80_per_cent_monthly_and_20_on_completion_to_the_penny():
    paid = instalments(1_000_001, date(2025, 9, 8), date(2026, 9, 7))
    on_programme, completion = paid[:-1], paid[-1]
    assert [m for m, _ in on_programme] == [add_months(date(2025, 9, 1), n) for n in range(12)]
    assert {p for _, p in on_programme[:-1]} == {66_666} and on_programme[-1][1] == 800_000 - 66_666 * 11
    assert completion == (date(2026, 10, 1), 200_001)
    assert sum(p for _, p in paid) == 1_000_001


def test_a_withdrawn_apprentice_is_paid_for_the_months_they_were_in_learning_only():
    paid = payments_planned(1_200_000, date(2025, 9, 1), date(2026, 9, 30), withdrawn_on=date(2026, 1, 15))
    assert [m for m, _ in paid] == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1), date(2025, 12, 1)]


def test_one_who_completes_early_is_paid_the_rest_the_month_after():
    full = schedule(1_200_000, date(2025, 9, 1), date(2026, 9, 30))
    early = schedule(1_200_000, date(2025, 9, 1), date(2026, 9, 30), completed_on=date(2026, 6, 20))
    assert early[-1][0] == date(2026, 7, 1) and all(m < date(2026, 7, 1) for m, _ in early[:-1])
    assert sum(p for _, p in early) == sum(p for _, p in full) == 1_200_000


def test_a_break_pauses_the_instalments_from_its_month_and_they_resume_the_month_after_the_return():
    # 12 monthly instalments, January to December 2024, and the completion payment in January 2025.
    planned = schedule(1_200_000, date(2024, 1, 1), date(2024, 12, 31))
    assert [m for m, _ in planned] == [month(n) for n in range(13)]
    # A break from 31 May (on the break on May's census date, its last day), expected back 10 August:
    # nothing planned from May to August; May's instalment and the rest resume in September, as far apart.
    moved = paused(planned, date(2024, 5, 31), date(2024, 8, 10))
    assert [m for m, _ in moved] == [month(n) for n in range(4)] + [month(n) for n in range(8, 17)]
    assert [p for _, p in moved] == [p for _, p in planned]  # the same payments, the price in full
    assert not any(month(4) <= m <= month(7) for m, _ in moved)
    # A break from 1 June: still in learning on May's census date, so May's instalment stays.
    assert [m for m, _ in paused(planned, date(2024, 6, 1), date(2024, 8, 10))][4] == month(4)
    assert [m for m, _ in paused(planned, date(2024, 6, 1), date(2024, 8, 10))][5] == month(8)
    # Back expected on the last day of a month: the next month is the first planned again.
    assert paused(planned, date(2024, 5, 1), date(2024, 6, 30))[4][0] == month(6)


def test_dfes_reported_expiries_are_compared_month_by_month():
    found = differences({month(24): 500, month(25): 300}, {month(24): 500, month(25): 450, month(26): 10})
    assert found == [ExpiryDifference(month(25), 300, 450), ExpiryDifference(month(26), 0, 10)]
    assert found[0].difference == 150


# --- For random ledgers --------------------------------------------------------------------------

pence = st.integers(min_value=0, max_value=5_000_000)
ledgers = st.lists(st.tuples(st.integers(0, 47), pence, pence, pence), max_size=40)


def _history(rows, *, within_means: bool = False) -> dict[date, MonthTotals]:
    """A ledger from random rows; `within_means`: no month spends more than is held then."""
    totals: dict[date, list[int]] = {}
    for n, credit, training, transfers in rows:
        t = totals.setdefault(month(n), [0, 0, 0])
        t[0] += credit
        t[1] += training
        t[2] += transfers
    history = {m: MonthTotals(*t) for m, t in sorted(totals.items())}
    if within_means:
        capped = {}
        for m, t in history.items():
            held = funds_now({**capped, m: MonthTotals(credits=t.credits)}, add_months(m, 1)).held
            training = min(t.training, held)
            capped[m] = MonthTotals(t.credits, training, min(t.transfers, held - training))
        history = capped
    return history


def _with_expiries_written(history: dict[date, MonthTotals], now: date) -> dict[date, MonthTotals]:
    due = expiries_due(history, now)
    months = set(history) | set(due)
    return {m: MonthTotals(history.get(m, MonthTotals()).credits, history.get(m, MonthTotals()).training,
                           history.get(m, MonthTotals()).transfers, due.get(m, 0)) for m in months}


@settings(max_examples=200, deadline=None)
@given(ledgers, st.integers(0, 60))
def test_credits_less_spending_transfers_and_expiries_is_the_balance(rows, now):
    now = month(now)
    ledger = _with_expiries_written(_history(rows), now)
    known = {m: t for m, t in ledger.items() if m <= now}
    balance = sum(t.credits - t.training - t.transfers - t.expiries for t in known.values())
    funds = funds_now(ledger, now)
    assert all(p.left > 0 for p in funds.pots) and funds.overdrawn >= 0
    assert sum(p.left for p in funds.pots) - funds.overdrawn == balance == funds.held
    # Writing them again changes nothing: the written expiries are the rule's.
    assert expiries_due(ledger, now) == {m: t.expiries for m, t in ledger.items() if t.expiries}


@settings(max_examples=200, deadline=None)
@given(ledgers, st.integers(0, 60))
def test_within_its_means_an_account_is_never_overdrawn_and_its_pots_are_its_balance(rows, now):
    now = month(now)
    ledger = _with_expiries_written(_history(rows, within_means=True), now)
    funds = funds_now(ledger, now)
    balance = sum(t.credits - t.training - t.transfers - t.expiries for m, t in ledger.items() if m <= now)
    assert funds.overdrawn == 0 and sum(p.left for p in funds.pots) == balance >= 0
    assert all(p.left > 0 and p.expires >= now for p in funds.pots)


@settings(max_examples=200, deadline=None)
@given(ledgers, st.integers(0, 60), st.dictionaries(st.integers(0, 11), pence, max_size=12))
def test_the_forecast_never_expires_more_than_is_held(rows, now, plan):
    now = month(now)
    ledger = _with_expiries_written(_history(rows), now)
    planned = {add_months(now, n): p for n, p in plan.items()}
    held = max(0, funds_now(ledger, now).held)
    months = forecast(ledger, now, planned)
    assert sum(m.expires for m in months) <= held
    before = funds_now(ledger, now)
    for m in months:
        assert 0 <= m.expires <= max(0, before.held - m.planned) or m.expires == 0
        before.spend(m.planned)
        before.expire(m.month)
        assert before.held == m.held_after
    # Spending more never makes more expire.
    more = forecast(ledger, now, {k: v + 1000 for k, v in planned.items()} | {now: planned.get(now, 0) + 1000})
    assert sum(m.expires for m in more) <= sum(m.expires for m in months)


@given(st.integers(1, 10_000_000), st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(1, 2000))
def test_instalments_always_add_up_to_the_price(price, start, days):
    from datetime import timedelta

    paid = instalments(price, start, start + timedelta(days=days))
    assert sum(p for _, p in paid) == price and all(p > 0 for _, p in paid)
    assert [m for m, _ in paid] == sorted({m for m, _ in paid})


# --- The balance available for a payment: never below zero (issue 17's trial) -----------------------------

def test_the_balance_available_is_what_a_payment_can_take_without_going_below_zero():
    from apprenticeships.services.levy_ledger import available, overdrawn_by_month

    history = {month(0): MonthTotals(credits=1000), month(2): MonthTotals(training=800)}
    assert available(history, month(3), month(3)) == 200
    # In month 1 the account held 1,000, but month 2's 800 was paid from it: only 200 was free then.
    assert available(history, month(1), month(3)) == 200
    assert available({}, month(3), month(3)) == 0
    # Funds that expired are not available: 24 months on, the pot is gone.
    assert available({month(0): MonthTotals(credits=1000)}, month(25), month(25)) == 0
    # A ledger already below zero (a credit missing) has nothing available, and says where it went below.
    short = {month(0): MonthTotals(credits=100), month(1): MonthTotals(training=300)}
    assert available(short, month(1), month(1)) == 0
    assert overdrawn_by_month(short, month(2)) == {month(1): 200, month(2): 200}


@settings(max_examples=150, deadline=None)
@given(ledgers, st.integers(0, 47), st.integers(0, 60))
def test_a_payment_of_the_balance_available_never_takes_the_account_below_zero_and_a_penny_more_does(rows, when,
                                                                                                    now):
    from dataclasses import replace

    from apprenticeships.services.levy_ledger import available, overdrawn_by_month

    now = month(now)
    history = {m: t for m, t in _history(rows, within_means=True).items() if m <= now}
    when = min(month(when), now)
    room = available(history, when, now)
    before = overdrawn_by_month(history, now)

    def paying(pence: int) -> dict:
        totals = history.get(when, MonthTotals())
        return overdrawn_by_month({**history, when: replace(totals, training=totals.training + pence)}, now)

    assert room >= 0 and paying(room) == before
    assert paying(room + 1) != before
