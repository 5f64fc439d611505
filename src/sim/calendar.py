"""Working days, England and Wales bank holidays, and statutory due dates.

The simulation clock counts calendar days (float) from ``start``; day ``d`` is the date
``start + d``. Statutory timescales are in working days: Monday to Friday except England
and Wales bank holidays, taken from the maintained ``holidays`` package (subdivision ENG)
and applied with numpy's business-day functions.

Inside the model, working days are also addressed by a *working-day index* ``wd``:
``wd = 0`` is the first working day on or after ``start``. Index arithmetic is exact
working-day arithmetic, so "15 working days after wd" is ``wd + 15``.
"""

from __future__ import annotations

import bisect
from datetime import date, timedelta

import holidays
import numpy as np

_BANK_HOLIDAYS: dict[tuple[int, int], tuple[date, ...]] = {}
"""Bank holidays already looked up in this process, by (first year, last year)."""


def england_bank_holidays(first_year: int, last_year: int) -> list[date]:
    """Bank holidays in England and Wales for the given years (inclusive).

    Kept once looked up: computing them takes the ``holidays`` package about a tenth of
    a second, which every replication would otherwise pay again.
    """
    key = (first_year, last_year)
    if key not in _BANK_HOLIDAYS:
        years = range(first_year, last_year + 1)
        cal = holidays.country_holidays("GB", subdiv="ENG", years=years)
        _BANK_HOLIDAYS[key] = tuple(sorted(cal.keys()))
    return list(_BANK_HOLIDAYS[key])


class WorkingCalendar:
    """Maps simulation days to dates and working days, and computes due dates.

    Args:
        start: The date of simulation day 0.
        horizon_days: How many calendar days the run covers; lookups beyond it are
            served by a margin of two extra years.

    """

    def __init__(self, start: date, horizon_days: float) -> None:
        self.start = start
        self.n_days = int(horizon_days) + 2 * 366 + 14
        end = start + timedelta(days=self.n_days)
        self.bank_holidays = england_bank_holidays(start.year, end.year)
        days = np.arange(np.datetime64(start), np.datetime64(end), dtype="datetime64[D]")
        is_work = np.is_busday(days, weekmask="1111100", holidays=self.bank_holidays)
        self._is_work: list[bool] = is_work.tolist()
        # wd index of the first working day on or after each calendar day
        self._next_wd: list[int] = (np.cumsum(is_work) - is_work).astype(int).tolist()
        self._work_days: list[int] = np.flatnonzero(is_work).astype(int).tolist()

    # -- dates --------------------------------------------------------------------------
    def date_of(self, day: float) -> date:
        """The calendar date of simulation time ``day``."""
        return self.start + timedelta(days=int(day))

    def day_of(self, when: date) -> int:
        """The simulation day of a calendar date."""
        return (when - self.start).days

    # -- working days -------------------------------------------------------------------
    def is_working_day(self, day: float) -> bool:
        """Whether simulation day ``day`` is a working day."""
        return self._is_work[int(day)]

    def wd_on_or_after(self, day: float) -> int:
        """Working-day index of the first working day on or after ``day``."""
        return self._next_wd[int(day)]

    def wd_after(self, day: float) -> int:
        """Working-day index of the first working day strictly after ``day``."""
        return self._next_wd[int(day) + 1]

    def day_of_wd(self, wd: int) -> int:
        """Calendar simulation day of working-day index ``wd``.

        Beyond the calendar's look-ahead (a long elapsed time drawn from a lognormal tail
        can reach there), the day is counted at five working days a week: it lies after
        the run's end, where only the order of days matters.
        """
        try:
            return self._work_days[wd]
        except IndexError:
            beyond = wd - len(self._work_days) + 1
            return self._work_days[-1] + (7 * beyond + 4) // 5

    def due_wd(self, day: float, working_days: int) -> int:
        """Working-day index of the due date ``working_days`` after an event on ``day``.

        The first working day strictly after the event counts as day 1 (so a referral on
        a Friday or a Saturday with a one-working-day timescale is due on Monday);
        ``working_days = 0`` means the event's own day, or the next working day.
        """
        if working_days <= 0:
            return self.wd_on_or_after(day)
        return self.wd_after(day) + working_days - 1

    def due_date(self, when: date, working_days: int) -> date:
        """Due date, as a date, of a timescale of ``working_days`` from ``when``."""
        return self.date_of(self.day_of_wd(self.due_wd(self.day_of(when), working_days)))

    def working_days_between(self, day_from: float, day_to: float) -> int:
        """Working days after ``day_from`` up to and including ``day_to`` (negative if earlier).

        Days outside the calendar's table (before ``start``: the history of a case already
        open when the run starts) are counted from the bank holidays of their years.
        """
        lo, hi = int(day_from) + 1, int(day_to) + 1
        if 0 <= lo < self.n_days and 0 <= hi < self.n_days:
            return self._next_wd[hi] - self._next_wd[lo]
        a, b = self.date_of(min(lo, hi)), self.date_of(max(lo, hi))
        holidays = england_bank_holidays(a.year, b.year)
        count = int(np.busday_count(a, b, weekmask="1111100", holidays=holidays))
        return count if lo <= hi else -count

    def add_months(self, day: float, months: int) -> int:
        """The simulation day ``months`` calendar months after ``day`` (day clamped)."""
        d = self.date_of(day)
        month0 = d.month - 1 + months
        year, month = d.year + month0 // 12, month0 % 12 + 1
        for dom in (d.day, 30, 29, 28):
            try:
                return self.day_of(date(year, month, dom))
            except ValueError:
                continue
        raise AssertionError("unreachable")

    def working_days_in(self, day_from: int, day_to: int) -> list[int]:
        """Working-day indices of the working days in ``[day_from, day_to)``."""
        lo = bisect.bisect_left(self._work_days, day_from)
        hi = bisect.bisect_left(self._work_days, day_to)
        return list(range(lo, hi))
