"""Build the packaged table of every English local authority from the DfE's CSVs (issue 16).

    python -m sim.data.build [--source DIR] [--out DIR] [--experiment FILE]

reads the published CSVs (default ``../shared/data/dfe`` beside the repository) and writes
``authorities.csv``, ``authorities.meta.json`` and ``england.csv`` into this package's data
folder, and the national run's sweep over every authority of the table,
``conf/experiment/national.yaml`` (:func:`national_experiment`). The rules
(docs/authorities.md):

- **Authorities**: those with a row in the latest year of the children in need file (b1):
  153 for 2025. Authorities whose old code no longer appears (Bournemouth, Poole, Dorset
  county, Cumbria, Northamptonshire) are dropped and listed in the sidecar. An
  authority's years are followed by its ``old_la_code``, which the DfE keeps while the
  area stays the same; the other codes it has had (a county become unitary over the same
  area, a boundary change, Barnsley's and Sheffield's newer codes in the workforce file)
  are listed as aliases.
- **Each figure** comes from the latest year of its file. A cell that is suppressed or
  missing (:data:`MISSING_MARKS`, or no row: joint workforce returns, coded ``A / B``, are
  not the authority's own row) falls back to the authority's earlier years, most recent
  first; then to its region in the latest year (a rate as published; a count as the
  region's count per child aged 0-17 times the authority's children); then to England.
- **Each figure's spread** (``<figure>_sd``, issue 18: the observation uncertainty of a
  calibration target) is the sample standard deviation (n - 1) of the authority's own
  published values over its file's latest :data:`SPREAD_YEARS` years (2021 to 2025 for
  every file of the 2025 build), whatever the figure's own fallback. A suppressed or
  missing cell (and a joint workforce return) is skipped, not filled. With fewer than
  :data:`MIN_SPREAD_YEARS` years left, the spread is the figure's value times the median
  relative spread (sd / mean) of the authorities of its region that have enough years;
  with none there, of all authorities. Every spread is held to at least half the unit the
  figure is published in (:func:`rounding_floor`: 0.5 for whole counts, 0.05 for rates,
  caseloads and FTE to one decimal), the most rounding can move it, so none is 0.
  ``england.csv`` (:func:`england_rows`) gives England's own series of the same years for
  each figure, and the share of plans that are second or subsequent (d3), with England's
  counts held to half their rounding to the nearest 10.
- Only the columns the table needs are read: the kept-back duration columns of c4 and d5
  are never read (the DfE data README).

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from sim.authorities import (
    ATTRIBUTION,
    COLUMNS,
    ENGLAND_COLUMNS,
    ENGLAND_TABLE,
    FIGURES,
    META,
    SCHEMA_VERSION,
    SOURCES,
    TABLE,
    FigureSpec,
    make_key,
)

ROOT: Final = Path(__file__).resolve().parents[3]
DEFAULT_SOURCE: Final = ROOT.parent / "shared" / "data" / "dfe"
"""``../shared/data/dfe`` relative to the repository root."""
DEFAULT_OUT: Final = Path(__file__).resolve().parent
DEFAULT_EXPERIMENT: Final = DEFAULT_OUT.parent / "conf" / "experiment" / "national.yaml"
"""The national run's experiment file, written from the table (:func:`national_experiment`)."""

FILES: Final = {
    "b1": "b1_children_in_need_*.csv",
    "c1": "c1_children_in_need_referrals_and_rereferrals_*.csv",
    "c4": "c4_section_47s_and_icpcs_counts_*.csv",
    "d3": "d3_cpps_subsequent_plan_*.csv",
    "d5": "d5_cpps_at31march_counts_*.csv",
    "csww": "csww_indicators_*.csv",
    "ons": "ons_mid-year_population_estimates_*.csv",
    "sn": "sn_model_*_wide.csv",
}
"""Each source file's name pattern (exactly one file must match)."""

