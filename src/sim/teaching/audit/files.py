"""Reading chronology files: CSV and YAML, approximate dates, and the shipped examples.

A chronology is one child's dated events (the vocabulary of
:mod:`sim.case_events`) with what the file says about itself: its standards, the
records it lists in full, what the source document found. The shipped examples are in
src/sim/data/chronologies/. The file format is documented in docs/audit.md.
"""

from __future__ import annotations

import csv
import io
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
from sim.userfiles import read_text

PRECISION_DAYS = {"month": (1, 31), "early": (1, 10), "mid": (11, 20), "late": (21, 31)}
"""Date markers for days a document leaves open: first and last day of the month allowed."""
_MARKER = re.compile(r"^\s*\[(?P<body>[^\]]*)\]")
_RANGE = re.compile(r"^from (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MARKER_HELP = "[month], [early], [mid], [late] or [from YYYY-MM-DD to YYYY-MM-DD]"
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2099, 12, 31)
"""Dates a chronology may hold: anything outside is a typo (and near year 1 or 9999 the
working-day calendar cannot be built)."""
PAIRS = {
    "assessment_end": "assessment_start",
    "s47_end": "s47_start",
    "cpp_end": "cpp_start",
    "cin_end": "cin_start",
}
"""Events that end something, and the event that starts it."""

YAML_KEYS = ("child", "source", "standards", "complete_records", "document_findings", "context")
"""Top-level YAML keys besides ``events``."""
DOCUMENT_FINDING_KEYS = ("found", "quote", "source", "kinds")
CONTEXT_KEYS = ("date", "detail", "source")


def month_end(d: date) -> date:
    """The last day of the month of ``d``."""
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _cut(text: str, limit: int = 40) -> str:
    """``text`` on one line for a message, cut short if long."""
    text = " ".join(text.splitlines())
    return text if len(text) <= limit else text[:limit] + "..."


def _shown(value: object) -> str:
    """``value`` quoted for a one-line message, cut short if long."""
    return repr(_cut(str(value)))


