"""A child's hidden need week by week, beside what the service saw: the story's need lane.

A week observer of the model's event stream (events.EventStream.observe_weeks), attached
only for story runs (``runner.run_one(..., need_trace=True)``). Each week, for each child
it follows, it keeps the child's latent need (``Child.need``), what the service last saw
of it (``Child.perceived_need``) and, for a child on a CPP or CiN plan, the plan's days in
drift as ``drift_share`` counts them: it asks the KPI's own drift test
(:class:`sim.metrics.DriftTest`), so the shaded weeks on the timeline are the recorder's
drift days. It reads the child's state and draws no random number, so a run with it
gives the same results as one without.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sim.entities import Child, State
from sim.metrics import DriftTest, Standards

if TYPE_CHECKING:
    from sim.model import Model

_PLANS = (State.CPP, State.CIN)


@dataclass(frozen=True)
class NeedWeek:
    """One week of a child's open case, as the weekly accounting found it on the Monday.

    Attributes:
        start: The Monday of the week.
        need: The child's latent need (sd units; ``need.high_threshold`` is high).
        seen: What the service last saw of it; None before anyone has looked.
        on_plan: Whether the child was on a CPP or CiN plan.
        drift_days: The plan's working days in drift this week (``drift_share``'s
            numerator for this child), 0 when not in drift or not on a plan.

    """

    start: date
    need: float
    seen: float | None
    on_plan: bool
    drift_days: int

    @property
    def end(self) -> date:
        """The Monday after (the week drawn as a span)."""
        return self.start + timedelta(days=7)


class NeedTrace:
    """Follows some children's need, seen need and drift through the weekly accounting.

    Args:
        standards: The measures' thresholds (high need, the drift test's windows).
        day_of_wd: The run calendar's working day index to simulation day.
        date_of: The run calendar's simulation day to date.
        follow: The ids of the children to follow; None follows every child.

    """

    def __init__(
        self,
        standards: Standards,
        day_of_wd: Callable[[int], int],
        date_of: Callable[[float], date],
        follow: Collection[int] | None = None,
    ) -> None:
        self.high_need = standards.high_need
        self.drift = DriftTest(standards)
        self.follow = None if follow is None else frozenset(follow)
        self._day_of_wd = day_of_wd
        self._date_of = date_of
        self.weeks: list[int] = []
        """The first day of each week accounted."""
        # child -> (week index, need, seen need, drift days or -1 off a plan), compact: a
        # story follows every child until it picks one
        self._rows: dict[int, tuple[array, array, array, array]] = {}

    @classmethod
    def attach(cls, model: Model, follow: Collection[int] | None = None) -> NeedTrace:
        """A trace observing ``model``'s weeks (before the model runs)."""
        cal = model.cal
        trace = cls(Standards.from_config(model.cfg), cal.day_of_wd, cal.date_of, follow)
        model.events.observe_weeks(trace)
        return trace

    def measure_week(self, children: list[Child], w0: int, w1: int) -> None:
        """Keep the week of working days ``w0..w1`` of each followed child (open cases)."""
        week = len(self.weeks)
        self.weeks.append(self._day_of_wd(w0))
        follow = self.follow
        for child in children:
            if follow is not None and child.id not in follow:
                continue
            drift_days = -1
            if child.state in _PLANS:
                no_progress, known_risk = self.drift.week(child, w0)
                in_drift = no_progress or known_risk
                drift_days = w1 - max(w0, child.plan_start_wd) + 1 if in_drift else 0
            rows = self._rows.get(child.id)
            if rows is None:
                rows = self._rows[child.id] = (array("i"), array("d"), array("d"), array("b"))
            rows[0].append(week)
            rows[1].append(child.need)
            rows[2].append(child.perceived_need)
            rows[3].append(drift_days)

    def children(self) -> list[int]:
        """The ids of the children with at least one week traced."""
        return sorted(self._rows)

    def of(self, child_id: int) -> list[NeedWeek]:
        """The weeks of ``child_id``'s open cases, in order (empty if never traced)."""
        out = []
        for week, need, seen, drift_days in zip(*self._rows.get(child_id, ((),) * 4), strict=True):
            day = self._date_of(self.weeks[week])
            monday = day - timedelta(days=day.weekday())
            shown = None if math.isinf(seen) else seen
            out.append(NeedWeek(monday, need, shown, drift_days >= 0, max(drift_days, 0)))
        return out

    def drift_days_by_week(self) -> list[int]:
        """Every followed child's drift days, summed per week accounted."""
        totals = [0] * len(self.weeks)
        for weeks, _, _, drift_days in self._rows.values():
            for week, days in zip(weeks, drift_days, strict=True):
                totals[week] += max(days, 0)
        return totals
