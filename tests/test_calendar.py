"""Working days and due dates with real England and Wales dates."""

from datetime import date

import pytest

from sim.calendar import WorkingCalendar, england_bank_holidays


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar(date(2024, 1, 1), 3 * 366)


def test_bank_holidays_come_from_the_maintained_source():
    days = england_bank_holidays(2025, 2025)
    assert date(2025, 4, 18) in days  # Good Friday
    assert date(2025, 4, 21) in days  # Easter Monday
    assert date(2025, 5, 26) in days  # late May (spring) bank holiday
    assert date(2025, 12, 25) in days
    assert date(2025, 12, 26) in days
    assert date(2025, 3, 17) not in days  # St Patrick's Day is not an English holiday


@pytest.mark.parametrize(
    ("received", "working_days", "due"),
    [
        # Christmas 2024: Wed 25 and Thu 26 December are bank holidays.
        (date(2024, 12, 24), 1, date(2024, 12, 27)),
        (date(2024, 12, 20), 1, date(2024, 12, 23)),  # Friday -> Monday
        (date(2024, 12, 21), 1, date(2024, 12, 23)),  # Saturday -> Monday
        (date(2024, 12, 23), 10, date(2025, 1, 9)),  # skips 25, 26 Dec and 1 Jan
        # Easter 2025: Good Friday 18 April, Easter Monday 21 April.
        (date(2025, 4, 17), 1, date(2025, 4, 22)),
        (date(2025, 4, 17), 15, date(2025, 5, 13)),  # also skips early May (5 May)
        # Late May bank holiday 2025: Monday 26 May.
        (date(2025, 5, 23), 1, date(2025, 5, 27)),
        (date(2025, 5, 19), 45, date(2025, 7, 22)),
    ],
)
def test_due_dates_skip_weekends_and_bank_holidays(cal, received, working_days, due):
    assert cal.due_date(received, working_days) == due


def test_working_day_index_round_trip(cal):
    good_friday = cal.day_of(date(2025, 4, 18))
    assert not cal.is_working_day(good_friday)
    wd = cal.wd_on_or_after(good_friday)
    assert cal.date_of(cal.day_of_wd(wd)) == date(2025, 4, 22)
    assert (
        cal.working_days_between(cal.day_of(date(2025, 4, 17)), cal.day_of(date(2025, 4, 22))) == 1
    )


def test_add_months_clamps_to_month_end(cal):
    assert cal.date_of(cal.add_months(cal.day_of(date(2024, 11, 30)), 3)) == date(2025, 2, 28)
    assert cal.date_of(cal.add_months(cal.day_of(date(2025, 1, 15)), 6)) == date(2025, 7, 15)


def test_working_days_are_counted_before_the_calendar_starts(cal):
    """A case referred before the run: days before ``start`` count from their bank holidays.

    Christmas 2023 (Mon 25 and Tue 26 December) and New Year's Day 2024 fall between a
    Friday 22 December 2023 and Tuesday 2 January 2024: four working days after it.
    """
    friday = cal.day_of(date(2023, 12, 22))
    assert friday < 0
    assert cal.working_days_between(friday, cal.day_of(date(2024, 1, 2))) == 4
    assert cal.working_days_between(friday, cal.day_of(date(2023, 12, 29))) == 3
    assert cal.working_days_between(cal.day_of(date(2024, 1, 2)), friday) == -4
