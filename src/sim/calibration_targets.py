"""Observed calibration targets with their uncertainty (issue 18; docs/calibration.md, "Targets").

A calibration compares a run's KPIs with published figures, each with an observation
uncertainty: one standard deviation in the KPI's own unit (:class:`Observed`). A
:class:`TargetSet` is the figures one calibration fits. They come from

- :func:`england`: every figure of :data:`sim.calibration.TARGETS` (FACTS.md, per average
  authority), its sd England's year-to-year spread over the published years (the packaged
  ``england.csv``, :func:`sim.authorities.england_series`; counts divided by 153), or half
  the FACTS.md tolerance where the DfE files give no England series (an assumption, said
  in the figure's ``source``);
- :func:`for_authority`: an authority's own figures as :func:`sim.calibration.targets_for`
  gives them, its sd the authority's own spread (``<figure>_sd`` of the packaged table),
  widened where the figure is not the authority's latest own (:func:`widening`), and
  England's shares where it has no figure of its own;
- a YAML file (:func:`load`, :func:`dump`) in the format of docs/calibration.md.

:func:`resolve` turns a ``targets=`` argument into a set. Nothing here runs the model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import yaml

from sim.authorities import Authority, england_series, find, table_meta
from sim.calibration import ENGLAND_ONLY, OWN_FIGURES, TARGETS, Target, targets_for
from sim.config import ConfigError
from sim.localise import N_AUTHORITIES
from sim.metrics import KPIS


class TargetsError(ConfigError):
    """A target set or file cpsim cannot use; its message is one line."""


def _problem(kpi: str, value: float, sd: float, tolerance: float | None) -> str:
    """What is wrong with a target's fields, in words ("" if nothing)."""
    if kpi not in KPIS:
        return f"unknown KPI {kpi!r} (docs/kpis.md lists them)"
    if not math.isfinite(value):
        return f"value must be a finite number, found {value}"
    if not (math.isfinite(sd) and sd > 0):
        return f"sd must be a number > 0, found {sd:g}"
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance >= 0):
        return f"tolerance must be a number >= 0, found {tolerance:g}"
    return ""


@dataclass(frozen=True)
class Observed:
    """One published figure a calibration fits, with its uncertainty."""

    kpi: str
    """A KPI registry name (:data:`sim.metrics.KPIS`)."""
    value: float
    """The figure in the KPI's unit (shares 0-1, counts per year, cases per FTE)."""
    sd: float
    """Observation uncertainty, one standard deviation in the same unit; > 0."""
    source: str
    """Where the value and the sd come from, in words."""
    tolerance: float | None = None
    """FACTS.md's tolerance (:data:`sim.calibration.TARGETS`), if any."""
    relative: bool = True
    """Whether the tolerance is a share of the value (else absolute, in the KPI's unit)."""

    def __post_init__(self) -> None:
        """Refuse an unknown KPI, a value that is not a number or an sd that is not > 0."""
        problem = _problem(self.kpi, self.value, self.sd, self.tolerance)
        if problem:
            raise TargetsError(problem if self.kpi not in KPIS else f"{self.kpi}: {problem}")

    def within(self, simulated: float) -> bool | None:
        """FACTS.md's tolerance test of ``simulated``; None without a tolerance.

        Relative tolerances are a share of the value (None for a value of 0, which has
        no relative gap); absolute ones are in the KPI's unit (0.10 is 10 points of a share).
        """
        if self.tolerance is None or (self.relative and self.value == 0):
            return None
        gap = simulated - self.value
        return abs(gap / self.value if self.relative else gap) <= self.tolerance


