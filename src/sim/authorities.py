"""Every English local authority's published figures, from the table packaged with cpsim.

The table (``sim/data/authorities.csv``, schema :data:`SCHEMA_VERSION`) is built from the
Department for Education's CSVs by ``python -m sim.data.build`` and shipped inside the
package, so reading it needs no ``../shared``. One row per current authority: codes, name,
a snake-case key, region, ten statistical neighbours, children aged 0-17 and, for each
figure in :data:`FIGURES`, the value, the year it comes from, which fallback gave it
(:data:`SOURCES`) and its year-to-year spread (``<figure>_sd``). A second small file,
``england.csv`` (:data:`ENGLAND_COLUMNS`, :func:`england_series`), holds England's own
series of the same figures and their spread. docs/authorities.md describes every column.

``python -m sim.authorities`` lists key, code, name and region; ``--show KEY`` prints one
authority's row with the year and source of each figure.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

from sim.config import ConfigError

SCHEMA_VERSION: Final = 2
"""Version of the table's columns; raised whenever a column is added, removed or redefined."""

ATTRIBUTION: Final = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
"""The attribution the Open Government Licence asks for wherever the figures are shipped."""

TABLE: Final = "authorities.csv"
META: Final = "authorities.meta.json"
ENGLAND_TABLE: Final = "england.csv"
"""England's series of each figure over the spread's years, and its standard deviation."""

SOURCES: Final = ("own", "own_previous_year", "region", "england")
"""Where a figure came from: the authority's latest year, an earlier year of its own, its
region (a rate as published; a count per child aged 0-17 times its children) or England."""

LIST_HINT: Final = "`python -m sim.authorities` lists their keys, codes and names"


@dataclass(frozen=True)
class FigureSpec:
    """One published figure: the DfE file and column it is read from, and its kind."""

    name: str
    file: str
    column: str
    kind: str  # "count": scaled by children when it falls back to a region; "rate": as is
    decimals: int
    unit: str


FIGURES: Final = (
    FigureSpec("referrals", "c1", "referral_count", "count", 0, "referrals in the year"),
    FigureSpec("rereferral_rate", "c1", "rereferral_percent", "rate", 1, "% of referrals"),
    FigureSpec("s47s", "c4", "Section47", "count", 0, "section 47 enquiries in the year"),
    FigureSpec("icpcs", "c4", "ICPC", "count", 0, "initial conferences in the year"),
    FigureSpec("cpp_starts", "d3", "CPP_start", "count", 0, "plans started in the year"),
    FigureSpec("cpp_at_31_march", "d5", "CPP_At31", "count", 0, "children on a plan"),
    FigureSpec("cin_at_31_march", "b1", "At31_episodes", "count", 0, "children in need"),
    FigureSpec("social_workers_fte", "csww", "case_holders_fte", "count", 1, "case-holding FTE"),
    FigureSpec("turnover_rate", "csww", "turnover_rate_fte", "rate", 1, "% of FTE a year"),
    FigureSpec("agency_rate", "csww", "agency_rate_fte", "rate", 1, "% of FTE"),
    FigureSpec("vacancy_rate", "csww", "vacancy_rate_fte", "rate", 1, "% of FTE posts"),
    FigureSpec("caseload", "csww", "caseload_fte", "rate", 1, "cases per case-holding FTE"),
    FigureSpec("absence_rate", "csww", "absence_rate_fte", "rate", 1, "% of working days"),
)
"""The figures of every row, in column order (docs/authorities.md gives their sources)."""

FIGURE_NAMES: Final = tuple(f.name for f in FIGURES)

IDENTITY_COLUMNS: Final = (
    "la_code",
    "old_la_code",
    "la_name",
    "key",
    "region_code",
    "region_name",
    "neighbours",
    "children_0_17",
    "children_0_17_year",
)
COLUMNS: Final = IDENTITY_COLUMNS + tuple(
    column
    for f in FIGURES
    for column in (f.name, f"{f.name}_year", f"{f.name}_source", f"{f.name}_sd")
)
"""The table's columns, in order."""

