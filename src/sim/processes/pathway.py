"""One referral's way through the pathway: front door, then stage after stage to an exit."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from sim.entities import Child, State
from sim.processes import assessment, complaints, conference, demand, enquiry, front_door, plans

if TYPE_CHECKING:
    from sim.model import Model

Stage = Callable[["Model", Child], Generator[simpy.Event, object, str]]

STAGES: dict[str, Stage] = {
    "assessment": assessment.run,
    "strategy": enquiry.run,
    "icpc": conference.icpc,
    "cpp": plans.cpp,
    "cin": plans.cin,
}


def episode(
    m: Model, child: Child, start: str | None = None, first_review_day: int | None = None
) -> Generator[simpy.Event, object, None]:
    """Run one referral from the front door to closure or care.

    ``start`` and ``first_review_day`` put a child already on a plan straight into it
    (the pre-populated caseload on day 0).
    """
    if start is None:
        stage = yield from front_door.await_decision(m, child)
    else:
        stage = yield from PLANS[start](m, child, first_review_day)
    while stage in STAGES:
        stage = yield from STAGES[stage](m, child)
    if stage == "care":
        exit_to_care(m, child)
    else:
        close(m, child)


PLANS = {"cpp": plans.cpp, "cin": plans.cin}


def close(m: Model, child: Child) -> None:
    """Close the case; the family may be referred again later."""
    m.set_state(child, State.CLOSED)
    complaints.drop_actions(m, child)
    m.workforce.release(child)
    m.rec.on_closure(m.env.now, child.need)
    m.log(child, "closure")
    demand.schedule_rereferral(m, child)


def exit_to_care(m: Model, child: Child) -> None:
    """Care proceedings: the child leaves the model."""
    m.set_state(child, State.CARE)
    m.log(child, "care")
    complaints.drop_actions(m, child)
    m.workforce.release(child)
