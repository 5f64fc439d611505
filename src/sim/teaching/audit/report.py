"""The report: the audit as Markdown or CSV, the reference tables, and ``python -m sim.audit``."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from sim.arguments import OneLineParser
from sim.case_events import EVENT_TYPES
from sim.config import ConfigError
from sim.teaching.audit.files import (
    EXAMPLES,
    Chronology,
    DocumentFinding,
    load_chronology,
    load_example,
)
from sim.teaching.audit.findings import FINDING_KINDS, Finding
from sim.teaching.audit.rules import audit, skipped_checks
from sim.teaching.audit.standards import STANDARDS, effective_standards
from sim.userfiles import check_writable, write_text

DESCRIPTION = (
    "Case audit: read one child's dated chronology and report the breaches the model measures."
)
"""What ``python -m sim.audit --help`` says the command does."""


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


REPORT_NAMES = {"markdown": "audit.md", "csv": "audit.csv"}
"""The report's file name in the ``--out`` folder, by format."""


def _same_file(a: Path, b: str) -> bool:
    try:
        return a.resolve() == Path(b).resolve()
    except (OSError, RuntimeError):
        return False


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.audit FILE`` or ``--example NAME``; returns the exit status."""
    parser = OneLineParser(prog="python -m sim.audit", description=DESCRIPTION)
    parser.add_argument("file", nargs="?", help="chronology file (.csv, .yaml or .yml)")
    parser.add_argument("--example", choices=sorted(EXAMPLES), help="audit a shipped example")
    parser.add_argument("--format", choices=("markdown", "csv"), default="markdown")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder to write the report into (audit.md, or audit.csv with --format csv) "
        "instead of stdout; made if missing",
    )
    args = parser.parse_args(argv)
    if (args.file is None) == (args.example is None):
        parser.error("give a chronology FILE or --example NAME (one of them)")
    try:
        target = None if args.out is None else args.out / REPORT_NAMES[args.format]
        if args.out is not None:
            check_writable(args.out)
        if target is not None and args.file is not None and _same_file(target, args.file):
            raise ConfigError(f"--out {args.out}: {target} is the chronology itself")
        chron = load_example(args.example) if args.example else load_chronology(args.file)
        standards = effective_standards(chron)
        findings = audit(chron, standards)
        text = (
            report_markdown(chron, findings, standards)
            if args.format == "markdown"
            else findings_csv(findings)
        )
        if target is None:
            sys.stdout.write(text)
        else:
            write_text(target, text)
            sys.stdout.write(f"wrote {target}\n")
    except (ConfigError, OSError) as exc:
        message = " ".join(str(exc).splitlines())
        sys.stderr.write(f"{parser.prog}: error: {message}\n")
        return 2
    return 0
