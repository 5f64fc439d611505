"""Published figures the baseline is calibrated against (../shared/FACTS.md).

Each target names the KPI, the published value for an average authority, how close the
baseline must land, and the source row.
"""

from __future__ import annotations

from dataclasses import dataclass


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
