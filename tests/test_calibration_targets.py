"""Observed calibration targets with their uncertainty (issue 18 item 1): sets and files."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from sim import calibration_targets as ct
from sim.authorities import find
from sim.calibration import TARGETS, targets_for
from sim.calibration_targets import Observed, TargetsError, TargetSet
from sim.config import ConfigError


# -- England ------------------------------------------------------------------------------
def test_england_has_every_target_with_its_value_and_tolerance():
    e = ct.england()
    assert e.kpis() == tuple(TARGETS)
    assert (e.name, e.la_code, e.truth) == ("england", "", None)
    for t in e.targets:
        target = TARGETS[t.kpi]
        assert (t.value, t.tolerance, t.relative) == (
            target.value,
            target.tolerance,
            target.relative,
        )
    assert np.array_equal(e.values(), [TARGETS[k].value for k in TARGETS])


def test_englands_sds_are_positive_and_below_the_facts_tolerance():
    # The sd is the year-to-year noise of the published figure; FACTS.md's tolerance is how
    # far a calibrated run may land. A noise wider than the tolerance would mean the window
    # caught a break, not noise: every sd is positive and below its tolerance.
    e = ct.england()
    for t in e.targets:
        width = t.tolerance * (t.value if t.relative else 1.0)
        assert 0 < t.sd < width, t.kpi
    assert np.all(e.sds() > 0)


def test_englands_referral_sd_by_hand():
    # c1 referral_count for England, 2021-2025: 597,760, 650,270, 640,430, 621,880,
    # 632,830; per average authority / 153. England's referrals have moved by under 10% a
    # year since 2013 (-7% in the pandemic year to March 2021), so their sd lies between
    # 0.5% (the rounding floor alone would be 0.001%) and 15% (FACTS.md's tolerance).
    sd = statistics.stdev([597760, 650270, 640430, 621880, 632830]) / 153
    referrals = ct.england().get("referrals_per_year")
    assert referrals.sd == pytest.approx(sd, rel=1e-3)
    assert 0.005 * referrals.value < referrals.sd < 0.15 * referrals.value
    assert "c1_children_in_need" in referrals.source
    assert "2021-2025" in referrals.source


def test_englands_workforce_and_share_sds_come_from_their_series():
    e = ct.england()
    # csww turnover_rate_fte 2021-2025: 15.4, 17.2, 15.9, 13.9, 11.8 (%), to a share; the
    # packaged sd has two decimals of a percentage, so it is within 0.005 points.
    turnover = statistics.stdev([15.4, 17.2, 15.9, 13.9, 11.8]) / 100
    assert e.get("turnover_rate").sd == pytest.approx(turnover, abs=5e-5)
    # d3 CPP_subsequent_percent 2021-2025: 22.1, 22.7, 23.6, 24.7, 24.5.
    subsequent = statistics.stdev([22.1, 22.7, 23.6, 24.7, 24.5]) / 100
    assert e.get("cpp_subsequent_share").sd == pytest.approx(subsequent, abs=5e-5)
    assert e.get("caseload_mean").sd == pytest.approx(0.59, abs=0.005)


def test_figures_without_an_england_series_take_half_the_tolerance_and_say_so():
    e = ct.england()
    assessments = e.get("assessments_per_year")
    assert assessments.sd == pytest.approx(0.5 * 0.15 * 4240)
    timely = e.get("icpc_within_15wd")
    assert timely.sd == pytest.approx(0.05)
    for t in (assessments, timely, e.get("assessment_within_45wd")):
        assert "assumption" in t.source
    assert "assumption" not in e.get("s47_per_year").source


def test_within_applies_the_facts_tolerance():
    e = ct.england()
    assert e.within("referrals_per_year", 4140 * 1.14) is True
    assert e.within("referrals_per_year", 4140 * 0.84) is False
    assert e.within("turnover_rate", 0.159 + 0.029) is True  # 3 points, absolute
    assert e.within("turnover_rate", 0.159 - 0.031) is False
    assert e.within("caseload_mean", 17.9) is True  # 2 cases
    bare = Observed("referrals_per_year", 100.0, 5.0, "a test")
    assert bare.within(1e9) is None
    with pytest.raises(KeyError, match="drift_share"):
        e.within("drift_share", 0.1)


# -- an authority -------------------------------------------------------------------------
def test_an_authoritys_set_is_its_own_figures_with_its_own_spread():
    leeds = find("leeds")
    ts = ct.for_authority("leeds")
    published = targets_for(leeds.la_code)
    assert ts.kpis() == tuple(published)
    assert (ts.name, ts.la_code) == ("leeds", "E08000035")
    assert [t.value for t in ts.targets] == [float(t.value) for t in published.values()]
    # Leeds' own latest figures: the table's sd in the KPI's unit (a rate's % to a share).
    assert ts.get("referrals_per_year").sd == pytest.approx(leeds.sd("referrals"), rel=1e-3)
    assert ts.get("turnover_rate").sd == pytest.approx(leeds.sd("turnover_rate") / 100, 1e-3)
    # England's shares where Leeds has none, noted, their sd widened.
    share = ts.get("assessment_within_45wd")
    assert share.source.startswith("England's figure")
    assert share.sd == pytest.approx(2 * ct.england().get("assessment_within_45wd").sd)
    assert "assessment_within_45wd" in ts.note


def test_a_fallback_figure_widens_its_sd_and_says_so():
    london = find("city_of_london")
    # Plan starts from 2019 (suppressed since): six years out of date, sd x sqrt(7).
    assert london.figure("cpp_starts").year == 2019
    starts = ct.for_authority("city_of_london").get("cpp_starts_per_year")
    assert starts.sd == pytest.approx(london.sd("cpp_starts") * math.sqrt(7), rel=1e-3)
    assert "own_previous_year" in starts.source
    assert "widened" in starts.source
    # Kingston's workforce is a joint return: its region's rates, sd doubled.
    kingston = find("kingston_upon_thames")
    assert kingston.figure("turnover_rate").source == "region"
    turnover = ct.for_authority("kingston_upon_thames").get("turnover_rate")
    assert turnover.sd == pytest.approx(2 * kingston.sd("turnover_rate") / 100, rel=1e-3)
    assert "region" in turnover.source
    own = ct.for_authority("leeds").get("referrals_per_year")
    assert "widened" not in own.source


# -- resolve ------------------------------------------------------------------------------
def test_resolve_england_an_authority_and_a_file(tmp_path):
    assert ct.resolve("england") == ct.england()
    assert ct.resolve("leeds") == ct.resolve("E08000035") == ct.for_authority("Leeds")
    path = tmp_path / "mine.yaml"
    path.write_text(ct.dump(ct.england()))
    assert ct.resolve(str(path)).kpis() == ct.england().kpis()


def test_resolve_an_unknown_authority_keeps_finds_one_line():
    with pytest.raises(ConfigError) as err:
        ct.resolve("narnia")
    assert "\n" not in str(err.value)
    assert "python -m sim.authorities" in str(err.value)


# -- files --------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [ct.england, lambda: ct.for_authority("city_of_london")])
def test_dump_and_load_round_trip(tmp_path, make):
    ts = make()
    path = tmp_path / "targets.yaml"
    text = ct.dump(ts)
    assert text.startswith("#")
    path.write_text(text)
    assert ct.load(path) == ts


def test_a_synthetic_set_keeps_its_truth(tmp_path):
    ts = TargetSet(
        "synthetic",
        "",
        (Observed("referrals_per_year", 4000.0, 120.0, "simulated", 0.15, True),),
        truth={"need.detection_prob": 0.6, "workforce.turnover_base": 0.08},
        note="made from a known parameter set",
    )
    path = tmp_path / "synthetic.yaml"
    path.write_text(ct.dump(ts))
    assert ct.load(path) == ts


GOOD = "{kpi: referrals_per_year, value: 4140, sd: 150, source: FACTS.md}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list", "not a mapping of name"),
        ("name: x\n", "missing key 'targets'"),
        ("targets: []\n", "list of one or more"),
        ("nme: x\ntargets: [" + GOOD + "]\n", "unknown key 'nme'"),
        ("targets: [" + GOOD + ", 7]\n", "entry 2: not a mapping"),
        (
            "targets: [{kpi: referrals_per_yr, value: 1, sd: 1, source: s}]\n",
            "entry 1 (referrals_per_yr): unknown KPI 'referrals_per_yr'",
        ),
        (
            "targets: [{kpi: s47_per_year, value: 1, sd: 0, source: s}]\n",
            "entry 1 (s47_per_year): sd must be a number > 0, found 0",
        ),
        (
            "targets: [{kpi: s47_per_year, value: 1, sd: -2, source: s}]\n",
            "sd must be a number > 0",
        ),
        ("targets: [{kpi: s47_per_year, value: 1, source: s}]\n", "missing key 'sd'"),
        ("targets: [{kpi: s47_per_year, value: yes, sd: 1, source: s}]\n", "value must be"),
        ("targets: [" + GOOD + ", " + GOOD + "]\n", "referrals_per_year twice"),
        ("targets: [" + GOOD + "]\ntruth: [1, 2]\n", "truth must be a mapping"),
        ("targets: [" + GOOD + "\n", "not valid YAML"),
        ("authority: narnia\ntargets: [" + GOOD + "]\n", "authority: unknown authority 'narnia'"),
    ],
)
def test_a_bad_file_is_one_line_naming_the_file_and_the_entry(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TargetsError) as err:
        ct.load(path)
    assert isinstance(err.value, ConfigError)
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(TargetsError, match="cannot be read"):
        ct.resolve(str(tmp_path / "nowhere.yaml"))


def test_a_file_without_a_name_takes_its_stem(tmp_path):
    path = tmp_path / "my_authority.yaml"
    path.write_text("targets: [" + GOOD + "]\n")
    ts = ct.load(path)
    assert (ts.name, ts.la_code, ts.note, ts.truth) == ("my_authority", "", "", None)
    assert ts.get("referrals_per_year") == Observed("referrals_per_year", 4140, 150, "FACTS.md")
    path.write_text("authority: leeds\ntargets: [" + GOOD + "]\n")
    assert ct.load(path).la_code == "E08000035"
