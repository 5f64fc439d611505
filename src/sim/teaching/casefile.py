"""A simulated child's case file as a practitioner reads it: a pen picture and named people.

The case log (caselog.py) names workers by code (``SW102``, ``TM6``) and knows only what
the model knows of the family: the child's age at the first referral and whether a
parent lives elsewhere (and, at each meeting, whether that parent was invited). A
chronology read in a room needs more: a child with a name, a household, a category of
plan, and people with names. This module adds them, for the story only:

* :func:`person_name` names each worker code from small fixed lists, one name per id
  (so the audit, which counts distinct names, counts distinct workers);
* :func:`pen_picture` draws a pseudonym, the household's detail and the plan's category
  from a generator seeded by (run seed, child id), so the same child always gets the
  same picture and no result of the model moves;
* :func:`named` gives a chronology's workers their names and each meeting its
  attendance (who the model knows was there, plus an illustrative list of agencies).

Everything drawn here is illustrative and is marked so where it is printed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from sim.case_events import CaseEvent
from sim.caselog import NO_REPORT_TEXT, PARENT_INVITED_TEXT, CaseLog
from sim.teaching.chronology import chronology

if TYPE_CHECKING:
    from sim.calendar import WorkingCalendar

SOCIAL_WORKER_FIRST = (
    "Sam", "Aisha", "Tom", "Priya", "Daniel", "Grace", "Kwame", "Hannah", "Marek", "Leah",
    "Imran", "Chloe", "Femi", "Rachel", "Owen", "Zara", "Luke", "Nadia", "Ben", "Sofia",
    "Adam", "Megan", "Ravi", "Esther", "Jonah", "Bethany", "Carlos", "Mei", "Declan", "Ayesha",
    "Peter", "Lucy",
)  # fmt: skip
SOCIAL_WORKER_LAST = (
    "Patel", "Okafor", "Hughes", "Khan", "Walsh", "Mensah", "Clarke", "Nowak", "Ahmed", "Price",
    "Osei", "Lewis", "Begum", "Murphy", "Evans", "Kowalski", "Shah", "Bennett", "Ali", "Reid",
    "Turner", "Campbell", "Hussain", "Doyle", "Fraser", "Oduya", "Wright", "Chen", "Byrne",
    "Malik", "Jones", "Greene",
)  # fmt: skip
MANAGER_FIRST = (
    "Ruth", "Martin", "Angela", "Colin", "Funmi", "Gareth", "Yasmin", "Pauline", "Desmond",
    "Helen", "Tariq", "Joanne",
)  # fmt: skip
MANAGER_LAST = (
    "Adeyemi", "Fletcher", "Singh", "Harper", "Donnelly", "Baptiste", "Rahman", "Whitfield",
    "Lowe", "Chaudhry", "Morgan", "Quinn",
)  # fmt: skip
CHAIRS = (
    "Margaret Ellis", "Vikram Rao", "Denise Carter", "Patrick Nolan", "Josephine Achebe",
    "Alan Pearce",
)  # fmt: skip
"""Illustrative names: social workers and team managers one per id, conference chairs."""
GIRLS = (
    "Maya", "Ella", "Amira", "Lily", "Ruby", "Jade", "Esme", "Tia", "Niamh", "Hana", "Poppy",
    "Zainab",
)  # fmt: skip
BOYS = (
    "Leo", "Jayden", "Kai", "Harry", "Mason", "Ibrahim", "Alfie", "Reece", "Theo", "Kacper",
    "Jamal", "Finn",
)  # fmt: skip
"""Illustrative pseudonyms for the child."""

CATEGORY_SHARES: dict[str, float] = {
    "neglect": 26010 / 51510,
    "emotional abuse": 18380 / 51510,
    "physical abuse": 3820 / 51510,
    "sexual abuse": 1970 / 51510,
    "multiple categories": 1330 / 51510,
}
"""Initial category of abuse of children on a plan: DfE, Children in need, data set A5
"Child protection plans initial category of abuse" (reporting year 2020, England, Gender:
Total row: 51,510 children on a plan at 31 March). Not in FACTS.md or data/dfe/ (which
hold no category figures): an assumption for the story only, drawn for the pen picture."""
SIBLING_COUNT_PROBS = (0.3, 0.35, 0.2, 0.15)
"""Chance of 0, 1, 2 or 3 siblings at home (an illustrative assumption)."""
BOTH_PARENTS_PROB = 0.6
"""With no parent living elsewhere in the model, the child lives with both parents;
otherwise with their mother alone, the father not known to the service (illustrative)."""
MOTHER_RESIDENT_PROB = 0.85
"""With a parent living elsewhere, the child lives with their mother (else their father)."""
AGENCIES = {
    "under_5": ("health visitor", "nursery"),
    "school_age": ("school", "school nurse"),
}
"""Partner agencies at a meeting, by the child's age: a fixed illustrative list."""
ICPC_AGENCIES = ("police",)
"""Also at an initial conference (illustrative)."""
MEETINGS = frozenset({"icpc", "rcpc", "transfer_in_conference", "core_group"})
"""Events whose detail gets an attendance list."""
NUMBERS = ("no", "one", "two", "three")
ILLUSTRATIVE_NOTE = (
    "Illustrative: the pseudonym, the household's detail, the plan category, every person's "
    "name and the partner agencies at meetings are made up for the story (fixed by the run's "
    "seed and the child's id). The model itself gives the child's age, whether a parent "
    "lives elsewhere and whether they were invited, and everything the social workers, "
    "managers and the child did."
)