@dataclass(frozen=True)
class TargetSet:
    """The observed figures one calibration fits, in order."""

    name: str
    """``england``, an authority's key, ``synthetic``, or a file's stem."""
    la_code: str
    """The authority's code; ``""`` for England's average authority."""
    targets: tuple[Observed, ...]
    truth: Mapping[str, float] | None = None
    """Synthetic sets: the true parameters ({schema key: value})."""
    note: str = ""

    def __post_init__(self) -> None:
        """Refuse an empty set and a KPI given twice."""
        if not self.targets:
            raise TargetsError(f"target set {self.name!r} has no targets")
        kpis = self.kpis()
        twice = [k for k in kpis if kpis.count(k) > 1]
        if twice:
            raise TargetsError(f"target set {self.name!r} gives {twice[0]} twice")

    def kpis(self) -> tuple[str, ...]:
        """The KPI names, in order."""
        return tuple(t.kpi for t in self.targets)

    def values(self) -> np.ndarray:
        """The observed values, in :meth:`kpis` order."""
        return np.array([t.value for t in self.targets], dtype=float)

    def sds(self) -> np.ndarray:
        """The observation standard deviations, in :meth:`kpis` order."""
        return np.array([t.sd for t in self.targets], dtype=float)

    def get(self, kpi: str) -> Observed:
        """The target of ``kpi``."""
        for t in self.targets:
            if t.kpi == kpi:
                return t
        raise KeyError(f"target set {self.name!r} has no target {kpi!r}")

    def within(self, kpi: str, simulated: float) -> bool | None:
        """FACTS.md's tolerance test of ``kpi`` (:meth:`Observed.within`)."""
        return self.get(kpi).within(simulated)


# -- ready-made sets ------------------------------------------------------------------------
ENGLAND_FIGURES: Final[Mapping[str, tuple[str, float]]] = {
    **OWN_FIGURES,
    "cpp_subsequent_share": ("cpp_subsequent_rate", 0.01),
}
"""KPIs with an England series in england.csv: its figure and the scale to the KPI's unit
(a rate in % to a share). A count is further divided by 153 (per average authority)."""

FALLBACK_SHARE: Final = 0.5
"""Where the files give no England series (assessments, the two timeliness shares: C2 is
not among them and the conference timings are kept back), the sd is this share of the
FACTS.md tolerance: an assumption, said in the figure's source."""

REGION_WIDENING: Final = 2.0
"""An authority's figure borrowed from its region (a joint workforce return) or England
has its sd multiplied by this (an assumption): it is not the authority's own figure."""


def rounded(sd: float) -> float:
    """An sd to four significant figures (it is known to far fewer), for readable files."""
    return float(f"{sd:.4g}")


def _england_target(kpi: str, target: Target) -> Observed:
    """England's figure ``kpi`` with its year-to-year sd, or the fallback sd."""
    if kpi in ENGLAND_FIGURES:
        figure, scale = ENGLAND_FIGURES[kpi]
        s = england_series()[figure]
        per = 1.0 / N_AUTHORITIES if s.kind == "count" else 1.0
        years = f"{min(s.values)}-{max(s.values)}"
        scaled = f" / {N_AUTHORITIES}" if per != 1.0 else ""
        sd = s.sd * scale * per
        how = (
            f"sd: England's {s.column} ({s.file}), sample sd over {years} = {s.sd:g}{scaled}"
            f" (at least {s.floor:g}, half the DfE's rounding)"
        )
    else:
        sd = FALLBACK_SHARE * target.tolerance * (target.value if target.relative else 1.0)
        how = "sd: assumption, half the FACTS.md tolerance (no England series in data/dfe)"
    return Observed(
        kpi=kpi,
        value=float(target.value),
        sd=rounded(sd),
        source=f"{target.source}; {how}",
        tolerance=target.tolerance,
        relative=target.relative,
    )


def england() -> TargetSet:
    """England's average authority: every figure of :data:`sim.calibration.TARGETS`."""
    years = england_series()["referrals"].values
    return TargetSet(
        name="england",
        la_code="",
        targets=tuple(_england_target(k, t) for k, t in TARGETS.items()),
        note=f"England per average authority (FACTS.md; counts / {N_AUTHORITIES}); sd: "
        f"England's year-to-year spread over {min(years)}-{max(years)} (data/dfe), half the "
        "FACTS.md tolerance where the files have no series",
    )


def widening(a: Authority, figure: str) -> tuple[float, str]:
    """How much an authority's sd of ``figure`` is widened, and why in words.

    Its own latest figure: 1. An earlier year of its own, ``k`` years before the file's
    latest: sqrt(1 + k), a year-to-year spread for each year it is out of date (the
    figure a random walk). Its region's or England's: :data:`REGION_WIDENING`.
    """
    fig = a.figure(figure)
    if fig.source == "own":
        return 1.0, ""
    if fig.source == "own_previous_year":
        latest = {f["name"]: int(f["year"]) for f in table_meta()["figures"]}[figure]
        behind = latest - fig.year
        factor = math.sqrt(1 + behind)
        years = "1 year" if behind == 1 else f"{behind} years"
        return factor, f"widened x{factor:.2f}: {fig.year}'s figure, {years} old"
    return REGION_WIDENING, f"widened x{REGION_WIDENING:g}: {fig.source}'s figure, not its own"


