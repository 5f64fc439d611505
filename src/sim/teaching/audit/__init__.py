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

The package has one job per module, each importing at run time only those above it:

* ``errors``    - ``ChronologyError``, the one error a user sees;
* ``standards`` - the timescales, from the model's config or the file;
* ``findings``  - the kinds of finding, and a finding with the events it cites;
* ``files``     - reading chronology files (CSV, YAML) and the shipped examples;
* ``rules``     - each check, and ``audit`` that runs them all;
* ``report``    - Markdown and CSV output and the command line (``main``).
"""

from sim.teaching.audit.errors import ChronologyError
from sim.teaching.audit.files import (
    EXAMPLES,
    PRECISION_DAYS,
    Chronology,
    ContextNote,
    DocumentFinding,
    Entry,
    Window,
    date_range,
    describe_dates,
    load_chronology,
    load_example,
    parse_date,
)
from sim.teaching.audit.findings import FINDING_KINDS, Citation, Finding
from sim.teaching.audit.report import (
    event_types_markdown,
    findings_csv,
    main,
    report_markdown,
    standards_markdown,
    summary_table,
)
from sim.teaching.audit.rules import audit, skipped_checks
from sim.teaching.audit.standards import (
    DEFAULT_STANDARDS,
    STANDARDS,
    Standard,
    check_standards,
    effective_standards,
    standards_from_config,
)

__all__ = [
    "DEFAULT_STANDARDS",
    "EXAMPLES",
    "FINDING_KINDS",
    "PRECISION_DAYS",
    "STANDARDS",
    "Chronology",
    "ChronologyError",
    "Citation",
    "ContextNote",
    "DocumentFinding",
    "Entry",
    "Finding",
    "Standard",
    "Window",
    "audit",
    "check_standards",
    "date_range",
    "describe_dates",
    "effective_standards",
    "event_types_markdown",
    "findings_csv",
    "load_chronology",
    "load_example",
    "main",
    "parse_date",
    "report_markdown",
    "skipped_checks",
    "standards_from_config",
    "standards_markdown",
    "summary_table",
]