def parse_date(value: object, where: str) -> date:
    """A date from YAML (already a date) or text ``YYYY-MM-DD``; else a one-line error.

    The date must lie between :data:`FIRST_DATE` and :data:`LAST_DATE`.
    """
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    text = str(value).strip() if value is not None else ""
    if day is None and _ISO.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
    if day is None:
        raise ChronologyError(f"{where}: bad date {_shown(text)} (use YYYY-MM-DD)")
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ChronologyError(
            f"{where}: date {day} is out of range (allowed: {FIRST_DATE} to {LAST_DATE})"
        )
    return day


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
        if hi < lo:
            raise ChronologyError(f"{where}: date marker [{body}] ends before it starts")
    else:
        raise ChronologyError(f"{where}: bad date marker [{_cut(body)}] (use {MARKER_HELP})")
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
        return check_event_name(name if len(name) <= 40 else _cut(name), where)
    except ValueError as exc:
        raise ChronologyError(str(exc)) from None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _event_from_mapping(raw: Mapping[str, Any], where: str) -> CaseEvent:
    unknown = [k for k in raw if k not in COLUMNS]
    if unknown:
        raise ChronologyError(
            f"{where}: unknown field {_shown(unknown[0])} (fields: {', '.join(COLUMNS)})"
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


def _kind(value: object) -> str:
    """What a YAML value is, in words (for "must be a mapping, found ...")."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return "nothing" if value is None else "text"


def _read_csv(text: str, path: Path) -> Chronology:
    name = path.name
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise ChronologyError(
                f"{name}: unknown column {_shown(unknown[0])} (columns: {', '.join(COLUMNS)})"
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
    except csv.Error as exc:
        raise ChronologyError(
            f"{name} line {reader.reader.line_num}: badly quoted value ({exc})"
        ) from None
    entries = _entries(events, lambda row: f"{name} row {row} (line {lines[row]})")
    return Chronology(entries=entries, path=str(path))


class _DatesAsText(yaml.SafeLoader):
    """A safe loader that leaves dates as text and refuses a key given twice in a mapping.

    Dates stay text so that a bad one is reported with its row; PyYAML would otherwise
    keep the last of two equal keys and drop the first without a word.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping, or a YAML error at the second of two equal keys."""
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {_shown(key_node.value)} given twice", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(text: str, path: Path) -> Chronology:
    name = path.name
    try:
        data = yaml.load(text, Loader=_DatesAsText)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ChronologyError(f"{name}{at}: {_cut(str(problem), 120)}") from None
    if data is None:
        raise ChronologyError(f"{name}: the file is empty (nothing but comments)")
    if not isinstance(data, dict):
        raise ChronologyError(
            f"{name}: the top level must be a mapping with an 'events' list, found {_kind(data)}"
        )
    allowed = ("events", *YAML_KEYS)
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise ChronologyError(
            f"{name}: unknown key {_shown(unknown[0])} (keys: {', '.join(allowed)})"
        )
    if "events" not in data:
        raise ChronologyError(f"{name}: no 'events' list")
    raw_events = data["events"]
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise ChronologyError(
            f"{name}: 'events' must be a list of events, found {_kind(raw_events)}"
        )
    events = []
    for row, raw in enumerate(raw_events, start=1):
        where = f"{name} event {row}"
        if not isinstance(raw, dict):
            raise ChronologyError(
                f"{where}: each event must be a mapping of {', '.join(COLUMNS)}, found {_kind(raw)}"
            )
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
            raise ChronologyError(f"{where}: unknown key {_shown(unknown[0])} (keys: {keys})")
        kinds = tuple(str(k) for k in item.get("kinds") or ())
        for kind in kinds:
            if kind not in FINDING_KINDS:
                allowed = ", ".join(FINDING_KINDS)
                raise ChronologyError(
                    f"{where}: unknown finding kind {_shown(kind)} (kinds: {allowed})"
                )
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
                f"{where}: unknown key {_shown(unknown[0])} (keys: {', '.join(CONTEXT_KEYS)})"
            )
        day = parse_date(item["date"], where)
        detail = _text(item["detail"])
        date_range(day, detail, where)
        out.append(ContextNote(day, detail, _text(item.get("source"))))
    return tuple(out)


def _check_ends(chron: Chronology, name: str) -> None:
    """Refuse an end dated before its start (of an assessment, an enquiry or a plan).

    An end that closes nothing, followed by a start of its kind that nothing ends, reads
    as one assessment, enquiry or plan with its dates the wrong way round. (A record that
    begins part way through one has no start for it, or starts the plan "already in
    place"; a later one that ends has its own end.)
    """
    entries = chron.entries
    opened: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.name in PAIRS.values():
            opened.add(entry.name)
            continue
        start = PAIRS.get(entry.name)
        if start is None:
            continue
        if start in opened:
            opened.discard(start)
            continue
        later = [j for j in range(i + 1, len(entries)) if entries[j].date > entry.date]
        nxt = next((j for j in later if entries[j].name == start), None)
        if nxt is not None and not any(e.name == entry.name for e in entries[nxt + 1 :]):
            s = entries[nxt]
            raise ChronologyError(
                f"{name} row {entry.row}: {entry.name} on {entry.when} is before its {start} "
                f"on {s.when} (row {s.row}); if they are two different ones, give the first "
                f"its own {start}"
            )


def load_chronology(path: str | Path) -> Chronology:
    """Read a chronology from a ``.csv``, ``.yaml`` or ``.yml`` file (docs/audit.md).

    Raises:
        ChronologyError: one plain line naming the file, the row and the bad field; also
            for a file that is empty, not UTF-8 text, or has no events, and for an end
            (of an assessment, enquiry or plan) dated before its start.

    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise ChronologyError(f"{path}: unknown file type {suffix!r} (use .csv, .yaml or .yml)")
    text = read_text(path, path.name, ChronologyError)
    chron = _read_csv(text, path) if suffix == ".csv" else _read_yaml(text, path)
    if not chron.entries:
        rows = "a header but no rows" if suffix == ".csv" else "an empty 'events' list"
        raise ChronologyError(f"{path.name}: no events to audit (the file has {rows})")
    _check_ends(chron, path.name)
    return chron


EXAMPLES = {"lambeth": "lambeth_002.yaml", "barnet": "barnet_004.yaml"}
"""Shipped example chronologies (src/sim/data/chronologies/), built from the seeds."""


def load_example(name: str) -> Chronology:
    """One of the shipped example chronologies, by name (``lambeth`` or ``barnet``)."""
    if name not in EXAMPLES:
        raise ChronologyError(f"unknown example {name!r} (examples: {', '.join(EXAMPLES)})")
    resource = resources.files("sim").joinpath("data", "chronologies", EXAMPLES[name])
    with resources.as_file(resource) as path:
        return load_chronology(path)