ENGLAND_COLUMNS: Final = (
    "figure",
    "file",
    "column",
    "kind",
    "unit",
    "years",
    "values",
    "latest",
    "latest_year",
    "sd",
    "floor",
)
"""england.csv's columns: a figure's source, its published years and values (``;``-joined,
England's totals as published), the latest, the sample standard deviation over the years
and the rounding floor it was held to (docs/authorities.md, "Year-to-year spread")."""


def make_key(name: str) -> str:
    """The snake-case key of an authority's name.

    Accents dropped, ``&`` read as "and", every run of other characters one underscore:
    "Kingston upon Hull, City of" -> ``kingston_upon_hull_city_of``, "St. Helens" ->
    ``st_helens``.
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class Figure:
    """One figure of one authority: its value, the year it is from and its fallback."""

    value: float
    year: int
    source: str


@dataclass(frozen=True)
class Authority:
    """One row of the table."""

    la_code: str
    old_la_code: str
    la_name: str
    key: str
    region_code: str
    region_name: str
    neighbours: tuple[str, ...]
    children_0_17: int
    children_0_17_year: int
    figures: Mapping[str, Figure]
    spreads: Mapping[str, float] = field(default_factory=dict)
    """Each figure's year-to-year standard deviation (``<figure>_sd``), in its own unit."""

    def figure(self, name: str) -> Figure:
        """The figure called ``name`` (one of :data:`FIGURE_NAMES`)."""
        return self.figures[name]

    def sd(self, name: str) -> float:
        """The year-to-year standard deviation of figure ``name`` (docs/authorities.md)."""
        return self.spreads[name]


def _row_to_authority(row: Mapping[str, str]) -> Authority:
    figures = {
        f.name: Figure(float(row[f.name]), int(row[f"{f.name}_year"]), row[f"{f.name}_source"])
        for f in FIGURES
    }
    return Authority(
        la_code=row["la_code"],
        old_la_code=row["old_la_code"],
        la_name=row["la_name"],
        key=row["key"],
        region_code=row["region_code"],
        region_name=row["region_name"],
        neighbours=tuple(row["neighbours"].split(";")),
        children_0_17=int(row["children_0_17"]),
        children_0_17_year=int(row["children_0_17_year"]),
        figures=figures,
        spreads={f.name: float(row[f"{f.name}_sd"]) for f in FIGURES},
    )


def parse_table(text: str) -> tuple[Authority, ...]:
    """The authorities of a table's CSV text; its header must be :data:`COLUMNS`."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ConfigError(
            f"the authorities table's columns are not schema {SCHEMA_VERSION}'s: rebuild it "
            "with `python -m sim.data.build`"
        )
    return tuple(_row_to_authority(row) for row in reader)


def _packaged(name: str) -> str:
    return resources.files("sim").joinpath("data", name).read_text(encoding="utf-8")


@cache
def authorities() -> tuple[Authority, ...]:
    """Every authority of the packaged table, in key order (read once)."""
    return parse_table(_packaged(TABLE))


@cache
def table_meta() -> dict[str, Any]:
    """The packaged table's sidecar: build date, sources and years, schema, attribution."""
    meta: dict[str, Any] = json.loads(_packaged(META))
    return meta


@dataclass(frozen=True)
class Series:
    """England's published values of one figure over the spread's years (england.csv)."""

    figure: str
    file: str
    column: str
    kind: str
    unit: str
    values: Mapping[int, float]
    latest: float
    latest_year: int
    sd: float
    floor: float


