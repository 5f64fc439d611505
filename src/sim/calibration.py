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

    def gap(self, simulated: float) -> float:
        """Signed gap: relative (share of the target) or absolute (percentage points/100)."""
        return (simulated - self.value) / self.value if self.relative else simulated - self.value

    def holds(self, simulated: float) -> bool:
        """Whether ``simulated`` is within tolerance."""
        return abs(self.gap(simulated)) <= self.tolerance

    def tolerance_text(self) -> str:
        """The tolerance in words."""
        return f"±{self.tolerance:.0%}" if self.relative else f"±{self.tolerance * 100:.0f} pp"


CIN25 = "FACTS.md CIN25 (year to 31 March 2025)"

TARGETS: dict[str, Target] = {
    t.kpi: t
    for t in (
        Target("referrals_per_year", 4140, 0.15, True, f"{CIN25}: 632,830 / 153 authorities"),
        Target("s47_per_year", 1507, 0.15, True, f"{CIN25}: 230,590 / 153"),
        Target("icpc_per_year", 471, 0.15, True, f"{CIN25}: 72,100 / 153"),
        Target("cpp_starts_per_year", 404, 0.15, True, f"{CIN25}: 61,840 / 153"),
        Target("cpp_open_mean", 323, 0.15, True, f"{CIN25}: 49,420 on a CPP at 31 March / 153"),
        Target("assessment_within_45wd", 0.857, 0.10, False, f"{CIN25}: 85.7% within 45 WD"),
        Target("icpc_within_15wd", 0.814, 0.10, False, f"{CIN25}: 81.4% within 15 WD"),
        Target("rereferral_12m_rate", 0.226, 0.10, False, f"{CIN25}: 22.6% within 12 months"),
    )
}
