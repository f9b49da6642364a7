"""Levy transfers' rules, with no database: the allowance, the payment schedule, the local rules'
reasons, DfE's statuses, and what the shared summary may publish."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.models import ApplicationStatus, TransferApprentice, TransferOutcome
from apprenticeships.services import disclosure, levy_outcomes, publication
from apprenticeships.services.levy_ledger import instalments
from apprenticeships.services.levy_transfers import (
    STEPS,
    Facts,
    Rules,
    allowance_pence,
    allowance_percent,
    listed,
    location_matches,
    next_status,
    notes,
    planned_for,
    problems,
    steps_from,
)

S = ApplicationStatus

# --- The transfer allowance -----------------------------------------------------------------------


def test_the_allowance_is_a_quarter_of_last_years_funds_before_april_2024_and_half_from_then():
    assert allowance_percent(2023) == 25  # 1 April 2023 to 31 March 2024
    assert allowance_percent(2024) == 50  # from 1 April 2024
    assert allowance_percent(2017) == 25 and allowance_percent(2030) == 50
    funds = 31_680_000  # £316,800 entered the account in the year before
    assert allowance_pence(funds, 2023) == 7_920_000
    assert allowance_pence(funds, 2024) == 15_840_000


def test_the_allowance_is_rounded_down_to_a_whole_penny():
    assert allowance_pence(101, 2024) == 50  # half of £1.01 is 50.5p: never more than the rule allows
    assert allowance_pence(103, 2023) == 25
    assert allowance_pence(0, 2024) == 0
    assert allowance_pence(-500, 2024) == 0  # funds corrected below nothing allow nothing


@given(st.integers(0, 10**11), st.integers(2017, 2100))
def test_the_allowance_is_the_share_to_within_a_penny_and_never_above_it(funds, year):
    allowance = allowance_pence(funds, year)
    share = allowance_percent(year)
    assert allowance * 100 <= funds * share < (allowance + 1) * 100


# --- Payments: 80% monthly, 20% the month after the planned end -----------------------------------------


def test_a_year_from_the_first_of_the_month_is_twelve_instalments_and_a_completion_payment():
    paid = instalments(1_200_000, date(2025, 9, 1), date(2026, 8, 31))
    assert [m for m, _ in paid] == [date(2025, m, 1) for m in range(9, 13)] + [date(2026, m, 1) for m in
                                                                                 range(1, 10)]
    assert [p for _, p in paid] == [80_000] * 12 + [240_000]


def test_each_month_whose_last_day_falls_in_learning_is_paid_and_the_last_instalment_takes_the_pence_left():
    # 15 September to 14 September: September's census date (the 30th) is in learning, the next September's is not.
    paid = instalments(1_000_001, date(2025, 9, 15), date(2026, 9, 14))
    months = [m for m, _ in paid]
    assert months[0] == date(2025, 9, 1) and months[11] == date(2026, 8, 1)
    assert months[-1] == date(2026, 10, 1)  # the completion payment: the month after the planned end
    on_programme = 1_000_001 * 80 // 100  # 800,000
    assert [p for _, p in paid[:11]] == [on_programme // 12] * 11
    assert paid[11][1] == on_programme - 11 * (on_programme // 12)  # 66,674: the rounding pence
    assert paid[-1][1] == 1_000_001 - on_programme


def test_an_apprenticeship_within_one_month_is_one_instalment_and_the_completion_payment():
    assert instalments(1_000, date(2025, 9, 3), date(2025, 9, 20)) == [(date(2025, 9, 1), 800),
                                                                        (date(2025, 10, 1), 200)]


@given(st.integers(1, 10**9), st.dates(date(2017, 1, 1), date(2090, 1, 1)), st.integers(1, 2500))
def test_the_payments_add_up_to_the_price_exactly_and_are_monthly_and_equal_but_the_last(price, start, days):
    from datetime import timedelta

    paid = instalments(price, start, start + timedelta(days=days))
    assert sum(p for _, p in paid) == price
    assert all(p > 0 and m.day == 1 for m, p in paid)
    months = [m for m, _ in paid]
    assert months == sorted(set(months))
    monthly = [p for _, p in paid[:-1]] if price - price * 80 // 100 else [p for _, p in paid]
    if len(monthly) > 1:
        assert len(set(monthly[:-1])) == 1 and monthly[-1] >= monthly[0]


def _apprentice(outcome=TransferOutcome.IN_LEARNING, ended=None) -> TransferApprentice:
    return TransferApprentice(reference="A1", price_pence=1_200_000, start_date=date(2025, 9, 1),
                              planned_end_date=date(2026, 8, 31), outcome=outcome, end_date=ended)


def test_a_withdrawn_apprentices_payments_stop_with_the_last_month_they_were_in_learning_on_its_last_day():
    planned = planned_for(_apprentice(TransferOutcome.WITHDRAWN, date(2026, 1, 20)))
    assert planned == [(date(2025, m, 1), 80_000) for m in range(9, 13)]  # January's census date had passed them
    assert planned_for(_apprentice(TransferOutcome.WITHDRAWN, date(2026, 1, 31)))[-1] == (date(2026, 1, 1), 80_000)


def test_an_apprentice_who_completes_early_has_the_rest_of_the_price_the_month_after():
    planned = planned_for(_apprentice(TransferOutcome.COMPLETED, date(2026, 5, 31)))
    assert planned[:-1] == [(m, 80_000) for m in [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1),
                                                  date(2025, 12, 1)] + [date(2026, n, 1) for n in range(1, 6)]]
    assert planned[-1] == (date(2026, 6, 1), 1_200_000 - 9 * 80_000)
    assert sum(p for _, p in planned) == 1_200_000


def test_an_apprentice_in_learning_is_paid_as_planned():
    assert planned_for(_apprentice()) == instalments(1_200_000, date(2025, 9, 1), date(2026, 8, 31))


# --- The local rules, in words ---------------------------------------------------------------------


def _facts(**changes) -> Facts:
    values = dict(employer_pays_levy=False, apprentices_live_in_borough=True, hourly_wage_pence=1350,
                  location="NM1 4QT", employer_sector="Health", standard_id=1, standard_name="Data analyst (level 4)",
                  level=4, amount_pence=1_500_000, apprentices_planned=1, band_max_pence=None)
    return Facts(**{**values, **changes})


EVERY_RULE = Rules(non_levy_employers_only=True, apprentices_in_borough_only=True, min_hourly_wage_pence=1345,
                   locations=("Northmoor", "NM1"), sectors=("Health", "Social care"), standard_id=1,
                   standard_name="Data analyst (level 4)", min_level=3, max_level=4)


def test_an_application_that_meets_every_rule_has_no_reasons():
    assert problems(_facts(), EVERY_RULE) == []
    assert problems(_facts(employer_pays_levy=True, hourly_wage_pence=None, location=None), Rules()) == []


def test_each_rule_not_met_says_why_in_plain_words():
    assert problems(_facts(employer_pays_levy=True), EVERY_RULE) == [
        "The employer pays the levy: this scheme is for non-levy employers only"]
    assert problems(_facts(apprentices_live_in_borough=False), EVERY_RULE) == [
        "Not every apprentice lives in the borough: this scheme is for apprentices who live in the borough"]
    assert problems(_facts(hourly_wage_pence=1221), EVERY_RULE) == [
        "The hourly wage (£12.21) is below this scheme’s minimum of £13.45 an hour"]
    assert problems(_facts(hourly_wage_pence=None), EVERY_RULE) == [
        "The hourly wage is not given: this scheme asks for at least £13.45 an hour"]
    assert problems(_facts(location="NM7 2AB"), replace(EVERY_RULE, locations=("NM1", "NM2"))) == [
        "The apprentices would work in NM7 2AB: this pledge is for NM1 or NM2"]
    assert problems(_facts(location=None), EVERY_RULE) == [
        "Where the apprentices would work is not given: this pledge is for Northmoor or NM1"]
    assert problems(_facts(employer_sector="Retail"), EVERY_RULE) == [
        "The employer’s sector (Retail) is not one this pledge is for: Health or Social care"]
    assert problems(_facts(standard_id=2, standard_name="Software developer (level 4)"), EVERY_RULE) == [
        "The standard (Software developer (level 4)) is not the one this pledge is for: Data analyst (level 4)"]
    assert problems(_facts(level=6, standard_id=1), EVERY_RULE) == [
        "Data analyst (level 4) is level 6: this pledge is for levels 3 to 4"]
    assert problems(_facts(amount_pence=2_000_001, apprentices_planned=2, band_max_pence=1_000_000), Rules()) == [
        "The amount asked for (£20,000.01) is more than the funding band allows for 2 apprentices (£20,000)"]


def test_every_rule_not_met_is_listed():
    found = problems(_facts(employer_pays_levy=True, apprentices_live_in_borough=False, hourly_wage_pence=100,
                            location="LS1 4AB", employer_sector="Retail", level=7),
                     replace(EVERY_RULE, locations=("NM1",)))
    assert len(found) == 6


def test_levels_are_said_as_the_pledge_sets_them():
    def why(low, high, level):
        return problems(_facts(level=level), Rules(min_level=low, max_level=high))

    assert why(3, None, 2) == ["Data analyst (level 4) is level 2: this pledge is for level 3 and above"]
    assert why(None, 3, 4) == ["Data analyst (level 4) is level 4: this pledge is for up to level 3"]
    assert why(3, 3, 4) == ["Data analyst (level 4) is level 4: this pledge is for level 3 only"]
    assert why(3, 5, 4) == []


def test_a_location_matches_a_town_or_a_postcode_district_whatever_the_case():
    assert location_matches("NM1 4QT", ["NM1"]) and location_matches("northmoor", ["Northmoor"])
    assert location_matches("  Northmoor   town centre ", ["Northmoor"])
    assert not location_matches("NM12 3AB", ["NM1"])  # another district
    assert not location_matches("Northmoorside", ["Northmoor"])
    assert listed("Northmoor, NM1;\n NM2\n\n") == ("Northmoor", "NM1", "NM2")
    assert listed(None) == ()


# --- DfE's statuses ---------------------------------------------------------------------------------


def test_the_lifecycle_allows_exactly_dfes_moves():
    allowed = {(status, step): next_status(status, step) for status in S for step in STEPS
               if next_status(status, step) is not None}
    assert allowed == {
        (S.PENDING, "approve"): S.APPROVED, (S.PENDING, "reject"): S.REJECTED,
        (S.APPROVED, "accept"): S.ACCEPTED, (S.APPROVED, "decline"): S.DECLINED,
        (S.PENDING, "withdraw"): S.WITHDRAWN, (S.APPROVED, "withdraw"): S.WITHDRAWN,
        (S.ACCEPTED, "withdraw"): S.WITHDRAWN,
    }
    assert next_status(S.PENDING, "funds_used") is None  # reached only when the payments reach the amount
    assert next_status(S.PENDING, "no such step") is None
    for ended in (S.REJECTED, S.DECLINED, S.WITHDRAWN, S.FUNDS_USED):
        assert steps_from(ended) == []


def test_an_employer_makes_only_their_own_moves():
    assert [s.name for s in steps_from(S.PENDING)] == ["approve", "reject", "withdraw"]
    assert [s.name for s in steps_from(S.PENDING, employer=True)] == ["withdraw"]
    assert [s.name for s in steps_from(S.APPROVED, employer=True)] == ["accept", "decline", "withdraw"]
    assert all(step.destructive for step in steps_from(S.PENDING, employer=True))


# --- What the summary may publish ---------------------------------------------------------------------


def _raw(starts_by_pledge: list[int], used_by_pledge: list[int], outcomes=(0, 0, 0), in_borough=0, employers=0):
    pledges = [{"label": f"Pledge {n}", "open": True, "pledged": 1_000_000, "starts": s, "used": u}
               for n, (s, u) in enumerate(zip(starts_by_pledge, used_by_pledge, strict=True), start=1)]
    starts = sum(starts_by_pledge)
    return {"pledges": pledges, "starts": starts, "employers": employers, "used": sum(used_by_pledge),
            "pledged": 1_000_000 * len(pledges),
            "outcomes": dict(zip(levy_outcomes.OUTCOME_LABELS.values(), outcomes, strict=True)),
            "living_in_borough": dict(zip(levy_outcomes.BOROUGH_LABELS, (in_borough, starts - in_borough),
                                          strict=True))}


def test_small_counts_are_not_shown_and_money_over_few_apprentices_is_hidden():
    published = levy_outcomes.publish(_raw([3], [150_050], outcomes=(2, 1, 0), in_borough=2, employers=1), 5)
    assert published["starts"] is None and published["hidden"]["starts"] == disclosure.PRIMARY
    assert published["used"] is None and published["hidden"]["used"] == disclosure.SMALL_BASE
    assert published["employers"] is None
    assert [c["value"] for c in published["outcomes"]] == [None, None, 0]  # as a cohort's: no one is no one
    assert all(cell["value"] is None for cell in published["living_in_borough"])
    assert published["used_by_pledge"] == [{"label": "Pledge 1", "value": None, "hidden": disclosure.SMALL_BASE}]
    # What a pledge offers is public anyway, and about no one.
    assert published["pledged"] == {"total": 10_000, "pledges": [{"label": "Pledge 1", "pounds": 10_000,
                                                                   "open": True}]}
    assert "pledged" in publication.NOT_FIGURES


def test_one_pledges_money_hidden_hides_another_so_it_cannot_be_worked_out_from_the_total():
    published = levy_outcomes.publish(_raw([12, 2, 6], [900_000, 100_000, 400_000], outcomes=(10, 6, 4),
                                           in_borough=15, employers=6), 5)
    assert published["used"] == 14_000  # pounds, over 20 apprentices
    cells = {c["label"]: (c["value"], c["hidden"]) for c in published["used_by_pledge"]}
    assert cells == {"Pledge 1": (9_000, None), "Pledge 2": (None, disclosure.SMALL_BASE),
                     "Pledge 3": (None, disclosure.SECONDARY)}
    starts = {c["label"]: c["value"] for c in published["starts_by_pledge"]}
    assert starts["Pledge 2"] is None and (starts["Pledge 1"] is None or starts["Pledge 3"] is None)


def test_counts_are_rounded_to_five_when_the_programme_says_so_and_money_is_not():
    published = levy_outcomes.publish(_raw([12, 11], [900_049, 400_000], outcomes=(11, 7, 5), in_borough=17,
                                           employers=6), 5, round_to_five=True)
    assert published["rounded_to"] == 5
    assert published["starts"] == 25 and published["employers"] == 5
    assert [c["value"] for c in published["outcomes"]] == [10, 5, 5]
    assert [c["value"] for c in published["used_by_pledge"]] == [9_000, 4_000]  # pounds, never rounded to 5


def test_two_published_versions_one_apprentice_apart_are_too_close():
    before = levy_outcomes.publish(_raw([12, 11], [900_000, 400_000], outcomes=(11, 7, 5), in_borough=17), 5)
    after = levy_outcomes.publish(_raw([13, 11], [900_000, 400_000], outcomes=(12, 7, 5), in_borough=18), 5)
    assert publication.too_close(before, after, 5)


# --- The trial's findings (issue 17): apprentices as recorded, what the pledge has left, postcodes ---------


def test_an_apprentice_recorded_outside_the_borough_fails_the_rule_named_by_their_reference():
    assert problems(_facts(outside_borough=("KST-DEV-02",)), EVERY_RULE) == [
        "KST-DEV-02 lives outside the borough: this scheme is for apprentices who live in the borough"]
    assert problems(_facts(outside_borough=("A-1", "A-2", "A-3")), EVERY_RULE) == [
        "A-1, A-2 and A-3 live outside the borough: this scheme is for apprentices who live in the borough"]
    # Only where the scheme asks for it.
    assert problems(_facts(outside_borough=("A-1",)), replace(EVERY_RULE, apprentices_in_borough_only=False)) == []


def test_an_application_asking_for_more_than_the_pledge_has_left_says_so():
    assert problems(_facts(amount_pence=1_800_000, pledge_left=900_000), Rules()) == [
        "It asks for £18,000; the pledge has £9,000 left"]
    assert problems(_facts(amount_pence=900_000, pledge_left=900_000), Rules()) == []
    assert problems(_facts(amount_pence=1_800_000, pledge_left=None), Rules()) == []  # not waiting for a decision


def test_a_postcode_matches_the_area_or_district_a_pledge_names():
    assert location_matches("NM2 8HF", ["NM"]) and location_matches("nm2 8hf", ["NM2"])
    assert location_matches("Unit 3, Mill Lane, NM4 1AB", ["NM4"])  # a postcode anywhere in the address
    assert location_matches("NM28HF", ["NM2"]) and location_matches("NM4", ["NM"])
    assert location_matches("EC1A 1BB", ["EC1"])  # a district's part
    assert not location_matches("NM12 3AB", ["NM1"]) and not location_matches("N1 9GU", ["NM"])
    assert not location_matches("NM2 8HF", ["Northmoor"])


def test_a_workplace_a_named_place_may_take_in_is_a_note_to_check_by_hand_not_a_failure():
    northmoor = Rules(locations=("Northmoor",))
    assert problems(_facts(location="NM2 8HF"), northmoor) == []
    assert notes(_facts(location="NM2 8HF"), northmoor) == [
        "Check by hand: the pledge is for Northmoor, the workplace is at NM2 8HF"]
    assert notes(_facts(location="Northmoor"), northmoor) == []  # it says so itself
    # Districts only: a postcode outside them fails, a town's name cannot be told by a machine.
    districts = Rules(locations=("NM1", "NM2"))
    assert notes(_facts(location="LS1 4AB"), districts) == []
    assert problems(_facts(location="Eastbrook"), districts) == []
    assert notes(_facts(location="Eastbrook"), districts) == [
        "Check by hand: the pledge is for NM1 or NM2, the workplace is at Eastbrook"]