def parse_england(text: str) -> dict[str, Series]:
    """England's series by figure name, from england.csv's text (:data:`ENGLAND_COLUMNS`)."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != ENGLAND_COLUMNS:
        raise ConfigError(
            f"{ENGLAND_TABLE}'s columns are not schema {SCHEMA_VERSION}'s: rebuild it "
            "with `python -m sim.data.build`"
        )
    series = {}
    for row in reader:
        years = [int(y) for y in row["years"].split(";")]
        values = [float(v) for v in row["values"].split(";")]
        series[row["figure"]] = Series(
            figure=row["figure"],
            file=row["file"],
            column=row["column"],
            kind=row["kind"],
            unit=row["unit"],
            values=dict(zip(years, values, strict=True)),
            latest=float(row["latest"]),
            latest_year=int(row["latest_year"]),
            sd=float(row["sd"]),
            floor=float(row["floor"]),
        )
    return series


@cache
def england_series() -> dict[str, Series]:
    """England's packaged series and spreads, by figure (read once)."""
    return parse_england(_packaged(ENGLAND_TABLE))


def _index(rows: Iterable[Authority], aliases: Mapping[str, str]) -> dict[str, Authority]:
    """Every name an authority answers to (casefolded): key, codes, name, aliases."""
    index: dict[str, Authority] = {}
    for a in rows:
        for name in (a.key, a.la_code, a.old_la_code, a.la_name):
            index[name.casefold()] = a
    for alias, code in aliases.items():
        index.setdefault(alias.casefold(), index[code.casefold()])
    return index


@cache
def _packaged_index() -> dict[str, Authority]:
    return _index(authorities(), table_meta().get("code_aliases", {}))


def find(
    name: str,
    rows: Sequence[Authority] | None = None,
    aliases: Mapping[str, str] | None = None,
) -> Authority:
    """The authority called ``name``: its key, new or old code, or name (any case).

    A name that is not a key is also tried as one ("Barking and Dagenham" finds
    ``barking_and_dagenham``). ``rows`` and ``aliases`` default to the packaged table and
    its code aliases (other codes the DfE's files give the same authority).

    Raises:
        ConfigError: one line saying how to list the authorities.

    """
    index = _packaged_index() if rows is None else _index(rows, aliases or {})
    text = str(name).strip()
    for candidate in (text.casefold(), make_key(text)):
        if candidate in index:
            return index[candidate]
    raise ConfigError(f"unknown authority {name!r}: {LIST_HINT}")


def listing(rows: Sequence[Authority]) -> str:
    """Key, code, name and region of each authority, one line each under a header."""
    lines = [("key", "la_code", "la_name", "region_name")]
    lines += [(a.key, a.la_code, a.la_name, a.region_name) for a in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line[:3], widths, strict=True)) + "  " + line[3]
        for line in lines
    )


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def describe(a: Authority, rows: Sequence[Authority]) -> str:
    """One authority's row: identity, neighbours by name, each figure's year and source."""
    names = {r.la_code: r.la_name for r in rows}
    neighbours = ", ".join(names.get(code, code) for code in a.neighbours)
    lines = [
        f"{a.la_name} (key {a.key}; code {a.la_code}, old code {a.old_la_code})",
        f"region: {a.region_name} ({a.region_code})",
        f"statistical neighbours: {neighbours}",
        f"children aged 0-17: {a.children_0_17:,} (ONS mid-{a.children_0_17_year})",
        "",
        f"{'figure':<20}{'value':>12}{'sd':>10}  {'year':<6}{'source':<19}unit",
    ]
    for spec in FIGURES:
        fig = a.figure(spec.name)
        value = _number(fig.value, spec.decimals)
        sd = _number(a.sd(spec.name), spec.decimals + 1)
        lines.append(
            f"{spec.name:<20}{value:>12}{sd:>10}  {fig.year:<6}{fig.source:<19}{spec.unit}"
        )
    lines += ["", ATTRIBUTION]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sim.authorities [--show NAME]``: list the authorities or show one."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.authorities",
        description="List the English local authorities cpsim knows, or show one's figures.",
    )
    parser.add_argument("--show", metavar="NAME", help="key, code or name of one authority")
    args = parser.parse_args(argv)
    rows = authorities()
    if args.show is None:
        print(listing(rows))
        print(f"\n{len(rows)} authorities. {ATTRIBUTION}")
        return 0
    try:
        print(describe(find(args.show), rows))
    except ConfigError as err:
        print(f"python -m sim.authorities: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