GEOGRAPHY: Final = (
    "time_period",
    "geographic_level",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
POPULATION: Final = "population_estimate"
NEIGHBOURS: Final = tuple(f"SN_{i}" for i in range(1, 11))
MISSING_MARKS: Final = ("c", "x", "z", "low", "u", "")
"""Cells that hold no usable number: ``c`` suppressed (1-5), ``x`` not available, ``z`` not
applicable, ``low`` rounds to zero, ``u`` low reliability, blank."""


SPREAD_YEARS: Final = 5
"""A figure's spread is over its file's latest five years: recent enough that the long
trends since 2013 (England's section 47s up 81%, plan starts' second-plan share from 15% to
25%) do not count as year-to-year noise, and enough years for a standard deviation."""
MIN_SPREAD_YEARS: Final = 3
"""An authority with fewer years than this (with a number) in the window takes its
region's median relative spread times its value."""
ENGLAND_EXTRA: Final = (
    FigureSpec(
        "cpp_subsequent_rate", "d3", "CPP_subsequent_percent", "rate", 1, "% of plans started"
    ),
)
"""Figures read for England's series only (england.csv), not columns of the table: the
share of plans started that are a second or subsequent plan (a calibration target)."""
ENGLAND_COUNT_ROUNDING: Final = 10.0
"""England's counts in the children in need files are published rounded to the nearest 10."""


class BuildError(Exception):
    """A source folder the build cannot use; its message is one line."""


def read_columns(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """The named columns of a CSV (nothing else is kept), one dict per row."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        missing = [c for c in columns if c not in header]
        if missing:
            raise BuildError(f"{path.name} has no column {missing[0]!r}")
        at = [header.index(c) for c in columns]
        return [
            {c: row[i].strip() for c, i in zip(columns, at, strict=True)} for row in reader if row
        ]


def parse_number(text: str) -> float | None:
    """A cell's number, or None for a suppressed or missing cell."""
    cleaned = text.strip().replace(",", "")
    if cleaned.lower() in MISSING_MARKS:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@dataclass
class Published:
    """One file's rows: authorities by old code, regions by code and England, by year."""

    name: str
    latest: int = 0
    first: int = 0
    la: dict[str, dict[int, dict[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    region: dict[str, dict[int, dict[str, str]]] = field(default_factory=lambda: defaultdict(dict))
    england: dict[int, dict[str, str]] = field(default_factory=dict)
    la_rows: list[dict[str, str]] = field(default_factory=list)


def load(path: Path, columns: Sequence[str]) -> Published:
    """Read a DfE file's geography and ``columns``, indexed for the fallbacks."""
    published = Published(path.name)
    for row in read_columns(path, (*GEOGRAPHY, *columns)):
        year = int(row["time_period"])
        level = row["geographic_level"]
        if level == "National":
            published.england[year] = row
        elif level == "Regional":
            published.region[row["region_code"]][year] = row
        elif level == "Local authority":
            # A joint return's old code ("940 / 941") is neither authority's: it is never used.
            published.la_rows.append(row)
            if year in published.la[row["old_la_code"]]:
                raise BuildError(f"{path.name}: two rows for {row['la_name']} in {year}")
            published.la[row["old_la_code"]][year] = row
    years = {int(r["time_period"]) for r in published.la_rows}
    if not years:
        raise BuildError(f"{path.name} has no local authority rows")
    published.first, published.latest = min(years), max(years)
    return published


def find_sources(source: Path) -> dict[str, Path]:
    """Each source file of :data:`FILES` in ``source``."""
    if not source.is_dir():
        raise BuildError(f"no DfE data folder at {source} (give one with --source DIR)")
    found = {}
    for key, pattern in FILES.items():
        matches = sorted(source.glob(pattern))
        if len(matches) != 1:
            raise BuildError(f"{source} needs exactly one file {pattern}, found {len(matches)}")
        found[key] = matches[0]
    return found


@dataclass(frozen=True)
class Place:
    """A current authority's identity and size, and its region's and England's children."""

    la_code: str
    old_la_code: str
    la_name: str
    region_code: str
    region_name: str
    children: float
    children_year: int
    region_children: float | None
    england_children: float | None


def children_of(ons: Published, old_code: str, name: str) -> tuple[float, int]:
    """An authority's children aged 0-17 in the latest year it has (most recent first)."""
    for year in sorted(ons.la.get(old_code, {}), reverse=True):
        value = parse_number(ons.la[old_code][year][POPULATION])
        if value is not None and value > 0:
            return value, year
    raise BuildError(f"the population file has no children aged 0-17 for {name}")


def places(b1: Published, ons: Published) -> list[Place]:
    """The current authorities: those in the latest year of the children in need file."""
    england = ons.england.get(ons.latest, {})
    result = []
    for row in b1.la_rows:
        if int(row["time_period"]) != b1.latest:
            continue
        children, year = children_of(ons, row["old_la_code"], row["la_name"])
        region = ons.region.get(row["region_code"], {}).get(ons.latest, {})
        result.append(
            Place(
                la_code=row["new_la_code"],
                old_la_code=row["old_la_code"],
                la_name=row["la_name"],
                region_code=row["region_code"],
                region_name=row["region_name"],
                children=children,
                children_year=year,
                region_children=parse_number(region.get(POPULATION, "")),
                england_children=parse_number(england.get(POPULATION, "")),
            )
        )
    return result


def resolve(spec: FigureSpec, place: Place, published: Published) -> tuple[float, int, str]:
    """A figure's value, year and source for one authority, by the fallback rules."""
    own = published.la.get(place.old_la_code, {})
    for year in sorted(own, reverse=True):
        value = parse_number(own[year][spec.column])
        if value is not None:
            return value, year, "own" if year == published.latest else "own_previous_year"
    latest = published.latest
    wider = (
        (
            "region",
            published.region.get(place.region_code, {}).get(latest, {}),
            place.region_children,
        ),
        ("england", published.england.get(latest, {}), place.england_children),
    )
    for origin, row, children in wider:
        value = parse_number(row.get(spec.column, ""))
        if value is None:
            continue
        if spec.kind == "rate":
            return value, latest, origin
        if children:
            return value / children * place.children, latest, origin
    raise BuildError(
        f"{published.name}: no {spec.column} for {place.la_name}, its region or England"
    )


def spread_years(published: Published) -> list[int]:
    """The years a spread is taken over: the file's latest :data:`SPREAD_YEARS`."""
    return list(range(published.latest - SPREAD_YEARS + 1, published.latest + 1))


def numbers(
    rows: Mapping[int, Mapping[str, str]], column: str, years: Sequence[int]
) -> list[float]:
    """The values of ``column`` in ``years`` that hold a number (suppressed cells skipped)."""
    found = (parse_number(rows[y].get(column, "")) for y in years if y in rows)
    return [v for v in found if v is not None]


def rounding_floor(unit: float) -> float:
    """The least spread a figure published to ``unit`` is given: half the unit."""
    return unit / 2


def authority_floor(spec: FigureSpec) -> float:
    """An authority's floor: half its published unit (whole counts, or one decimal)."""
    return rounding_floor(10.0**-spec.decimals)


def relative_spread(values: Sequence[float]) -> float | None:
    """Sample sd over mean, or None if the mean is not positive."""
    mean = statistics.fmean(values)
    return statistics.stdev(values) / mean if mean > 0 else None


def spreads(
    spec: FigureSpec, rows: Sequence[Place], published: Published, values: Mapping[str, float]
) -> dict[str, tuple[float, str]]:
    """Each authority's spread of ``spec`` and where it came from, by la_code.

    The rules of the module docstring; the origin is ``own``, ``region`` (its region's
    median relative spread), ``england`` (all authorities' median) or ``floor`` (no
    authority has enough years). ``values`` are the table's figures, which a borrowed
    relative spread multiplies.
    """
    years = spread_years(published)
    own = {
        p.la_code: numbers(published.la.get(p.old_la_code, {}), spec.column, years) for p in rows
    }
    enough = {code: v for code, v in own.items() if len(v) >= MIN_SPREAD_YEARS}
    relative: dict[str, list[float]] = defaultdict(list)
    for p in rows:
        rel = relative_spread(enough[p.la_code]) if p.la_code in enough else None
        if rel is not None:
            relative[p.region_code].append(rel)
    everyone = [r for rels in relative.values() for r in rels]
    floor = authority_floor(spec)
    result = {}
    for p in rows:
        if p.la_code in enough:
            sd, origin = statistics.stdev(enough[p.la_code]), "own"
        elif relative.get(p.region_code):
            sd, origin = statistics.median(relative[p.region_code]) * values[p.la_code], "region"
        elif everyone:
            sd, origin = statistics.median(everyone) * values[p.la_code], "england"
        else:
            sd, origin = floor, "floor"
        result[p.la_code] = (max(sd, floor), origin)
    return result


def england_rows(files: Mapping[str, Published]) -> list[dict[str, str]]:
    """england.csv: England's series of each figure over its file's spread years.

    Values as published (England's totals, rates in %); the sd is the sample standard
    deviation of the years with a number, at least :func:`rounding_floor` of the unit
    England's figure is published in (counts of the children in need files to the nearest
    10, the rest to their decimals).
    """
    result = []
    for spec in (*FIGURES, *ENGLAND_EXTRA):
        published = files[spec.file]
        years = [y for y in spread_years(published) if y in published.england]
        values = {y: parse_number(published.england[y][spec.column]) for y in years}
        kept = {y: v for y, v in values.items() if v is not None}
        if len(kept) < 2:
            raise BuildError(f"{published.name}: England has fewer than two years of {spec.column}")
        whole_count = spec.kind == "count" and spec.decimals == 0
        unit = ENGLAND_COUNT_ROUNDING if whole_count else 10.0**-spec.decimals
        floor = rounding_floor(unit)
        latest = max(kept)
        result.append(
            {
                "figure": spec.name,
                "file": published.name,
                "column": spec.column,
                "kind": spec.kind,
                "unit": spec.unit,
                "years": ";".join(str(y) for y in kept),
                "values": ";".join(format_value(v, spec.decimals) for v in kept.values()),
                "latest": format_value(kept[latest], spec.decimals),
                "latest_year": str(latest),
                "sd": format_value(max(statistics.stdev(kept.values()), floor), spec.decimals + 1),
                "floor": format_value(floor, spec.decimals + 1),
            }
        )
    return result


def format_value(value: float, decimals: int) -> str:
    """A number as the table writes it: ``decimals`` places, no thousands separator."""
    return f"{round(value, decimals):.{decimals}f}" if decimals else str(round(value))


def assign_keys(rows: Sequence[Place]) -> dict[str, str]:
    """Each authority's key (:func:`sim.authorities.make_key`); a clash adds the old code."""
    counts = Counter(make_key(p.la_name) for p in rows)
    keys = {}
    for p in rows:
        key = make_key(p.la_name)
        keys[p.la_code] = key if counts[key] == 1 else f"{key}_{p.old_la_code}"
    if len(set(keys.values())) != len(keys):
        raise BuildError("two authorities have the same key even with their old codes")
    return keys


def neighbours_of(sn_path: Path, rows: Sequence[Place]) -> dict[str, str]:
    """Each authority's ten statistical neighbours as ``;``-joined current codes, in order."""
    by_old = {p.old_la_code: p.la_code for p in rows}
    result = {}
    for row in read_columns(sn_path, ("old_la_code", "la_name", *NEIGHBOURS)):
        if row["old_la_code"] not in by_old:
            continue
        unknown = [row[c] for c in NEIGHBOURS if row[c] not in by_old]
        if unknown:
            raise BuildError(
                f"{sn_path.name}: {row['la_name']}'s neighbour {unknown[0]} is unknown"
            )
        result[by_old[row["old_la_code"]]] = ";".join(by_old[row[c]] for c in NEIGHBOURS)
    missing = [p.la_name for p in rows if p.la_code not in result]
    if missing:
        raise BuildError(f"{sn_path.name} has no statistical neighbours for {missing[0]}")
    return result


def code_aliases(files: Mapping[str, Published], rows: Sequence[Place]) -> dict[str, str]:
    """Other codes the files give a current authority in any year (the same old code).

    Barnsley's and Sheffield's newer codes in the workforce file; earlier codes before a
    boundary change (Gateshead, Northumberland) or before a county became unitary over the
    same area (Buckinghamshire, North Yorkshire, Somerset).
    """
    by_old = {p.old_la_code: p.la_code for p in rows}
    aliases = {}
    for published in files.values():
        for row in published.la_rows:
            current = by_old.get(row["old_la_code"])
            if current and row["new_la_code"] != current:
                aliases[row["new_la_code"]] = current
    return dict(sorted(aliases.items()))


def dropped(files: Mapping[str, Published], rows: Sequence[Place]) -> list[dict[str, str | int]]:
    """Authorities of earlier years whose old code no longer exists (left out of the table)."""
    current = {p.old_la_code for p in rows}
    last: dict[tuple[str, str, str], int] = {}
    for published in files.values():
        for row in published.la_rows:
            old = row["old_la_code"]
            if old in current or "/" in old:
                continue
            ident = (row["new_la_code"], old, row["la_name"])
            last[ident] = max(last.get(ident, 0), int(row["time_period"]))
    return [
        {"la_code": code, "old_la_code": old, "la_name": name, "last_year": year}
        for (code, old, name), year in sorted(last.items())
    ]


def joint_returns(csww: Published) -> list[dict[str, str]]:
    """The latest workforce year's joint returns (their authorities fall back)."""
    return [
        {"la_code": r["new_la_code"], "old_la_code": r["old_la_code"], "la_name": r["la_name"]}
        for r in csww.la_rows
        if "/" in r["old_la_code"] and int(r["time_period"]) == csww.latest
    ]


def sha256(path: Path) -> str:
    """The file's SHA-256, so the sidecar names exactly what was read."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Built:
    """The table's rows (as written) and its sidecar."""

    rows: list[dict[str, str]]
    meta: dict[str, object]
    england: list[dict[str, str]] = field(default_factory=list)


def build_table(source: Path, today: str | None = None) -> Built:
    """Read the DfE CSVs in ``source`` and make the table and its sidecar."""
    paths = find_sources(source)
    wanted: dict[str, list[str]] = defaultdict(list)
    for spec in (*FIGURES, *ENGLAND_EXTRA):
        wanted[spec.file].append(spec.column)
    wanted["ons"].append(POPULATION)
    files = {
        key: load(paths[key], wanted[key]) for key in ("b1", "c1", "c4", "d3", "d5", "csww", "ons")
    }
    rows = places(files["b1"], files["ons"])
    keys = assign_keys(rows)
    neighbours = neighbours_of(paths["sn"], rows)
    table = []
    tally: dict[str, Counter[str]] = {spec.name: Counter() for spec in FIGURES}
    resolved = {
        spec.name: {p.la_code: resolve(spec, p, files[spec.file]) for p in rows} for spec in FIGURES
    }
    spread = {
        spec.name: spreads(
            spec, rows, files[spec.file], {c: v[0] for c, v in resolved[spec.name].items()}
        )
        for spec in FIGURES
    }
    for p in sorted(rows, key=lambda p: keys[p.la_code]):
        out = {
            "la_code": p.la_code,
            "old_la_code": p.old_la_code,
            "la_name": p.la_name,
            "key": keys[p.la_code],
            "region_code": p.region_code,
            "region_name": p.region_name,
            "neighbours": neighbours[p.la_code],
            "children_0_17": format_value(p.children, 0),
            "children_0_17_year": str(p.children_year),
        }
        for spec in FIGURES:
            value, year, origin = resolved[spec.name][p.la_code]
            out |= {
                spec.name: format_value(value, spec.decimals),
                f"{spec.name}_year": str(year),
                f"{spec.name}_source": origin,
                f"{spec.name}_sd": format_value(spread[spec.name][p.la_code][0], spec.decimals + 1),
            }
            tally[spec.name][origin] += 1
        table.append(out)
    aliases = code_aliases(files, rows)
    meta: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "built": today or date.today().isoformat(),
        "attribution": ATTRIBUTION,
        "table": TABLE,
        "rows": len(table),
        "sources": [
            {
                "file": paths[key].name,
                "first_year": files[key].first if key in files else None,
                "latest_year": files[key].latest if key in files else None,
                "columns_read": [*GEOGRAPHY, *wanted[key]]
                if key != "sn"
                else ["old_la_code", "la_name", *NEIGHBOURS],
                "sha256": sha256(paths[key]),
            }
            for key in FILES
        ],
        "figures": [
            {"name": s.name, "file": paths[s.file].name, "column": s.column, "kind": s.kind}
            | {"unit": s.unit, "year": files[s.file].latest}
            for s in FIGURES
        ],
        "missing_marks": list(MISSING_MARKS),
        "fallbacks": {name: {s: tally[name][s] for s in SOURCES} for name in tally},
        "spread": {
            "years": {
                files[k].name: [spread_years(files[k])[0], files[k].latest]
                for k in dict.fromkeys(s.file for s in FIGURES)
            },
            "min_years": MIN_SPREAD_YEARS,
            "floor": "half the published unit: 0.5 for whole counts, 0.05 for one decimal",
            "england": ENGLAND_TABLE,
            "fallbacks": {
                name: {code: o for code, (_, o) in sorted(by.items()) if o != "own"}
                for name, by in spread.items()
            },
        },
        "code_aliases": aliases,
        "dropped": dropped(files, rows),
        "joint_workforce_returns": joint_returns(files["csww"]),
    }
    return Built(table, meta, england_rows(files))


def write(built: Built, out: Path) -> tuple[Path, Path]:
    """Write the table, its sidecar and England's series (england.csv) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    table, meta = out / TABLE, out / META
    for path, columns, rows in (
        (table, COLUMNS, built.rows),
        (out / ENGLAND_TABLE, ENGLAND_COLUMNS, built.england),
    ):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    meta.write_text(json.dumps(built.meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return table, meta


NATIONAL_HEADER: Final = """\
# @package _global_
# The national run (issue 16): every authority of the packaged table, one job each.
# Written by `python -m sim.data.build` from src/sim/data/authorities.csv: do not edit
# (tests/test_national.py checks it lists the table's keys). Run with:
#   python -m sim -m experiment=national                # joblib, all cores; n_jobs=2 here
#   python -m sim -m experiment=national authority=leeds,kent     # a few authorities
#   python -m sim -m experiment=national hydra/launcher=submitit_slurm ...  # a cluster
# Jobs run in parallel (joblib), replications within a job one after another
# (run.n_jobs=1). The sweep folder gets authorities.csv, national_totals.csv, a figure
# per KPI and report.html (sim.national; docs/authorities.md, "The national run").
# An authority with fewer posts than the average authority's 118 runs more replications,
# for as many worker-years (run.equal_precision_posts; 0 runs run.replications each).
defaults:
  - override /hydra/launcher: joblib
run:
  n_jobs: 1
  equal_precision_posts: 118
hydra:
  callbacks:
    sweep_summary:
      _target_: sim.national.NationalSummaryCallback
  sweeper:
    params:
"""


def national_experiment(keys: Sequence[str]) -> str:
    """conf/experiment/national.yaml: a sweep over ``keys``, the table's authorities.

    A file written from the table rather than a resolver: Hydra's basic sweeper reads
    ``hydra.sweeper.params`` as plain text, the list is there to read (``--cfg hydra``),
    and no resolver needs registering in every process that composes (joblib's workers, a
    cluster's nodes). The keys are folded six to a line (YAML joins the lines with
    spaces, which Hydra's sweep syntax allows after a comma).
    """
    lines = [", ".join(keys[i : i + 6]) for i in range(0, len(keys), 6)]
    body = ",\n".join(f"        {line}" for line in lines)
    return f"{NATIONAL_HEADER}      authority: >-\n{body}\n"


def summary(built: Built) -> str:
    """What the build wrote: rows, fallbacks by figure, dropped authorities."""
    meta = built.meta
    lines = [f"{meta['rows']} authorities (schema {meta['schema_version']})."]
    fallbacks: dict[str, dict[str, int]] = meta["fallbacks"]  # type: ignore[assignment]
    for name, counts in fallbacks.items():
        lines.append(f"  {name}: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    spread: dict[str, Any] = meta["spread"]  # type: ignore[assignment]
    borrowed = {name: Counter(by.values()) for name, by in spread["fallbacks"].items()}
    lines.append(f"Spreads borrowed (fewer than {MIN_SPREAD_YEARS} own years):")
    for name, counts in borrowed.items():
        lines.append(f"  {name}: " + (", ".join(f"{n} {s}" for s, n in counts.items()) or "none"))
    dropped_rows: list[dict[str, str]] = meta["dropped"]  # type: ignore[assignment]
    names = ", ".join(f"{d['la_name']} ({d['la_code']}, to {d['last_year']})" for d in dropped_rows)
    lines.append(f"Dropped: {names or 'none'}.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.data.build``: build the packaged authority table."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.data.build",
        description="Build cpsim's table of every English local authority from the DfE CSVs.",
    )
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="DfE CSV folder")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    parser.add_argument(
        "--experiment",
        type=Path,
        default=None,
        help="the national run's experiment file to write (default: conf/experiment/"
        "national.yaml, or national.yaml in --out when that is given)",
    )
    args = parser.parse_args(argv)
    try:
        built = build_table(args.source)
    except BuildError as err:
        print(f"python -m sim.data.build: {err}", file=sys.stderr)
        return 2
    table, meta = write(built, args.out)
    experiment = args.experiment or (
        DEFAULT_EXPERIMENT if args.out == DEFAULT_OUT else args.out / "national.yaml"
    )
    experiment.parent.mkdir(parents=True, exist_ok=True)
    experiment.write_text(national_experiment([row["key"] for row in built.rows]), "utf-8")
    print(f"Wrote {table}, {meta.name}, {ENGLAND_TABLE} and {experiment}.")
    print(summary(built))
    return 0


if __name__ == "__main__":
    sys.exit(main())
