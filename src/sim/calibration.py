"""Published figures the baseline is calibrated against (../shared/FACTS.md).

Each target names the KPI, the published value for an average authority, how close the
baseline must land, and the source row. A run of one of the table's authorities
(``authority=leeds``) is compared with that authority's own figures instead
(:func:`targets_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.authorities import Authority, find


@dataclass(frozen=True)
class Target:
    """A published figure and the tolerance the baseline must meet."""

    kpi: str
    value: float
    tolerance: float
    relative: bool
    source: str
    absolute_units: bool = False
    """An absolute tolerance in the KPI's own units (not percentage points)."""
    note: str = ""
    """Said beside the figure where it is not the run's own: an authority's fallback
    (``fallback: own_previous_year 2024``) or England's figure where it has none."""

    def gap(self, simulated: float) -> float:
        """Signed gap: relative (share of the target) or absolute (percentage points/100)."""
        return (simulated - self.value) / self.value if self.relative else simulated - self.value

    def holds(self, simulated: float) -> bool:
        """Whether ``simulated`` is within tolerance."""
        return abs(self.gap(simulated)) <= self.tolerance

    def tolerance_text(self) -> str:
        """The tolerance in words."""
        if self.absolute_units:
            return f"±{self.tolerance:g}"
        return f"±{self.tolerance:.0%}" if self.relative else f"±{self.tolerance * 100:.0f} pp"


CIN25 = "FACTS.md CIN25 (year to 31 March 2025)"
CSWW23 = "FACTS.md CSWW23 (30 September 2023)"

TARGETS: dict[str, Target] = {
    t.kpi: t
    for t in (
        Target("referrals_per_year", 4140, 0.15, True, f"{CIN25}: 632,830 / 153 authorities"),
        Target("assessments_per_year", 4240, 0.15, True, f"{CIN25}: 648,830 / 153"),
        Target("s47_per_year", 1507, 0.15, True, f"{CIN25}: 230,590 / 153"),
        Target("icpc_per_year", 471, 0.15, True, f"{CIN25}: 72,100 / 153"),
        Target("cpp_starts_per_year", 404, 0.15, True, f"{CIN25}: 61,840 / 153"),
        Target("cpp_open_mean", 323, 0.15, True, f"{CIN25}: 49,420 on a CPP at 31 March / 153"),
        Target("assessment_within_45wd", 0.857, 0.10, False, f"{CIN25}: 85.7% within 45 WD"),
        Target("icpc_within_15wd", 0.814, 0.10, False, f"{CIN25}: 81.4% within 15 WD"),
        Target("rereferral_12m_rate", 0.226, 0.10, False, f"{CIN25}: 22.6% within 12 months"),
        Target(
            "cpp_subsequent_share",
            0.245,
            0.06,
            False,
            "data/dfe d3 2024-25: 15,130 of 61,840",
        ),
        Target("turnover_rate", 0.159, 0.03, False, f"{CSWW23}: 15.9% turnover"),
        Target("vacancy_rate", 0.189, 0.03, False, f"{CSWW23}: 18.9% vacancy rate"),
        Target("agency_share", 0.178, 0.03, False, f"{CSWW23}: 17.8% agency"),
        Target(
            "caseload_mean", 16.0, 2.0, False, f"{CSWW23}: 16.0 cases per case-holding FTE", True
        ),
    )
}


OWN_FIGURES: dict[str, tuple[str, float]] = {
    "referrals_per_year": ("referrals", 1.0),
    "s47_per_year": ("s47s", 1.0),
    "icpc_per_year": ("icpcs", 1.0),
    "cpp_starts_per_year": ("cpp_starts", 1.0),
    "cpp_open_mean": ("cpp_at_31_march", 1.0),
    "rereferral_12m_rate": ("rereferral_rate", 0.01),
    "turnover_rate": ("turnover_rate", 0.01),
    "vacancy_rate": ("vacancy_rate", 0.01),
    "agency_share": ("agency_rate", 0.01),
    "caseload_mean": ("caseload", 1.0),
}
"""KPIs compared with an authority's own figure: the table's figure and its scale to the
KPI's unit (a rate in % to a share). Each keeps the tolerance of its national target."""

ENGLAND_ONLY: tuple[str, ...] = (
    "assessment_within_45wd",
    "icpc_within_15wd",
    "cpp_subsequent_share",
)
"""Shares the table has no local figure for: an authority's run is compared with England's,
so said. National counts with no local figure (assessments) are left out: an average
authority's count says nothing about one authority's."""

FILES = {
    "referrals": "c1",
    "rereferral_rate": "c1",
    "s47s": "c4",
    "icpcs": "c4",
    "cpp_starts": "d3",
    "cpp_at_31_march": "d5",
}


def _own_target(a: Authority, kpi: str) -> Target | None:
    """The national target of ``kpi`` with the authority's own figure (None if it is 0)."""
    figure, scale = OWN_FIGURES[kpi]
    fig = a.figure(figure)
    if fig.value == 0:
        return None
    where = f"DfE {FILES.get(figure, 'csww')} {fig.year}"
    note = "" if fig.source == "own" else f"fallback: {fig.source} {fig.year}"
    return replace(
        TARGETS[kpi],
        value=fig.value * scale,
        source=f"{a.la_name}: {figure} {fig.value:g} ({where}, {fig.source})",
        note=note,
    )


def targets_for(la_code: str) -> dict[str, Target]:
    """The published figures a run is compared with: the authority's own, or :data:`TARGETS`.

    A table authority (``authority.la_code`` set) gets its own counts and rates, as
    published (not scaled), each noting a fallback (source not ``own``); England's shares
    where the table has none, noted so. The presets (no code) keep England's figures per
    average authority.
    """
    if not la_code:
        return TARGETS
    a = find(la_code)
    targets = {}
    for kpi in TARGETS:
        if kpi in OWN_FIGURES:
            target = _own_target(a, kpi)
        elif kpi in ENGLAND_ONLY:
            target = replace(TARGETS[kpi], note="England's: no local figure")
        else:
            target = None
        if target is not None:
            targets[kpi] = target
    return targets
