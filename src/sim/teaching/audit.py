"""Case audit: read one child's dated chronology and report the breaches the model measures.

``python -m sim.audit FILE`` reads a chronology (CSV or YAML, docs/audit.md) and reports
late front-door decisions, assessments and conferences, visit gaps beyond the standard and
months without a visit, lapsed manager reviews and core groups, changes of social worker
and complaint stages out of time. Each finding cites the events it rests on by row.

The standards are the model's own: the defaults of the timescale fields in
:mod:`sim.config` (``PathwayConfig``, ``WorkforceConfig``, ``ComplaintsConfig``), which a
file's ``standards:`` mapping overrides. Working days skip weekends and England and Wales
bank holidays (:mod:`sim.calendar`).

Two conventions let a chronology written from a document say what it does not know:

* **Approximate dates.** A ``detail`` that starts with ``[month]``, ``[early]``,
  ``[mid]``, ``[late]`` or ``[from YYYY-MM-DD to YYYY-MM-DD]`` says the document gives only
  that much: the date column holds the first day the wording allows, and every finding
  says whether it holds whatever the exact days were ("sure") or only on the dates as
  written.
* **Complete records.** A YAML ``complete_records:`` mapping names the event types the
  file lists in full, and over which dates. Checks that rest on something *not*
  happening (no visit, no manager review, no response) are made only there. A CSV file,
  or a YAML file without the key, is taken to be complete from its first event to its
  last, as the model's own chronologies are.

``python -m sim.audit --example lambeth`` and ``--example barnet`` audit the chronologies
built from seeds 002 and 004 and print what the audit found beside what the Ombudsman did.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

import yaml

from sim.calendar import WorkingCalendar
from sim.case_events import COLUMNS, EVENT_TYPES, CaseEvent, check_event_name, sort_events
from sim.config import ComplaintsConfig, Config, ConfigError, PathwayConfig, WorkforceConfig


class ChronologyError(ConfigError):
    """A user-facing error in a chronology file; its message is one plain line."""


# -- standards ---------------------------------------------------------------------------
STANDARD_FIELDS: dict[str, tuple[type, tuple[str, ...]]] = {
    "pathway": (
        PathwayConfig,
        (
            "front_door_due_wd",
            "assessment_due_wd",
            "icpc_due_wd",
            "first_rcpc_due_months",
            "rcpc_interval_months",
            "first_core_group_due_wd",
            "core_group_interval_wd",
            "cpp_visit_interval_wd",
            "cin_visit_interval_wd",
        ),
    ),
    "workforce": (WorkforceConfig, ("manager_review_interval_wd",)),
    "complaints": (
        ComplaintsConfig,
        (
            "stage1_due_wd",
            "stage1_max_wd",
            "stage2_due_wd",
            "stage2_max_wd",
            "stage3_panel_wd",
            "stage3_report_wd",
            "stage3_response_wd",
            "corporate_stage1_wd",
            "corporate_stage2_wd",
        ),
    ),
}
"""Config group, schema and the timescale fields of it that the audit checks against."""


@dataclass(frozen=True)
class Standard:
    """One standard the audit applies, read off the model's config schema."""

    key: str
    group: str
    default: int
    unit: str
    low: float | None
    meaning: str
    source: str


def _standards_schema() -> dict[str, Standard]:
    out: dict[str, Standard] = {}
    for group, (schema, keys) in STANDARD_FIELDS.items():
        by_name = {f.name: f for f in dataclasses.fields(schema)}
        for key in keys:
            f = by_name[key]
            meta = f.metadata
            out[key] = Standard(
                key, group, f.default, meta["unit"], meta["low"], meta["doc"], meta["source"]
            )
    return out


STANDARDS: dict[str, Standard] = _standards_schema()
"""Every standard, in the order the report lists them."""
DEFAULT_STANDARDS: dict[str, int] = {k: s.default for k, s in STANDARDS.items()}
"""The model's defaults (the dataclass defaults in sim.config)."""


def check_standards(values: Mapping[str, Any], where: str) -> dict[str, int]:
    """Validate a ``standards`` mapping: known keys, whole numbers within range."""
    out: dict[str, int] = {}
    for key, value in values.items():
        if key not in STANDARDS:
            allowed = ", ".join(STANDARDS)
            raise ChronologyError(f"{where}: unknown standard {key!r} (standards: {allowed})")
        low = STANDARDS[key].low
        if isinstance(value, bool) or not isinstance(value, int):
            raise ChronologyError(
                f"{where}: standard {key} must be a whole number of "
                f"{STANDARDS[key].unit}, got {value!r}"
            )
        if low is not None and value < low:
            raise ChronologyError(f"{where}: standard {key} must be at least {low:g}, got {value}")
        out[key] = value
    return out


def standards_from_config(cfg: Config) -> dict[str, int]:
    """The standards a composed model config uses (so a scenario is audited by its own)."""
    return {key: getattr(getattr(cfg, s.group), key) for key, s in STANDARDS.items()}