def _spread_origin(a: Authority, figure: str) -> str:
    """Where the table's ``<figure>_sd`` came from, in words."""
    meta = table_meta()
    spread = meta["spread"]
    origin = spread["fallbacks"].get(figure, {}).get(a.la_code, "own")
    file = {f["name"]: f["file"] for f in meta["figures"]}[figure]
    first, last = spread["years"][file]
    if origin == "own":
        return f"its own sample sd over {first}-{last}"
    if origin == "floor":
        return "the rounding floor (no spread known)"
    where = "its region's" if origin == "region" else "all authorities'"
    return f"{where} median relative spread x value (under {spread['min_years']} own years)"


def _authority_target(a: Authority, kpi: str, target: Target) -> Observed:
    """The authority's own figure ``kpi`` with its sd (widened for a fallback)."""
    if kpi in ENGLAND_ONLY:
        national = _england_target(kpi, TARGETS[kpi])
        return Observed(
            kpi=kpi,
            value=national.value,
            sd=rounded(national.sd * REGION_WIDENING),
            source=f"England's figure (no local figure): {national.source}; "
            f"widened x{REGION_WIDENING:g}",
            tolerance=national.tolerance,
            relative=national.relative,
        )
    figure, scale = OWN_FIGURES[kpi]
    factor, why = widening(a, figure)
    how = f"sd: {figure}_sd {a.sd(figure):g}, {_spread_origin(a, figure)}"
    return Observed(
        kpi=kpi,
        value=float(target.value),
        sd=rounded(a.sd(figure) * scale * factor),
        source=f"{target.source}; {how}" + (f"; {why}" if why else ""),
        tolerance=target.tolerance,
        relative=target.relative,
    )


def for_authority(name_or_code: str) -> TargetSet:
    """An authority's own figures (:func:`sim.calibration.targets_for`) with their sds.

    Raises:
        ConfigError: an unknown authority, in one line (:func:`sim.authorities.find`).

    """
    a = find(name_or_code)
    targets = targets_for(a.la_code)
    england_only = [k for k in targets if k in ENGLAND_ONLY]
    fallbacks = [
        k for k in targets if k in OWN_FIGURES and a.figure(OWN_FIGURES[k][0]).source != "own"
    ]
    note = f"{a.la_name}'s own figures (DfE, packaged table); England's for " + ", ".join(
        england_only
    )
    if fallbacks:
        note += "; not its latest own figure (sd widened): " + ", ".join(fallbacks)
    return TargetSet(
        name=a.key,
        la_code=a.la_code,
        targets=tuple(_authority_target(a, k, t) for k, t in targets.items()),
        note=note,
    )


def resolve(name: str) -> TargetSet:
    """``england``, an authority's key, code or name, or a path to a .yaml target file."""
    text = str(name).strip()
    if text.casefold() == "england":
        return england()
    path = Path(text).expanduser()
    if path.suffix.lower() in {".yaml", ".yml"} or path.is_file():
        return load(path)
    return for_authority(text)


# -- files ----------------------------------------------------------------------------------
TOP_KEYS: Final = ("name", "authority", "note", "truth", "targets")
ENTRY_KEYS: Final = ("kpi", "value", "sd", "source", "tolerance", "relative")
REQUIRED: Final = ("kpi", "value", "sd", "source")

HEADER: Final = """\
# cpsim calibration targets (docs/calibration.md, "Targets").
# value and sd (one standard deviation) in each KPI's unit: shares 0-1, counts per year,
# cases per FTE. tolerance: FACTS.md's, a share of the value if relative, else in the
# KPI's unit; null for none. truth: the true parameters of a synthetic set, else null.
"""


