"""Reading chronology files: CSV and YAML, approximate dates, and the shipped examples.

A chronology is one child's dated events (the vocabulary of
:mod:`sim.case_events`) with what the file says about itself: its standards, the
records it lists in full, what the source document found. The shipped examples are in
src/sim/data/chronologies/. The file format is documented in docs/audit.md.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sim.case_events import COLUMNS, CaseEvent, check_event_name, sort_events
from sim.teaching.audit.errors import ChronologyError
from sim.teaching.audit.findings import FINDING_KINDS
from sim.teaching.audit.standards import check_standards

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


def month_end(d: date) -> date:
    """The last day of the month of ``d``."""
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
        hi = min(month_end(day), day.replace(day=1) + timedelta(days=last - 1))
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
    if same_month and lo.day == 1 and hi == month_end(lo):
        return f"{lo:%Y-%m}"
    if same_month:
        for word, (first, last) in PRECISION_DAYS.items():
            if lo.day == first and hi.day == min(last, month_end(lo).day) and word != "month":
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