# -- chronology files --------------------------------------------------------------------
PRECISION_DAYS = {"month": (1, 31), "early": (1, 10), "mid": (11, 20), "late": (21, 31)}
"""Date markers for days a document leaves open: first and last day of the month allowed."""
_MARKER = re.compile(r"^\s*\[(?P<body>[^\]]*)\]")
_RANGE = re.compile(r"^from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MARKER_HELP = "[month], [early], [mid], [late] or [from YYYY-MM-DD to YYYY-MM-DD]"

YAML_KEYS = ("child", "source", "standards", "complete_records", "document_findings", "context")
"""Top-level YAML keys besides ``events``."""
DOCUMENT_FINDING_KEYS = ("found", "quote", "source", "kinds")
CONTEXT_KEYS = ("date", "detail", "source")


def _month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_date(value: object, where: str) -> date:
    """A date from YAML (already a date) or text ``YYYY-MM-DD``; else a one-line error."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    if _ISO.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ChronologyError(f"{where}: bad date {text!r} (use YYYY-MM-DD)")


def date_range(day: date, detail: str, where: str) -> tuple[date, date]:
    """Earliest and latest date an event can have, from the marker starting ``detail``.

    A ``detail`` that starts with ``[`` must start with a marker (docs/audit.md).
    """
    match = _MARKER.match(detail)
    if not match:
        return day, day
    body = match.group("body").strip()
    span = _RANGE.match(body)
    if body in PRECISION_DAYS:
        first, last = PRECISION_DAYS[body]
        lo = day.replace(day=first)
        hi = min(_month_end(day), day.replace(day=1) + timedelta(days=last - 1))
    elif span:
        lo = parse_date(span.group(1), where)
        hi = parse_date(span.group(2), where)
    else:
        raise ChronologyError(f"{where}: bad date marker [{body}] (use {MARKER_HELP})")
    if not lo <= day <= hi:
        raise ChronologyError(f"{where}: date {day} is outside its marker [{body}] ({lo} to {hi})")
    return lo, hi


def describe_dates(lo: date, hi: date) -> str:
    """How a report writes a date that may be a range: ``2020-03`` or ``early 2020-03``."""
    if lo == hi:
        return lo.isoformat()
    same_month = (lo.year, lo.month) == (hi.year, hi.month)
    if same_month and lo.day == 1 and hi == _month_end(lo):
        return f"{lo:%Y-%m}"
    if same_month:
        for word, (first, last) in PRECISION_DAYS.items():
            if lo.day == first and hi.day == min(last, _month_end(lo).day) and word != "month":
                return f"{word} {lo:%Y-%m}"
    return f"{lo}..{hi}"


@dataclass(frozen=True)
class Entry:
    """One event of a chronology with its row in the file and the dates it may have."""

    row: int
    event: CaseEvent
    earliest: date
    latest: date

    @property
    def name(self) -> str:
        """The event type."""
        return self.event.event

    @property
    def date(self) -> date:
        """The date as written."""
        return self.event.date

    @property
    def when(self) -> str:
        """The date as the report shows it (a month, part of a month or a range if unsure)."""
        return describe_dates(self.earliest, self.latest)


@dataclass(frozen=True)
class Window:
    """Dates over which a file lists every event of one type."""

    start: date
    end: date


@dataclass(frozen=True)
class DocumentFinding:
    """What the source document itself found, with a quote and its paragraph."""

    found: str
    quote: str = ""
    source: str = ""
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContextNote:
    """A dated happening the vocabulary has no event for (kept, not audited)."""

    date: date
    detail: str
    source: str = ""


@dataclass(frozen=True)
class Chronology:
    """One child's events, oldest first, with what the file says about itself."""

    entries: tuple[Entry, ...]
    child: str = ""
    source: str = ""
    path: str = ""
    standards: Mapping[str, int] = field(default_factory=dict)
    complete_records: Mapping[str, Window] | None = None
    document_findings: tuple[DocumentFinding, ...] = ()
    context: tuple[ContextNote, ...] = ()

    @property
    def events(self) -> list[CaseEvent]:
        """The events, oldest first."""
        return [e.event for e in self.entries]

    @classmethod
    def from_events(cls, events: Iterable[CaseEvent], **kwargs: Any) -> Chronology:
        """A chronology of events in memory (rows numbered from 1 in the order given)."""
        return cls(entries=_entries(list(events), lambda row: f"event {row}"), **kwargs)


def _entries(events: list[CaseEvent], where_of: Any) -> tuple[Entry, ...]:
    rows = {id(e): row for row, e in enumerate(events, start=1)}
    out = []
    for e in sort_events(events):
        row = rows[id(e)]
        where = where_of(row)
        _event_name(e.event, where)
        lo, hi = date_range(e.date, e.detail, where)
        out.append(Entry(row, e, lo, hi))
    return tuple(out)


def _event_name(name: str, where: str) -> str:
    """The event name if the vocabulary knows it, else a ChronologyError naming ``where``."""
    try:
        return check_event_name(name, where)
    except ValueError as exc:
        raise ChronologyError(str(exc)) from None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _event_from_mapping(raw: Mapping[str, Any], where: str) -> CaseEvent:
    unknown = [k for k in raw if k not in COLUMNS]
    if unknown:
        raise ChronologyError(
            f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(COLUMNS)})"
        )
    for key in ("date", "event"):
        if _text(raw.get(key)) == "":
            raise ChronologyError(f"{where}: missing {key}")
    name = _event_name(_text(raw["event"]), where)
    return CaseEvent(
        date=parse_date(raw["date"], where),
        event=name,
        worker=_text(raw.get("worker")),
        detail=_text(raw.get("detail")),
        source=_text(raw.get("source")),
    )


def _read_csv(path: Path) -> Chronology:
    name = path.name
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise ChronologyError(
                f"{name}: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})"
            )
        for key in ("date", "event"):
            if key not in header:
                raise ChronologyError(f"{name}: no {key!r} column (columns: {', '.join(COLUMNS)})")
        reader.fieldnames = header
        events: list[CaseEvent] = []
        lines: dict[int, int] = {}
        for row, raw in enumerate(reader, start=1):
            lines[row] = reader.line_num
            where = f"{name} row {row} (line {reader.line_num})"
            if None in raw:
                raise ChronologyError(f"{where}: more values than columns")
            events.append(_event_from_mapping({k: v for k, v in raw.items() if v}, where))
    entries = _entries(events, lambda row: f"{name} row {row} (line {lines[row]})")
    return Chronology(entries=entries, path=str(path))