def _number(where: str, key: str, raw: Any) -> float:
    """A YAML number (not a boolean), or a one-line error."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise TargetsError(f"{where}: {key} must be a number, found {raw!r}")
    return float(raw)


def _entry(where: str, raw: Any) -> Observed:
    """One ``targets`` entry of a file."""
    if not isinstance(raw, Mapping):
        raise TargetsError(f"{where}: not a mapping of {', '.join(ENTRY_KEYS)}")
    unknown = [k for k in raw if k not in ENTRY_KEYS]
    if unknown:
        raise TargetsError(f"{where}: unknown key {unknown[0]!r} ({', '.join(ENTRY_KEYS)})")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise TargetsError(f"{where}: missing key {missing[0]!r}")
    tolerance = raw.get("tolerance")
    relative = raw.get("relative", True)
    if not isinstance(relative, bool):
        raise TargetsError(f"{where}: relative must be true or false, found {relative!r}")
    if not isinstance(raw["source"], str) or not raw["source"].strip():
        raise TargetsError(f"{where}: source must be some words, found {raw['source']!r}")
    kpi, value, sd = (
        str(raw["kpi"]),
        _number(where, "value", raw["value"]),
        _number(where, "sd", raw["sd"]),
    )
    tol = None if tolerance is None else _number(where, "tolerance", tolerance)
    problem = _problem(kpi, value, sd, tol)
    if problem:
        raise TargetsError(f"{where}: {problem}")
    return Observed(kpi, value, sd, raw["source"], tol, relative)


def _truth(where: str, raw: Any) -> dict[str, float] | None:
    """The ``truth`` mapping: schema keys to numbers, or None."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise TargetsError(f"{where}: truth must be a mapping of parameter: value, or null")
    return {str(k): _number(f"{where} truth", str(k), v) for k, v in raw.items()}


def _authority(where: str, raw: Any) -> str:
    """The ``authority`` of a file as a table code (a key or name is looked up), or ""."""
    if raw is None or str(raw).strip() == "":
        return ""
    try:
        return find(str(raw)).la_code
    except ConfigError as err:
        raise TargetsError(f"{where}: authority: {err}") from None


def parse(text: str, where: str, stem: str = "targets") -> TargetSet:
    """A target set from a file's YAML text; ``where`` names the file in errors."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise TargetsError(f"{where}: not valid YAML{at}") from None
    if not isinstance(doc, Mapping):
        raise TargetsError(f"{where}: not a mapping of {', '.join(TOP_KEYS)}")
    unknown = [k for k in doc if k not in TOP_KEYS]
    if unknown:
        raise TargetsError(f"{where}: unknown key {unknown[0]!r} ({', '.join(TOP_KEYS)})")
    if "targets" not in doc:
        raise TargetsError(f"{where}: missing key 'targets'")
    entries = doc["targets"]
    if not isinstance(entries, list) or not entries:
        raise TargetsError(f"{where}: targets must be a list of one or more entries")
    targets = []
    for i, raw in enumerate(entries, start=1):
        kpi = raw.get("kpi") if isinstance(raw, Mapping) else None
        targets.append(_entry(f"{where}: entry {i}" + (f" ({kpi})" if kpi else ""), raw))
    try:
        return TargetSet(
            name=str(doc.get("name") or stem),
            la_code=_authority(where, doc.get("authority")),
            targets=tuple(targets),
            truth=_truth(where, doc.get("truth")),
            note=str(doc.get("note") or ""),
        )
    except TargetsError as err:
        raise TargetsError(f"{where}: {err}") from None


def load(path: str | Path) -> TargetSet:
    """The target set of a YAML file (the file's stem is its name if it gives none).

    Raises:
        TargetsError: one line naming the file and, for a bad entry, the entry.

    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TargetsError(f"targets file {path}: cannot be read ({err.strerror})") from None
    return parse(text, f"targets file {path}", path.stem)


def dump(ts: TargetSet) -> str:
    """A target set as YAML that :func:`load` reads back equal, with a header comment."""
    doc = {
        "name": ts.name,
        "authority": ts.la_code,
        "note": ts.note,
        "truth": dict(ts.truth) if ts.truth is not None else None,
        "targets": [
            {
                "kpi": t.kpi,
                "value": t.value,
                "sd": t.sd,
                "tolerance": t.tolerance,
                "relative": t.relative,
                "source": t.source,
            }
            for t in ts.targets
        ],
    }
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=92)
    return HEADER + body