_CODE = re.compile(r"^(SW|TM|ATM)(\d+)$")


SCRAMBLE = 389
"""Ids are spread over the name pairs by multiplying by this odd number (a bijection on
each block of pairs whose size is prime to it), so consecutive ids share neither name."""


def _name_for(index: int, firsts: Sequence[str], lasts: Sequence[str]) -> str:
    """A distinct full name for each ``index`` >= 0 (a middle initial past the lists' end)."""
    n_first, n_last = len(firsts), len(lasts)
    pairs = n_first * n_last
    block, within = divmod(index, pairs)
    within = (within * SCRAMBLE) % pairs
    first, last = within % n_first, within // n_first
    middle = ""
    if block:
        letters = "ABCDEFGHJKLMNPRSTW"
        middle = f" {letters[(block - 1) % len(letters)]}." + (
            str((block - 1) // len(letters)) if block > len(letters) else ""
        )
    return f"{firsts[first]}{middle} {lasts[last]}"


def person_name(code: str) -> str:
    """A worker code of the case log as a person: ``SW102`` as "Sam Patel (social worker)".

    ``TM<id>`` is a team manager, ``ATM<n>`` the acting manager of team n (the model does
    not hold acting managers as people), ``duty`` the duty service. Every id gets its own
    name; a name the model does not make (a real chronology's) is kept.
    """
    if code == "duty":
        return "Duty social worker"
    match = _CODE.match(code)
    if match is None:
        return code
    prefix, number = match.group(1), int(match.group(2))
    if prefix == "SW":
        return f"{_name_for(number, SOCIAL_WORKER_FIRST, SOCIAL_WORKER_LAST)} (social worker)"
    if prefix == "TM":
        return f"{_name_for(number, MANAGER_FIRST, MANAGER_LAST)} (team manager)"
    return f"Acting team manager, team {number}"


@dataclass(frozen=True)
class PenPicture:
    """Who the child is, for the top of a chronology; ``drawn`` parts are illustrative."""

    pseudonym: str
    pronoun: str
    age_years: float | None
    first_referral: date | None
    household: str
    resident_parents: tuple[str, ...]
    parent_apart: str | None
    category: str
    chair: str

    def age_on(self, day: date) -> float | None:
        """The child's age in years on ``day``."""
        if self.age_years is None or self.first_referral is None:
            return None
        return self.age_years + (day - self.first_referral).days / 365.25

    def lines(self) -> list[str]:
        """The pen picture as plain sentences (Markdown or HTML paragraphs)."""
        if self.age_years is None or self.first_referral is None:
            age = "age not known"
        elif self.age_years < 0:
            age = f"not yet born at the first referral ({self.first_referral:%d %b %Y})"
        else:
            age = (
                f"aged {int(self.age_years)} at the first referral ({self.first_referral:%d %b %Y})"
            )
        return [
            f"{self.pseudonym} (a pseudonym), {age}.",
            f"Household: {self.household}.",
            f"Plan category: {self.category}.",
        ]


def _rng(seed: int, child_id: int) -> np.random.Generator:
    """The story's own generator for one child: fixed by the run seed and the child id."""
    return np.random.default_rng(np.random.SeedSequence([seed, child_id, 19]))


def pen_picture(
    log: CaseLog, child_id: int, seed: int, events: Sequence[CaseEvent], first_day: date | None
) -> PenPicture:
    """The child's pen picture: the model's facts, the rest drawn for the story.

    The draws are made in a fixed order whatever the child's record holds, so the same
    (seed, child) always gives the same picture. ``first_day`` is the date of the first
    referral in the log (``log.facts``' day as a date).
    """
    rng = _rng(seed, child_id)
    girl = rng.uniform() < 0.5
    names = GIRLS if girl else BOYS
    pseudonym = names[int(rng.uniform() * len(names))]
    pronoun = "her" if girl else "his"
    siblings = int(np.searchsorted(np.cumsum(SIBLING_COUNT_PROBS), rng.uniform(), side="right"))
    siblings = min(siblings, len(SIBLING_COUNT_PROBS) - 1)
    younger = sum(rng.uniform() < 0.5 for _ in range(siblings))
    both = rng.uniform() < BOTH_PARENTS_PROB
    mother_home = rng.uniform() < MOTHER_RESIDENT_PROB
    categories = list(CATEGORY_SHARES)
    category = categories[
        min(
            int(np.searchsorted(np.cumsum(list(CATEGORY_SHARES.values())), rng.uniform())),
            len(categories) - 1,
        )
    ]
    chair = CHAIRS[int(rng.uniform() * len(CHAIRS))]
    facts = log.facts.get(child_id)
    apart: str | None = None
    resident: tuple[str, ...]
    if facts is not None and facts.non_resident_parent:
        resident = ("mother",) if mother_home else ("father",)
        apart = "father" if mother_home else "mother"
    elif both:
        resident = ("mother", "father")
    else:
        resident = ("mother",)
    household = f"lives with {pronoun} " + " and ".join(resident)
    household += _siblings_text(siblings, younger)
    if apart is not None:
        household += f"; {pronoun} {apart} lives elsewhere"
    elif resident == ("mother",):
        household += f"; {pronoun} father is not known to the service"
    if not any(e.event == "cpp_start" for e in events):
        category = (
            "no child protection plan in this record (a category is set only when one starts)"
        )
    return PenPicture(
        pseudonym=pseudonym,
        pronoun=pronoun,
        age_years=None if facts is None else facts.age_years,
        first_referral=first_day,
        household=household,
        resident_parents=resident,
        parent_apart=apart,
        category=category,
        chair=chair,
    )


def _siblings_text(siblings: int, younger: int) -> str:
    older = siblings - younger
    parts = [
        f"{NUMBERS[n]} {kind} {'sibling' if n == 1 else 'siblings'}"
        for n, kind in ((younger, "younger"), (older, "older"))
        if n
    ]
    return (" and " + " and ".join(parts)) if parts else ", with no brothers or sisters at home"


def attendance(e: CaseEvent, worker: str, picture: PenPicture) -> str:
    """Who was at a meeting: what the model knows, then the illustrative agencies."""
    present: list[str] = []
    if e.event != "core_group":
        present.append(f"{picture.chair} (independent chair)")
    if worker:
        report = (
            ""
            if e.event == "core_group"
            else (", no report" if NO_REPORT_TEXT in e.detail else ", report submitted")
        )
        present.append(f"{worker.replace(' (social worker)', '')} (social worker{report})")
    present += list(picture.resident_parents)
    if picture.parent_apart is not None and PARENT_INVITED_TEXT[True] in e.detail:
        present.append(f"{picture.parent_apart} (lives apart)")
    age = picture.age_on(e.date)
    agencies = list(AGENCIES["under_5" if age is None or age < 5 else "school_age"])
    if e.event == "icpc":
        agencies += ICPC_AGENCIES
    return f"present: {', '.join(present)}; agencies (illustrative): {', '.join(agencies)}"


def named(events: Sequence[CaseEvent], picture: PenPicture | None = None) -> list[CaseEvent]:
    """The chronology with every worker named, and (with a picture) meetings' attendance.

    A ``worker_leaves`` line starts its detail with the worker's name, so it reads as a
    sentence ("Sam Patel (social worker) leaves the authority; ...").
    """
    out = []
    for e in events:
        worker = person_name(e.worker)
        detail = e.detail
        if e.event == "worker_leaves" and worker:
            detail = f"{worker} {detail}"
        elif picture is not None and e.event in MEETINGS:
            who = attendance(e, worker, picture)
            detail = f"{detail}; {who}" if detail else who
        out.append(CaseEvent(e.date, e.event, worker, detail, e.source))
    return out


def worker_numbers(events: Sequence[CaseEvent]) -> dict[str, str]:
    """Each social worker of a chronology as the order the child met them ("1", "2"...).

    For the timeline's bars, which are too short for names; other workers keep their names.
    """
    numbers: dict[str, str] = {}
    for e in events:
        if e.event == "worker_change" and e.worker and e.worker not in numbers:
            numbers[e.worker] = str(len(numbers) + 1)
    return numbers


def numbered(events: Sequence[CaseEvent]) -> list[CaseEvent]:
    """The chronology with social workers by number (:func:`worker_numbers`), for a timeline."""
    numbers = worker_numbers(events)
    return [
        CaseEvent(e.date, e.event, numbers.get(e.worker, e.worker), e.detail, e.source)
        for e in events
    ]


def who_is_who(events: Sequence[CaseEvent]) -> list[str]:
    """The social workers in the order the child met them, and the managers who reviewed."""
    numbers = worker_numbers(events)
    lines = []
    if numbers:
        workers = "; ".join(
            f"{n} {person_name(code).removesuffix(' (social worker)')}"
            for code, n in numbers.items()
        )
        lines.append(f"Social workers, numbered as on the timeline: {workers}.")
    managers = list(
        dict.fromkeys(e.worker for e in events if e.event == "manager_review" and e.worker)
    )
    if managers:
        lines.append(
            "Team managers: "
            + "; ".join(person_name(m).removesuffix(" (team manager)") for m in managers)
            + "."
        )
    return lines


@dataclass(frozen=True)
class CaseFile:
    """One child's chronology as printed: the pen picture, and the events with names.

    ``coded`` keeps the case log's worker codes (for comparisons and measures across
    children); ``events`` is what a participant reads.
    """

    child_id: int
    picture: PenPicture
    coded: list[CaseEvent]
    events: list[CaseEvent]

    def header(self) -> list[str]:
        """The lines that open the chronology: pen picture, who's who, the illustrative note."""
        return [*self.picture.lines(), *who_is_who(self.coded), ILLUSTRATIVE_NOTE]


def case_file(log: CaseLog, cal: WorkingCalendar, child_id: int, seed: int) -> CaseFile:
    """One child's case file from a run's case log (``seed``: the run's seed)."""
    coded = chronology(log, cal, child_id)
    facts = log.facts.get(child_id)
    first = None if facts is None else cal.date_of(facts.first_day)
    picture = pen_picture(log, child_id, seed, coded, first)
    return CaseFile(child_id, picture, coded, named(coded, picture))