class _DatesAsText(yaml.SafeLoader):
    """A safe loader that leaves dates as text, so a bad one is reported with its row."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> Chronology:
    name = path.name
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DatesAsText)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ChronologyError(f"{name}{at}: {problem}") from None
    if not isinstance(data, dict):
        raise ChronologyError(f"{name}: the top level must be a mapping with an 'events' list")
    allowed = ("events", *YAML_KEYS)
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ChronologyError(f"{name}: unknown key {unknown[0]!r} (keys: {', '.join(allowed)})")
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise ChronologyError(f"{name}: 'events' must be a list of events")
    events = []
    for row, raw in enumerate(raw_events, start=1):
        where = f"{name} event {row}"
        if not isinstance(raw, dict):
            raise ChronologyError(f"{where}: each event must be a mapping of {', '.join(COLUMNS)}")
        events.append(_event_from_mapping(raw, where))
    standards = data.get("standards") or {}
    if not isinstance(standards, dict):
        raise ChronologyError(f"{name}: 'standards' must be a mapping of standard: value")
    return Chronology(
        entries=_entries(events, lambda row: f"{name} event {row}"),
        child=_text(data.get("child")),
        source=_text(data.get("source")),
        path=str(path),
        standards=check_standards(standards, f"{name} standards"),
        complete_records=_read_windows(data, name),
        document_findings=_read_document_findings(data.get("document_findings"), name),
        context=_read_context(data.get("context"), name),
    )


def _read_windows(data: Mapping[str, Any], name: str) -> dict[str, Window] | None:
    if "complete_records" not in data:
        return None
    raw = data["complete_records"] or {}
    if not isinstance(raw, dict):
        raise ChronologyError(f"{name}: 'complete_records' must map event: {{from, to}}")
    out = {}
    for event, span in raw.items():
        where = f"{name} complete_records {event}"
        _event_name(str(event), where)
        if not isinstance(span, dict) or set(span) != {"from", "to"}:
            raise ChronologyError(f"{where}: give 'from' and 'to' dates")
        start, end = parse_date(span["from"], where), parse_date(span["to"], where)
        if end < start:
            raise ChronologyError(f"{where}: 'to' ({end}) is before 'from' ({start})")
        out[str(event)] = Window(start, end)
    return out


def _read_document_findings(raw: object, name: str) -> tuple[DocumentFinding, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ChronologyError(f"{name}: 'document_findings' must be a list")
    out = []
    for i, item in enumerate(raw, start=1):
        where = f"{name} document_findings {i}"
        if not isinstance(item, dict) or "found" not in item:
            raise ChronologyError(
                f"{where}: each item needs 'found' (keys: found, quote, source, kinds)"
            )
        unknown = [k for k in item if k not in DOCUMENT_FINDING_KEYS]
        if unknown:
            keys = ", ".join(DOCUMENT_FINDING_KEYS)
            raise ChronologyError(f"{where}: unknown key {unknown[0]!r} (keys: {keys})")
        kinds = tuple(str(k) for k in item.get("kinds") or ())
        for kind in kinds:
            if kind not in FINDING_KINDS:
                allowed = ", ".join(FINDING_KINDS)
                raise ChronologyError(f"{where}: unknown finding kind {kind!r} (kinds: {allowed})")
        out.append(
            DocumentFinding(
                _text(item["found"]), _text(item.get("quote")), _text(item.get("source")), kinds
            )
        )
    return tuple(out)


def _read_context(raw: object, name: str) -> tuple[ContextNote, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ChronologyError(f"{name}: 'context' must be a list")
    out = []
    for i, item in enumerate(raw, start=1):
        where = f"{name} context {i}"
        if not isinstance(item, dict) or "date" not in item or "detail" not in item:
            raise ChronologyError(f"{where}: each item needs 'date' and 'detail'")
        unknown = [k for k in item if k not in CONTEXT_KEYS]
        if unknown:
            raise ChronologyError(
                f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(CONTEXT_KEYS)})"
            )
        day = parse_date(item["date"], where)
        detail = _text(item["detail"])
        date_range(day, detail, where)
        out.append(ContextNote(day, detail, _text(item.get("source"))))
    return tuple(out)


def load_chronology(path: str | Path) -> Chronology:
    """Read a chronology from a ``.csv``, ``.yaml`` or ``.yml`` file (docs/audit.md).

    Raises:
        ChronologyError: one plain line naming the file, the row and the bad field.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise ChronologyError(f"{path}: unknown file type {suffix!r} (use .csv, .yaml or .yml)")
    if not path.is_file():
        raise ChronologyError(f"{path}: no such file")
    return _read_csv(path) if suffix == ".csv" else _read_yaml(path)


EXAMPLES = {"lambeth": "lambeth_002.yaml", "barnet": "barnet_004.yaml"}
"""Shipped example chronologies (src/sim/data/chronologies/), built from the seeds."""


def load_example(name: str) -> Chronology:
    """One of the shipped example chronologies, by name (``lambeth`` or ``barnet``)."""
    if name not in EXAMPLES:
        raise ChronologyError(f"unknown example {name!r} (examples: {', '.join(EXAMPLES)})")
    resource = resources.files("sim").joinpath("data", "chronologies", EXAMPLES[name])
    with resources.as_file(resource) as path:
        return load_chronology(path)


# -- findings ----------------------------------------------------------------------------
FINDING_KINDS: dict[str, str] = {
    "late_front_door_decision": "front-door decision later than front_door_due_wd after the "
    "referral, or none recorded",
    "late_assessment": "assessment completed later than assessment_due_wd after the referral, "
    "or not completed",
    "late_icpc": "initial conference later than icpc_due_wd after the strategy discussion "
    "(or, when none is recorded, after the section 47 enquiry started)",
    "late_rcpc": "review conference later than first_rcpc_due_months after the ICPC, or "
    "rcpc_interval_months after the last review",
    "visit_gap": "a child on a CPP (CiN plan) not seen for longer than cpp_visit_interval_wd "
    "(cin_visit_interval_wd)",
    "month_without_visit": "a calendar month wholly inside a plan with no visit, the visits "
    "either side of it further apart than the plan's visit standard",
    "core_group_gap": "no core group within first_core_group_due_wd of the CPP start or "
    "core_group_interval_wd of the last one",
    "lapsed_manager_review": "an open case without a manager review for longer than "
    "manager_review_interval_wd",
    "worker_changes": "the child had more than one social worker: how many, and each change",
    "complaint_stage_late": "a complaint stage answered after its timescale, or not at all",
}
"""Every kind of finding, in the order reports list them."""


@dataclass(frozen=True)
class Citation:
    """An event a finding rests on: its row in the file, date and type."""

    row: int
    date: date
    event: str
    when: str

    def __str__(self) -> str:
        return f"row {self.row} {self.event} {self.when}"


@dataclass(frozen=True)
class Finding:
    """One breach: its kind, a one-line message and the events it rests on.

    ``working_days`` is the interval measured on the dates as written; ``sure`` says the
    breach holds whatever the exact days within approximate dates (always for exact ones).
    """

    kind: str
    message: str
    events: tuple[Citation, ...]
    working_days: int | None = None
    standard: str = ""
    sure: bool = True

    @property
    def first_date(self) -> date | None:
        """The earliest date among the cited events."""
        return min((c.date for c in self.events), default=None)


def _cite(entry: Entry) -> Citation:
    return Citation(entry.row, entry.date, entry.name, entry.when)


NOUNS = {
    "referral": "the referral",
    "front_door_decision": "the front-door decision",
    "assessment_start": "the assessment start",
    "assessment_end": "the assessment end",
    "strategy_discussion": "the strategy discussion",
    "s47_start": "the section 47 start",
    "s47_end": "the section 47 end",
    "icpc": "the ICPC",
    "rcpc": "the review conference",
    "cpp_start": "the CPP start",
    "cpp_end": "the CPP end",
    "cin_start": "the CiN plan start",
    "cin_end": "the CiN plan end",
    "visit": "the visit",
    "core_group": "the core group",
    "no_access": "the attempted visit",
    "worker_change": "the allocation",
    "manager_review": "the manager review",
    "complaint": "the complaint",
    "stage1_request": "the stage 1 request",
    "stage1_response": "the stage 1 response",
    "stage2_request": "the stage 2 request",
    "stage2_response": "the stage 2 response",
    "stage3_request": "the stage 3 request",
    "stage3_panel": "the stage 3 panel",
    "stage3_response": "the council's response to the panel",
    "closure": "the closure",
    "step_down": "the step-down",
    "transfer_out": "the transfer out",
    "care": "the child coming into care",
}


@dataclass(frozen=True)
class _Point:
    """An end of an interval: an event (with its date range) or a fixed date."""

    day: date
    lo: date
    hi: date
    label: str
    entry: Entry | None = None
    index: int = -1


CPP_ENDS = frozenset({"cpp_end", "closure", "transfer_out", "care", "step_down", "cpp_start"})
CIN_ENDS = frozenset(
    {"cin_end", "cpp_start", "closure", "transfer_out", "care", "step_down", "cin_start"}
)
CASE_OPENS = frozenset({"worker_change", "cin_start", "cpp_start"})
CASE_CLOSES = frozenset({"closure", "transfer_out", "care", "step_down"})
LATER_STEPS = frozenset(
    {
        "assessment_start",
        "strategy_discussion",
        "s47_start",
        "icpc",
        "cpp_start",
        "cin_start",
        "closure",
        "step_down",
        "transfer_out",
        "care",
    }
)
"""Pathway steps after a referral: one with no front-door decision before it is not timed."""
ONGOING_MARK = "already in place"
"""In a ``cpp_start`` or ``cin_start`` detail: the plan began before the record does.

The event then marks where the record of the plan starts, not the plan itself, so the
first review conference and core group are timed at the later intervals
(``rcpc_interval_months``, ``core_group_interval_wd``). The model's plans in place on
day 0 say so (processes/plans.py ONGOING_TEXT).
"""
VISIT_STANDARD = {"CPP": "cpp_visit_interval_wd", "CiN plan": "cin_visit_interval_wd"}
"""The visit standard of each kind of plan."""
GAP_RECORDS = {
    "visit_gap": "visit",
    "month_without_visit": "visit",
    "core_group_gap": "core_group",
    "lapsed_manager_review": "manager_review",
}
"""Checks that rest on something not happening, and the event type each needs in full."""


class _Auditor:
    """Runs every check over one chronology with one set of standards."""

    def __init__(self, chron: Chronology, standards: Mapping[str, int]) -> None:
        self.c = chron
        self.s = standards
        self.entries = chron.entries
        dates = [d for e in self.entries for d in (e.earliest, e.latest)]
        for w in (chron.complete_records or {}).values():
            dates += [w.start, w.end]
        lo, hi = min(dates), max(dates)
        self.cal = WorkingCalendar(lo - timedelta(days=7), (hi - lo).days + 14)
        self.start = min(e.date for e in self.entries)
        self.end = max(e.date for e in self.entries)
        self.findings: list[Finding] = []

    # -- helpers ------------------------------------------------------------------------
    def wd(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (negative if b < a)."""
        return self.cal.working_days_between(self.cal.day_of(a), self.cal.day_of(b))

    def due(self, a: date, working_days: int) -> date:
        return self.cal.due_date(a, working_days)

    def add_months(self, a: date, months: int) -> date:
        return self.cal.date_of(self.cal.add_months(self.cal.day_of(a), months))

    def months_due(self, a: date, months: int) -> date:
        """Due date ``months`` after ``a``: the first working day on or after that date."""
        wd = self.cal.wd_on_or_after(self.cal.day_of(self.add_months(a, months)))
        return self.cal.date_of(self.cal.day_of_wd(wd))

    def ongoing(self, index: int) -> bool:
        """Whether the plan starting at ``index`` began before the record (ONGOING_MARK)."""
        return ONGOING_MARK in self.entries[index].event.detail.lower()

    def window(self, event: str) -> Window | None:
        if self.c.complete_records is None:
            return Window(self.start, self.end)
        return self.c.complete_records.get(event)

    def point(self, index: int) -> _Point:
        e = self.entries[index]
        return _Point(
            e.date, e.earliest, e.latest, f"{NOUNS.get(e.name, e.name)} on {e.when}", e, index
        )

    @staticmethod
    def edge(day: date, label: str) -> _Point:
        return _Point(day, day, day, f"{label} ({day})")

    def indices(self, *names: str, lo: int = -1, hi: int | None = None) -> list[int]:
        top = len(self.entries) if hi is None else hi
        return [i for i in range(lo + 1, top) if self.entries[i].name in names]

    def add(
        self,
        kind: str,
        message: str,
        cites: Iterable[Entry | None],
        working_days: int | None = None,
        standard: str = "",
        sure: bool = True,
    ) -> None:
        seen: dict[int, Citation] = {}
        for e in cites:
            if e is not None:
                seen.setdefault(e.row, _cite(e))
        events = tuple(sorted(seen.values(), key=lambda c: (c.date, c.row)))
        self.findings.append(Finding(kind, message, events, working_days, standard, sure))

    def late(
        self,
        kind: str,
        what: str,
        a: _Point,
        b: _Point,
        allowed: int,
        extra: Iterable[Entry] = (),
        note: str = "",
        unsure: str = "",
    ) -> bool:
        """Record a finding when ``b`` is more than ``allowed`` working days after ``a``.

        ``note`` is added to the message; ``unsure`` too, and it makes the finding unsure
        whatever the dates (the interval itself is uncertain, e.g. a missing start).
        """
        n = self.wd(a.day, b.day)
        if n <= allowed:
            return False
        shortest = max(0, self.wd(a.hi, b.lo))
        sure = shortest > allowed and not unsure
        message = f"{what}: {n} working days from {a.label} to {b.label}, standard {allowed}"
        message += _dates_note(a, b, shortest, allowed) + note + unsure
        self.add(kind, message, [a.entry, b.entry, *extra], n, f"{allowed} WD", sure)
        return True

    def missing(
        self, kind: str, what: str, a: _Point, allowed: int, record: str, cites: Iterable[Entry]
    ) -> None:
        """Record a finding when nothing answered ``a`` within ``allowed`` WD of a full record."""
        win = self.window(record)
        if win is None or not (win.start <= a.day <= win.end):
            return
        due = self.due(a.day, allowed)
        if due >= win.end:
            return
        latest = self.due(a.hi, allowed)
        sure = latest < win.end
        message = (
            f"{what}: none recorded after {a.label}; due by {describe_dates(due, latest)} "
            f"({allowed} WD), and the file lists every {record} to {win.end}"
        )
        self.add(kind, message, [a.entry, *cites], None, f"{allowed} WD", sure)

    # -- checks -------------------------------------------------------------------------
    def front_door(self) -> None:
        allowed = self.s["front_door_due_wd"]
        pending: list[int] = []
        for i, e in enumerate(self.entries):
            if e.name == "referral":
                pending.append(i)
            elif e.name in LATER_STEPS:
                pending.clear()  # dealt with, though no front-door decision is recorded
            elif e.name == "front_door_decision" and pending:
                r = pending.pop(0)
                self.late(
                    "late_front_door_decision",
                    "Front-door decision late",
                    self.point(r),
                    self.point(i),
                    allowed,
                )
        for r in pending:
            self.missing(
                "late_front_door_decision",
                "No front-door decision",
                self.point(r),
                allowed,
                "front_door_decision",
                (),
            )

    def assessments(self) -> None:
        allowed = self.s["assessment_due_wd"]
        referral: int | None = None
        pending: list[tuple[int, int]] = []
        for i, e in enumerate(self.entries):
            if e.name == "referral":
                referral = i
            elif e.name == "assessment_start":
                pending.append((i, referral if referral is not None else i))
                referral = None
            elif e.name == "assessment_end" and pending:
                start, clock = pending.pop(0)
                self.late(
                    "late_assessment",
                    "Assessment late",
                    self.point(clock),
                    self.point(i),
                    allowed,
                    extra=[self.entries[start]],
                )
        for start, clock in pending:
            self.missing(
                "late_assessment",
                "Assessment not completed",
                self.point(clock),
                allowed,
                "assessment_end",
                [self.entries[start]],
            )

    def icpcs(self) -> None:
        allowed = self.s["icpc_due_wd"]
        strategy: int | None = None
        s47: int | None = None
        for i, e in enumerate(self.entries):
            if e.name == "strategy_discussion":
                strategy = i
            elif e.name == "s47_start":
                s47 = i
            elif e.name == "closure":
                strategy = s47 = None
            elif e.name == "icpc":
                if strategy is not None:
                    self.late(
                        "late_icpc",
                        "ICPC late",
                        self.point(strategy),
                        self.point(i),
                        allowed,
                        extra=[self.entries[s47]] if s47 is not None and s47 > strategy else [],
                    )
                elif s47 is not None:
                    self.late(
                        "late_icpc",
                        "ICPC late",
                        self.point(s47),
                        self.point(i),
                        allowed,
                        note="; no strategy discussion is recorded, so this counts from the "
                        "section 47 start (the discussion comes first: the true interval is longer)",
                    )
                strategy = s47 = None

    def plan_periods(self, start: str, ends: frozenset[str]) -> list[tuple[int, int | None]]:
        out = []
        for i in self.indices(start):
            stop = next(iter(self.indices(*ends, lo=i)), None)
            out.append((i, stop))
        return out

    def rcpcs(self) -> None:
        first, later = self.s["first_rcpc_due_months"], self.s["rcpc_interval_months"]
        previous = -1
        for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS):
            icpcs = self.indices("icpc", lo=previous, hi=i0 + 1)
            previous = i0
            prev = self.point(icpcs[-1]) if icpcs else self.point(i0)
            months = later if not icpcs and self.ongoing(i0) else first
            for r in self.indices("rcpc", lo=i0, hi=i1):
                cur = self.point(r)
                due = self.months_due(prev.day, months)
                if cur.day > due:
                    sure = cur.lo > self.months_due(prev.hi, months)
                    message = (
                        f"Review conference late: {cur.label}, {(cur.day - due).days} days after "
                        f"it was due ({due}, {months} months after {prev.label})"
                    )
                    if not sure:
                        message += "; the dates are approximate: it may have been on time"
                    self.add(
                        "late_rcpc",
                        message,
                        [prev.entry, cur.entry],
                        None,
                        f"{months} months",
                        sure,
                    )
                prev, months = cur, later
            win = self.window("rcpc")
            end = self.point(i1) if i1 is not None else self.edge(self.end, "the end of the record")
            due = self.months_due(prev.day, months)
            if win is not None and win.start <= due < min(win.end, end.day):
                message = (
                    f"No review conference by {due} ({months} months after {prev.label}); "
                    f"the plan continued to {end.label}"
                )
                self.add("late_rcpc", message, [prev.entry, end.entry], None, f"{months} months")

    def gaps(
        self,
        kind: str,
        periods: Sequence[tuple[int, int | None, str]],
        anchor: str,
        first_allowed: int,
        allowed: int,
        between: tuple[str, ...] = (),
    ) -> None:
        """Gaps between ``anchor`` events within periods, against the standard."""
        win = self.window(GAP_RECORDS[kind])
        if win is None:
            return
        for i0, i1, label in periods:
            start = self.point(i0)
            end = self.point(i1) if i1 is not None else self.edge(self.end, "the end of the record")
            if end.day < win.start or start.day > win.end:
                continue
            if end.day > win.end:
                end = self.edge(win.end, f"the end of the complete {anchor} record")
            anchors = self.indices(anchor, lo=i0, hi=i1)
            first = first_allowed
            if start.day < win.start:
                prior = [a for a in anchors if self.entries[a].date < win.start]
                if prior:
                    start = self.point(prior[-1])
                else:
                    start = self.edge(win.start, f"the start of the complete {anchor} record")
                first = allowed
            inside = [a for a in anchors if start.day <= self.entries[a].date <= end.day]
            inside = [a for a in inside if a != start.index]
            seq = [start, *(self.point(a) for a in inside), end]
            for k, (a, b) in enumerate(zip(seq, seq[1:], strict=False)):
                limit = first if k == 0 else allowed
                extra = [
                    self.entries[j]
                    for j in self.indices(
                        *between, lo=max(a.index, i0), hi=b.index if b.index >= 0 else i1
                    )
                    if a.day <= self.entries[j].date <= b.day
                ]
                note = f"; {_attempts(len(extra))}" if extra else ""
                what = GAP_WHAT[kind].format(plan=label)
                n = self.wd(a.day, b.day)
                if n > limit:
                    shortest = max(0, self.wd(a.hi, b.lo))
                    message = (
                        f"{what} for {n} working days, from {a.label} to {b.label} "
                        f"(standard: every {limit} WD){note}"
                    ) + _dates_note(a, b, shortest, limit)
                    self.add(
                        kind,
                        message,
                        [a.entry, b.entry, *extra],
                        n,
                        f"{limit} WD",
                        shortest > limit,
                    )

    def visits(self) -> None:
        periods = [(i0, i1, "CPP") for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS)] + [
            (i0, i1, "CiN plan") for i0, i1 in self.plan_periods("cin_start", CIN_ENDS)
        ]
        periods.sort()
        for i0, i1, label in periods:
            allowed = self.s[VISIT_STANDARD[label]]
            self.gaps("visit_gap", [(i0, i1, label)], "visit", allowed, allowed, ("no_access",))
        self.months_without_visit(periods)

    def months_without_visit(self, periods: Sequence[tuple[int, int | None, str]]) -> None:
        win = self.window("visit")
        if win is None:
            return
        visits = [self.entries[i] for i in self.indices("visit")]
        for i0, i1, label in periods:
            start = self.entries[i0]
            end = self.entries[i1] if i1 is not None else None
            lo = max(start.date, win.start)
            hi = min(end.date if end else self.end, win.end)
            lo_sure = max(start.latest, win.start)
            hi_sure = min(end.earliest if end else self.end, win.end)
            month = date(lo.year, lo.month, 1)
            if month < lo:
                month = _month_end(month) + timedelta(days=1)
            while _month_end(month) <= hi:
                m_end = _month_end(month)
                if not any(month <= v.date <= m_end for v in visits):
                    sure = (
                        month >= lo_sure
                        and m_end <= hi_sure
                        and not any(v.earliest <= m_end and v.latest >= month for v in visits)
                    )
                    before = [v for v in visits if start.date <= v.date < month]
                    after = [
                        v for v in visits if v.date > m_end and (end is None or v.date <= end.date)
                    ]
                    # A month with fewer working days than the standard can pass between
                    # two visits on time (a CiN plan over Easter): not a breach.
                    gap_from = before[-1].date if before else lo
                    gap_to = min(after[0].date if after else hi, win.end)
                    allowed = self.s[VISIT_STANDARD[label]]
                    if self.wd(gap_from, gap_to) <= allowed:
                        month = m_end + timedelta(days=1)
                        continue
                    tried = [
                        self.entries[j]
                        for j in self.indices("no_access", lo=i0, hi=i1)
                        if month <= self.entries[j].date <= m_end
                    ]
                    last = f"last visit {before[-1].when}" if before else "no visit before it"
                    message = f"No visit in {month:%B %Y} while on a {label} ({last}"
                    message += f"; {_attempts(len(tried))})" if tried else ")"
                    if not sure:
                        message += "; the dates are approximate: a visit may fall in this month"
                    cites = [
                        start,
                        before[-1] if before else None,
                        *tried,
                        after[0] if after else (end if end and end.date <= win.end else None),
                    ]
                    self.add(
                        "month_without_visit", message, cites, None, "a visit every month", sure
                    )
                month = m_end + timedelta(days=1)

    def core_groups(self) -> None:
        later = self.s["core_group_interval_wd"]
        for i0, i1 in self.plan_periods("cpp_start", CPP_ENDS):
            first = later if self.ongoing(i0) else self.s["first_core_group_due_wd"]
            self.gaps("core_group_gap", [(i0, i1, "CPP")], "core_group", first, later)

    def manager_reviews(self) -> None:
        periods: list[tuple[int, int | None, str]] = []
        opened: int | None = None
        for i, e in enumerate(self.entries):
            if opened is None and e.name in CASE_OPENS:
                opened = i
            elif opened is not None and e.name in CASE_CLOSES:
                periods.append((opened, i, "open case"))
                opened = None
        if opened is not None:
            periods.append((opened, None, "open case"))
        allowed = self.s["manager_review_interval_wd"]
        self.gaps("lapsed_manager_review", periods, "manager_review", allowed, allowed)

    def workers(self) -> None:
        changes = [self.entries[i] for i in self.indices("worker_change")]
        names: list[str] = []
        for e in changes:
            name = e.event.worker or f"unnamed (row {e.row})"
            if name not in names:
                names.append(name)
        if len(names) < 2:
            return
        message = (
            f"{len(names)} social workers ({', '.join(names)}): "
            f"{len(changes) - 1} changes of worker"
        )
        self.add("worker_changes", message, changes, None, "", True)

    def complaints(self) -> None:
        starts = self.indices("complaint")
        for n, ci in enumerate(starts):
            stop = starts[n + 1] if n + 1 < len(starts) else len(self.entries)
            self.complaint(ci, stop)

    def complaint(self, ci: int, stop: int) -> None:
        s = self.s
        complaint = self.entries[ci]
        corporate = "corporate" in complaint.event.detail.lower()

        def first(name: str) -> int | None:
            return next(iter(self.indices(name, lo=ci, hi=stop)), None)

        def extended(i: int | None) -> bool:
            text = self.entries[i].event.detail.lower() if i is not None else ""
            return "extended" in text or "complex" in text

        ext = extended(ci)
        if corporate:
            stages = [(1, s["corporate_stage1_wd"]), (2, s["corporate_stage2_wd"])]
            procedure = "corporate procedure"
        else:
            ext1, ext2 = (
                ext or extended(first("stage1_request")),
                ext or extended(first("stage2_request")),
            )
            stages = [
                (1, s["stage1_max_wd"] if ext1 else s["stage1_due_wd"]),
                (2, s["stage2_max_wd"] if ext2 else s["stage2_due_wd"]),
                (3, s["stage3_panel_wd"]),
            ]
            procedure = "statutory children's procedure"
        prev: _Point | None = None
        received = self.point(ci)
        for stage, allowed in stages:
            req = first(f"stage{stage}_request")
            answer = "stage3_panel" if stage == 3 else f"stage{stage}_response"
            resp = first(answer)
            what = f"Complaint stage {stage} ({procedure}) out of time"
            if stage == 3:
                what = f"Complaint stage 3 panel ({procedure}) out of time"
            caveat = ""
            if req is not None:
                start = self.point(req)
            elif stage == 1:
                start = received
            elif resp is not None and prev is not None:
                start = prev
                caveat = (
                    f"; no stage {stage} request is recorded, so this counts from {prev.label} "
                    "and may include the complainant's own time before asking"
                )
            else:
                return
            if resp is not None:
                end = self.point(resp)
                months = round((end.day - received.day).days / 30.44)
                tail = f"; {months} months after the complaint was received" if stage > 1 else ""
                self.late(
                    "complaint_stage_late", what, start, end, allowed, [complaint], tail, caveat
                )
                prev = end
            else:
                self.missing("complaint_stage_late", what, start, allowed, answer, [complaint])
                due = self.due(start.day, allowed)
                latest = self.due(start.hi, allowed)
                label = f"the stage {stage} deadline ({describe_dates(due, latest)})"
                prev = _Point(due, due, latest, label)
        if not corporate:
            panel, resp = first("stage3_panel"), first("stage3_response")
            allowed = s["stage3_report_wd"] + s["stage3_response_wd"]
            if panel is not None and resp is not None:
                self.late(
                    "complaint_stage_late",
                    "Council's response to the stage 3 panel out of time",
                    self.point(panel),
                    self.point(resp),
                    allowed,
                    [complaint],
                )
            elif panel is not None:
                self.missing(
                    "complaint_stage_late",
                    "Council's response to the stage 3 panel out of time",
                    self.point(panel),
                    allowed,
                    "stage3_response",
                    [complaint],
                )

    def run(self) -> list[Finding]:
        self.front_door()
        self.assessments()
        self.icpcs()
        self.rcpcs()
        self.visits()
        self.core_groups()
        self.manager_reviews()
        self.workers()
        self.complaints()
        order = {k: n for n, k in enumerate(FINDING_KINDS)}
        return sorted(self.findings, key=lambda f: order[f.kind])  # stable: dates in order


GAP_WHAT = {
    "visit_gap": "{plan}: child not seen",
    "core_group_gap": "{plan}: no core group",
    "lapsed_manager_review": "No manager review",
}


def _attempts(n: int) -> str:
    return f"{n} attempted visit{'s' if n != 1 else ''} without seeing the child"


def _dates_note(a: _Point, b: _Point, shortest: int, allowed: int) -> str:
    if a.lo == a.hi and b.lo == b.hi:
        return ""
    if shortest > allowed:
        return f" (late whatever the exact days: at least {shortest} WD)"
    return f" (dates approximate: on the most favourable days {shortest} WD, within the standard)"


def effective_standards(
    chron: Chronology, overrides: Mapping[str, int] | None = None
) -> dict[str, int]:
    """The model defaults, then the file's ``standards:``, then ``overrides``."""
    out = dict(DEFAULT_STANDARDS)
    out.update(chron.standards)
    out.update(check_standards(overrides or {}, "standards"))
    return out


def audit(
    chronology: Chronology | Sequence[CaseEvent], standards: Mapping[str, int] | None = None
) -> list[Finding]:
    """Every breach in a chronology, grouped by kind (FINDING_KINDS order), oldest first.

    Args:
        chronology: A loaded chronology, or a list of events (e.g. a simulated child's).
        standards: Values overriding the model defaults and the file's own standards.

    """
    chron = chronology if isinstance(chronology, Chronology) else Chronology.from_events(chronology)
    if not chron.entries:
        return []
    return _Auditor(chron, effective_standards(chron, standards)).run()


def skipped_checks(chron: Chronology) -> dict[str, str]:
    """Checks not made because the file does not list the events they need in full."""
    if chron.complete_records is None:
        return {}
    return {
        kind: f"the file does not list every {record} event (complete_records)"
        for kind, record in GAP_RECORDS.items()
        if record not in chron.complete_records
    }


# -- reports -----------------------------------------------------------------------------
def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ").strip() or "-"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def _rests_on(f: Finding) -> str:
    return "; ".join(str(c) for c in f.events)


def summary_table(findings: Sequence[Finding]) -> str:
    """One row per kind of finding: how many, how many sure, and the dates they span."""
    rows = []
    for kind in FINDING_KINDS:
        of_kind = [f for f in findings if f.kind == kind]
        if not of_kind:
            continue
        cited = [c for f in of_kind for c in f.events]
        first = min(cited, key=lambda c: c.date).when
        last = max(cited, key=lambda c: c.date).when
        span = first if first == last else f"{first} to {last}"
        rows.append((kind, len(of_kind), sum(f.sure for f in of_kind), span))
    return "\n".join(_table(("Finding", "Found", "Sure", "Events cited"), rows)) + "\n"


def _audit_column(
    df: DocumentFinding, findings: Sequence[Finding], skipped: Mapping[str, str]
) -> str:
    if not df.kinds:
        return "not measured by the audit"
    parts = []
    for kind in df.kinds:
        of_kind = [f for f in findings if f.kind == kind]
        if kind == "worker_changes" and of_kind:
            parts.append(f"{kind}: {of_kind[0].message}")
        elif of_kind:
            sure = sum(f.sure for f in of_kind)
            parts.append(f"{kind}: {len(of_kind)} ({sure} sure)")
        elif kind in skipped:
            parts.append(f"{kind}: not checked ({skipped[kind]})")
        else:
            parts.append(f"{kind}: none found")
    return "; ".join(parts)


def report_markdown(
    chron: Chronology, findings: Sequence[Finding], standards: Mapping[str, int]
) -> str:
    """The audit as a Markdown page: child, standards, findings, and the document's own."""
    title = chron.child or Path(chron.path).name or "chronology"
    lines = [f"# Case audit: {title}", ""]
    if chron.source:
        lines += [f"Source: {chron.source}", ""]
    if chron.path:
        lines += [f"File: `{Path(chron.path).name}` ({len(chron.entries)} events)", ""]
    lines += ["## Standards used", ""]
    rows = []
    for key, s in STANDARDS.items():
        origin = "this file" if key in chron.standards else f"model default ({s.group}.{key})"
        if standards[key] != chron.standards.get(key, s.default):
            origin = "given to the audit"
        rows.append((key, standards[key], s.unit, s.meaning, origin))
    lines += _table(("Standard", "Value", "Unit", "Meaning", "From"), rows)
    lines += ["", "## Records taken as complete", ""]
    if chron.complete_records is None:
        lines.append(
            "Every event type, from the first event to the last: checks for something that "
            "did not happen (a visit, a review, a response) run over the whole file."
        )
    else:
        rows = [(k, w.start, w.end) for k, w in chron.complete_records.items()]
        lines += _table(("Event", "From", "To"), rows)
        skipped = skipped_checks(chron)
        if skipped:
            lines += [
                "",
                "Not checked: " + "; ".join(f"{k} ({v})" for k, v in skipped.items()) + ".",
            ]
    lines += ["", "## What the audit found", ""]
    if findings:
        lines += [summary_table(findings).rstrip(), ""]
        rows = [
            (n, f.kind, f.message, "yes" if f.sure else "no", _rests_on(f))
            for n, f in enumerate(findings, start=1)
        ]
        lines += _table(("#", "Finding", "What", "Sure", "Rests on"), rows)
    else:
        lines.append("No breaches found.")
    lines.append("")
    lines.append(
        "Sure: 'yes' when the breach holds whatever the exact days within any approximate "
        "dates; 'no' when it holds on the dates as written, but the dates the document "
        "gives (or a start it does not give) leave room for it to have been on time."
    )
    if chron.document_findings:
        skipped = skipped_checks(chron)
        lines += ["", "## What the document found, beside what the audit found", ""]
        rows = [
            (df.found, df.source, df.quote, _audit_column(df, findings, skipped))
            for df in chron.document_findings
        ]
        lines += _table(("What the document found", "Where", "Quote", "What the audit found"), rows)
    return "\n".join(lines) + "\n"


def findings_csv(findings: Sequence[Finding]) -> str:
    """The findings as CSV: kind, sure, working days, standard, message, events."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("kind", "sure", "working_days", "standard", "message", "events"))
    for f in findings:
        wd = "" if f.working_days is None else f.working_days
        writer.writerow((f.kind, f.sure, wd, f.standard, f.message, _rests_on(f)))
    return out.getvalue()


def event_types_markdown() -> str:
    """The event vocabulary as a Markdown table (docs/audit.md)."""
    return "\n".join(_table(("Event", "Meaning"), EVENT_TYPES.items())) + "\n"


def standards_markdown() -> str:
    """The standards, their defaults and sources as a Markdown table (docs/audit.md)."""
    rows = [
        (f"`{k}`", s.default, s.unit, f"`{s.group}.{k}`", s.meaning, s.source)
        for k, s in STANDARDS.items()
    ]
    return (
        "\n".join(_table(("Key", "Default", "Unit", "Model field", "Meaning", "Source"), rows))
        + "\n"
    )


# -- command line ------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Argument errors as one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.audit FILE`` or ``--example NAME``; returns the exit status."""
    parser = _Parser(prog="python -m sim.audit", description=__doc__.split("\n", 1)[0])
    parser.add_argument("file", nargs="?", help="chronology file (.csv, .yaml or .yml)")
    parser.add_argument("--example", choices=sorted(EXAMPLES), help="audit a shipped example")
    parser.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    parser.add_argument("--out", type=Path, help="write the report here instead of stdout")
    args = parser.parse_args(argv)
    if (args.file is None) == (args.example is None):
        parser.error("give a chronology FILE or --example NAME (one of them)")
    try:
        chron = load_example(args.example) if args.example else load_chronology(args.file)
        standards = effective_standards(chron)
        findings = audit(chron, standards)
        text = (
            report_markdown(chron, findings, standards)
            if args.format == "markdown"
            else findings_csv(findings)
        )
        if args.out is None:
            sys.stdout.write(text)
        else:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
            sys.stdout.write(f"wrote {args.out}\n")
    except (ConfigError, OSError) as exc:
        sys.stderr.write(f"{parser.prog}: error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
