"""Every authority of the packaged table as an option of the ``authority`` config group.

``python -m sim authority=leeds`` runs Leeds: :func:`authority_node` turns the authority's
row of ``sim/data/authorities.csv`` into a configuration node that sets its size (demand,
posts, starting stocks, front door and conference capacity), its branching shares and its
workforce rates, and records in ``authority.derived`` where each value came from (the
table's figures with their years and fallback sources), so a run's config.yaml says it.

The rule (docs/authorities.md, "How an authority sets the parameters"): a size is the
default of the average authority scaled by the authority's figure against England's per
authority; a parameter calibrated to a national ratio (section 47s per referral, ICPCs per
section 47, ...) is its default times the authority's ratio over England's ratio (first
order), clipped to its allowed range, with measured second-order corrections
(:data:`SECOND_ORDER`) on the routes into a section 47; plan length and CiN plan length
are read off measured curves (:data:`PLAN_LENGTH_CURVE`, :data:`CIN_LENGTH_CURVE`); posts
are those that hold the authority's cases at its published caseload (:func:`_posts`); a
published rate with no calibration (sickness absence) is taken as it is. A parameter with
no local figure keeps its national default.
The reference figures are those the defaults are calibrated to (:data:`ENGLAND`), so an
authority whose figures equal them gets the defaults back.

Contains public sector information licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import numpy as np
from scipy.optimize import brentq

from sim.authorities import FIGURES, Authority, authorities
from sim.config import DECISIONS, Config
from sim.workforce import steady_turnover

ENGLAND: Final[Mapping[str, float]] = {
    "referrals": 632_830,
    "rereferral_rate": 22.6,
    "s47s": 230_590,
    "icpcs": 72_100,
    "cpp_starts": 61_840,
    "cpp_at_31_march": 49_420,
    "cin_at_31_march": 402_400,
    "social_workers_fte": 21_105.4,
    "turnover_rate": 15.9,
    "vacancy_rate": 18.9,
    "agency_rate": 17.8,
}
"""England's figures the national defaults are calibrated to: the flows of FACTS.md CIN25
(year to 31 March 2025, the table's year), the workforce rates of FACTS.md CSWW23 (the
calibration targets of turnover_base, recruitment_mean_days and agency_cover_prob), and
England's case-holding FTE at 30 September 2025 (data/dfe csww, 21,105.4; 21,111 in 2023)."""

ENGLAND_CASELOAD: Final = 16.0
"""England's cases per case-holding FTE (FACTS.md CSWW23), the national defaults' target."""

N_AUTHORITIES: Final = 153
"""England's authorities (FACTS.md CIN25): the average authority is England / 153."""

DEFAULTS: Final = Config()
"""The national defaults (the average authority)."""

POSTS_PER_FTE: Final = DEFAULTS.authority.social_workers / (
    ENGLAND["social_workers_fte"] / N_AUTHORITIES
)
"""The average authority's 118 posts over England's case-holding FTE per authority
(21,105.4 / 153 = 137.9): 0.855. The model's posts hold the cases it covers (children in
need and on plans, not looked-after children), so an authority's posts are its
case-holding FTE times this factor."""

TURNOVER_CASELOAD_ELASTICITY: Final = 1.08
"""How realised turnover follows the caseload workers carry, measured on the national run
at the default run length (2026-12-01, two replications, before the in-post rule):
log(simulated / published turnover) on log(simulated caseload / 16.0) over the
authorities with workforce figures had slope 1.08 (R-squared 0.70). Overload raises the
leaving hazard (``workforce.turnover_pressure_effect``), so a published turnover already
holds the authority's pressure: its hazard without overload (``turnover_base``) is the
published rate over that uplift, taken as (caseload / 16.0) ^ 1.08 relative to the
default's (:func:`_turnover_base`). experiments/turnover_pressure.py measures it on a
national run's folder; with the in-post rule and the agency places (2 replications,
2026-12-01) the slope left was +0.25 with R-squared 0.04, so it is kept (docs/authorities.md,
"Why the workforce rates miss")."""

FIGURE_FILES: Final = {f.name: f.file for f in FIGURES}


def _fig(a: Authority, name: str) -> float:
    return a.figure(name).value


def _cite(a: Authority, *names: str) -> str:
    """``cpp_starts 354 (2025, own, d3)``, for each figure named."""
    parts = []
    for name in names:
        fig = a.figure(name)
        value = f"{fig.value:,.1f}" if fig.value != int(fig.value) else f"{fig.value:,.0f}"
        parts.append(f"{name} {value} ({fig.year}, {fig.source}, {FIGURE_FILES[name]})")
    return "; ".join(parts)


def _clip(x: float, low: float, high: float) -> float:
    return min(high, max(low, x))


def _round(x: float) -> float:
    """Four significant digits: more than any figure it comes from has."""
    return float(f"{x:.4g}")


@dataclass(frozen=True)
class Setting:
    """One parameter an authority sets: its key, value and where the value came from."""

    key: str
    value: Any
    derived: str


def _ratio_setting(
    a: Authority,
    key: str,
    num: str,
    den: str,
    high: float = 1.0,
    second_order: tuple[float, str] | None = None,
) -> Setting | None:
    """A parameter calibrated to England's ``num / den``, times the authority's ratio over it.

    ``second_order``: a further factor and its words (:func:`_s47_second_order`). None
    when the authority's ratio is undefined (a zero count): the default stays.
    """
    if _fig(a, den) <= 0 or _fig(a, num) <= 0:
        return None
    default = _default(key)
    england = ENGLAND[num] / ENGLAND[den]
    k = (_fig(a, num) / _fig(a, den)) / england
    factor, factor_text = second_order or (1.0, "")
    raw = default * k * factor
    value = _round(_clip(raw, 0.0, high))
    text = f"{default:g} x [({num} / {den}) / England's {england:.4g}]{factor_text}"
    if value != _round(raw):
        text += f", clipped to {value:g}"
    return Setting(key, value, f"{text}; {_cite(a, num, den)}")


def _default(key: str) -> Any:
    group, _, name = key.partition(".")
    return getattr(getattr(DEFAULTS, group), name)


def _size(a: Authority, key: str, figure: str, whole: bool, least: float = 0.0) -> Setting:
    """The average authority's ``key`` scaled by ``figure`` against England's / 153."""
    default = _default(key)
    per_authority = ENGLAND[figure] / N_AUTHORITIES
    raw = default * _fig(a, figure) / per_authority
    value: float = max(least, round(raw)) if whole else max(least, round(raw, 2))
    text = f"{default:g} x {figure} / England's {per_authority:,.1f} per authority"
    return Setting(key, int(value) if whole else value, f"{text}; {_cite(a, figure)}")


HELD: Final[Mapping[str, float]] = {"held": 2047, "cin": 1205, "cpp": 348, "other": 494}
"""The average authority's open cases held by its workers in the default run (caseload x
workers in post, 17.8 x 115.1 of 118 posts), the children on CiN plans and on protection
plans among them, and the rest (assessments and enquiries under way): six replications
(experiments/cin_length_curve.py, 2026-12-01)."""


HELD_SECOND_ORDER: Final[Mapping[str, float]] = {"cin_beyond_curve": -0.415, "caseload": 0.268}
"""How far the cases an authority's workers hold run from :func:`_posts`'s first-order
count, measured on the national run at the default run length (2026-12-01, two
replications, the 151 authorities with a caseload and plans): log(simulated / counted cases
held) was -0.012 - 0.415 x log(CiN multiple / the multiple the CiN curve reaches) + 0.268
x log(published caseload / 16.0), R-squared 0.50. An authority whose CiN multiple is
beyond the curve's low end keeps more children on CiN plans than the curve gives, and one
whose workers carry more cases keeps them open longer (drift: reviews and closures wait).
Without it, 23 of them ran caseloads more than 15% above their published figure, and
their turnover with them (docs/authorities.md, "Why the workforce rates miss"); with it,
15. An authority with England's figures is unchanged."""


def _posts(a: Authority) -> Setting:
    """The posts that hold the authority's cases at its published caseload.

    The model's posts hold children on CiN plans, on protection plans and under
    assessment or enquiry: the average authority's :data:`HELD`, the first scaled by the
    authority's referrals and its CiN multiple (:func:`_cin_multiple`, as far as the CiN
    curve reaches), the second by its children on a plan, the third by its referrals,
    all times the measured second-order factor (:data:`HELD_SECOND_ORDER`: CiN multiples
    beyond the curve, and the drift of a high caseload). Its posts are the default's 118
    x those cases / the default's x England's caseload (16.0) / the authority's.
    Case-holding FTE is not used for this: the published
    caseload and FTE count looked-after children, whom the model does not have, and
    their share of an authority's work varies, so FTE x 0.8554 (the cases the model covers
    at England's share) over- or under-staffs an authority whose share differs (with FTE,
    simulated caseloads ran 10.4-24.5 from the 10th to the 90th percentile against
    12.4-18.1 published, and followed FTE per referral). With no caseload, the FTE rule.
    The caseload is per worker in post, so an authority with more posts unfilled than
    England gets more posts for the same workers (:func:`_in_post`).
    """
    d = DEFAULTS.authority
    fte_posts = max(1, round(_fig(a, "social_workers_fte") * POSTS_PER_FTE))
    fte_text = (
        f"social_workers_fte x {POSTS_PER_FTE:.4f} (118 / England's case-holding FTE per "
        f"authority {ENGLAND['social_workers_fte'] / N_AUTHORITIES:.1f})"
    )
    caseload = _fig(a, "caseload")
    if caseload <= 0:
        return Setting(
            "authority.social_workers",
            fte_posts,
            f"{fte_text}, at least 1 (no caseload); {_cite(a, 'social_workers_fte')}",
        )
    by_referrals = _fig(a, "referrals") / d.referrals_per_year
    multiple = _cin_multiple(a)
    carried = 1.0 if multiple is None else _on_cin_curve(multiple[0])[1]
    cpp = _fig(a, "cpp_at_31_march") / (ENGLAND["cpp_at_31_march"] / N_AUTHORITIES)
    counted = (
        HELD["cin"] * by_referrals * carried + HELD["cpp"] * cpp + HELD["other"] * by_referrals
    )
    beyond = 1.0 if multiple is None else multiple[0] / carried
    second = (
        beyond ** HELD_SECOND_ORDER["cin_beyond_curve"]
        * (caseload / ENGLAND_CASELOAD) ** HELD_SECOND_ORDER["caseload"]
    )
    held = counted * second
    in_post = _in_post(a)
    staffed = 1.0 if in_post is None else _in_post_england() / in_post
    posts = max(
        1,
        round(d.social_workers * held / HELD["held"] * ENGLAND_CASELOAD / caseload * staffed),
    )
    return Setting(
        "authority.social_workers",
        posts,
        f"{d.social_workers} x cases held / the default's {HELD['held']:g} x England's caseload "
        f"{ENGLAND_CASELOAD:g} / caseload, at least 1; cases held {held:,.0f} = "
        f"[{HELD['cin']:g} on CiN plans x referrals / {d.referrals_per_year:g} x the CiN "
        f"multiple {carried:.3g} + {HELD['cpp']:g} on a plan x cpp_at_31_march / England's "
        f"{ENGLAND['cpp_at_31_march'] / N_AUTHORITIES:,.1f} + {HELD['other']:g} other x "
        f"referrals / {d.referrals_per_year:g}] x {second:.4f} (HELD_SECOND_ORDER: the CiN "
        f"multiple beyond the curve {beyond:.3g} ^ {HELD_SECOND_ORDER['cin_beyond_curve']:g} x "
        f"(caseload / {ENGLAND_CASELOAD:g}) ^ {HELD_SECOND_ORDER['caseload']:g}); x England's "
        f"workers in post per post "
        f"{_in_post_england():.4f} / the authority's {in_post or _in_post_england():.4f} "
        f"((1 - vacancy_rate) / (1 - agency_rate), from 0.5 to 1.5: the caseload is per "
        f"worker in post) (by {fte_text}: {fte_posts}); "
        + _cite(
            a,
            "caseload",
            "referrals",
            "cpp_at_31_march",
            "cin_at_31_march",
            "vacancy_rate",
            "agency_rate",
        ),
    )


def _in_post(a: Authority) -> float | None:
    """Workers in post (permanent and agency) per post, from the published rates.

    A share v of posts is vacant; agency workers are a share g of the workers in post, so
    in post are (1 - v) / (1 - g) of the posts (above 1 where there are more agency
    workers than vacancies: the extra ones, :func:`_agency_extra`), from 0.5 to 1.5. None
    when a rate is 100% or missing.
    """
    v, g = _fig(a, "vacancy_rate") / 100.0, _fig(a, "agency_rate") / 100.0
    if not (0.0 <= v < 1.0 and 0.0 <= g < 1.0):
        return None
    return _clip((1.0 - v) / (1.0 - g), 0.5, 1.5)


def _in_post_england() -> float:
    """England's workers in post per post: (1 - 18.9%) / (1 - 17.8%) = 0.987."""
    return (1.0 - ENGLAND["vacancy_rate"] / 100.0) / (1.0 - ENGLAND["agency_rate"] / 100.0)


def _initial_cin(a: Authority) -> Setting:
    """Children on a CiN plan on day 0, near the stock its CiN plans settle at.

    The default's at the authority's referrals and CiN multiple (as far as the CiN curve
    reaches).
    """
    d = DEFAULTS.authority
    by_referrals = _fig(a, "referrals") / d.referrals_per_year
    multiple = _cin_multiple(a)
    carried = 1.0 if multiple is None else _on_cin_curve(multiple[0])[1]
    return Setting(
        "authority.initial_cin_children",
        round(d.initial_cin_children * by_referrals * carried),
        f"{d.initial_cin_children} x referrals / {d.referrals_per_year:g} x the CiN multiple "
        f"{carried:.3g}; " + _cite(a, "referrals", "cin_at_31_march", "cpp_at_31_march"),
    )


def _demand(a: Authority) -> list[Setting]:
    """Demand, posts, starting stocks and the capacity of the front door and conferences."""
    r = _fig(a, "referrals")
    by_referrals = r / DEFAULTS.authority.referrals_per_year
    by_s47s = _fig(a, "s47s") / (ENGLAND["s47s"] / N_AUTHORITIES)
    referral_text = (
        f"x referrals / the average authority's {DEFAULTS.authority.referrals_per_year:g}"
    )
    cite = _cite(a, "referrals")
    d = DEFAULTS.authority
    return [
        Setting("authority.referrals_per_year", r, f"referrals; {cite}"),
        _posts(a),
        _size(a, "authority.initial_cpp_children", "cpp_at_31_march", True),
        _initial_cin(a),
        Setting(
            "authority.mash_decisions_per_day",
            max(1.0, round(d.mash_decisions_per_day * by_referrals, 2)),
            f"{d.mash_decisions_per_day:g} {referral_text}, at least 1; {cite}",
        ),
        Setting(
            "authority.mash_staff",
            max(1, round(d.mash_staff * by_referrals)),
            f"{d.mash_staff} {referral_text}, at least 1; {cite}",
        ),
        Setting(
            "authority.conference_slots_per_day",
            max(1, round(d.conference_slots_per_day * max(by_referrals, by_s47s))),
            f"{d.conference_slots_per_day} x the larger of referrals / "
            f"{d.referrals_per_year:g} and s47s / England's {ENGLAND['s47s'] / N_AUTHORITIES:,.1f} "
            f"per authority (bookings follow section 47s), at least 1; "
            + _cite(a, "referrals", "s47s"),
        ),
    ]


PLAN_LENGTH_CURVE: Final[tuple[tuple[float, float], ...]] = (
    (-1.0, 0.487),  # children on a plan 241 / plans started a year 493
    (-0.75, 0.511),  # 246 / 481
    (-0.5, 0.552),  # 258 / 468
    (-0.25, 0.646),  # 286 / 443
    (0.0, 0.822),  # 348 / 424: the default
    (0.25, 1.006),  # 413 / 411
    (0.5, 1.205),  # 476 / 395
    (0.75, 1.442),  # 568 / 394
    (1.0, 1.700),  # 639 / 376
)
"""The average authority's mean time on a plan (children on a plan / plans started a year,
years) at each ``policy.end_plan_need_margin``: experiments/plan_length_curve.py, five
replications of the default run each (2026-12-01, the margin applying to review
conferences only). Plans end at a review once the need the conference sees is below the
high-need threshold less the margin, so the margin is the lever for plan length; the review end probabilities barely move it (their odds x 0.25 to
x 4 gave 0.93 to 0.77 years), which is why an earlier rule that scaled them left long-plan
authorities with plans too short and short-plan ones with plans too long."""


def _plan_length(a: Authority) -> Setting | None:
    """The margin whose plans last the authority's stock / starts, relative to England's.

    Little's law: children on a plan over plans started a year is the mean time on a plan.
    The authority's is taken relative to England's (so the average authority keeps the
    default, 0) and found on :data:`PLAN_LENGTH_CURVE` by linear interpolation, clipped to
    the curve's ends. None when a count is zero: the default stays.
    """
    stock, starts = _fig(a, "cpp_at_31_march"), _fig(a, "cpp_starts")
    if stock <= 0 or starts <= 0:
        return None
    england = ENGLAND["cpp_at_31_march"] / ENGLAND["cpp_starts"]
    k = (stock / starts) / england
    margins, years = zip(*PLAN_LENGTH_CURVE, strict=True)
    default_years = float(np.interp(0.0, margins, years))
    multiple = _cin_multiple(a)
    cin = 1.0 if multiple is None else multiple[0] ** SECOND_ORDER["plan_cin"]
    target = default_years * k * cin
    margin = _round(float(np.interp(target, years, margins)))
    text = (
        f"the margin whose plans last {default_years:.3f} x {k:.4g} x {cin:.4g} = {target:.3f} "
        f"years (PLAN_LENGTH_CURVE: the default's years x [(cpp_at_31_march / cpp_starts) / "
        f"England's {england:.4g}] x the CiN multiple ^ {SECOND_ORDER['plan_cin']:g}, "
        "SECOND_ORDER)"
    )
    if not years[0] <= target <= years[-1]:
        text += f", clipped to the curve's end {margin:g}"
    return Setting(
        "policy.end_plan_need_margin",
        margin,
        f"{text}; {_cite(a, 'cpp_at_31_march', 'cpp_starts')}",
    )


CIN_LENGTH_CURVE: Final[tuple[tuple[float, float], ...]] = (
    (0.2, 2.018),  # 2,421 on a CiN plan
    (0.3, 1.719),  # 2,062
    (0.45, 1.427),  # 1,712
    (0.7, 1.162),  # 1,394
    (1.0, 1.000),  # 1,199: the default
    (1.4, 0.879),  # 1,055
    (2.0, 0.782),  # 938
    (3.0, 0.701),  # 841
    (5.0, 0.637),  # 764
)
"""The average authority's children on a CiN plan relative to the default's (1,199) with
the odds of ``pathway.cin_review_close_prob`` times each scale:
experiments/cin_length_curve.py, five replications of the default run each (2026-12-01).
A CiN review closes the case only once need is not seen to be high, so the stock falls
less than in proportion as the odds rise."""


def scale_odds(p: float, scale: float) -> float:
    """``p`` with its odds times ``scale``."""
    odds = p / (1.0 - p) * scale
    return odds / (1.0 + odds)


def _cin_multiple(a: Authority) -> tuple[float, str] | None:
    """How many times the average authority's CiN stock, at its referrals, it carries.

    [(cin_at_31_march - cpp_at_31_march) / referrals] over England's, and the words of
    that derivation. None when a count is zero or the difference is not positive.
    """
    cin, cpp, referrals = (_fig(a, n) for n in ("cin_at_31_march", "cpp_at_31_march", "referrals"))
    if referrals <= 0 or cin - cpp <= 0:
        return None
    england = (ENGLAND["cin_at_31_march"] - ENGLAND["cpp_at_31_march"]) / ENGLAND["referrals"]
    k = ((cin - cpp) / referrals) / england
    text = f"[(cin_at_31_march - cpp_at_31_march) / referrals] / England's {england:.4g}"
    return k, text


def _on_cin_curve(k: float) -> tuple[float, float]:
    """The odds scale at which the average authority carries ``k`` times its CiN stock.

    And the multiple it then carries: ``k`` clipped to :data:`CIN_LENGTH_CURVE`'s ends.
    """
    scales, stocks = zip(*reversed(CIN_LENGTH_CURVE), strict=True)  # stock rising
    carried = float(np.clip(k, stocks[0], stocks[-1]))
    return float(np.exp(np.interp(carried, stocks, np.log(scales)))), carried


def _cin_length(a: Authority) -> Setting | None:
    """The CiN review's close probability whose CiN plans last as long as the authority's.

    Children in need at 31 March less those on a plan, per referral, is how many children
    on CiN plans (and looked after: no local figure) the authority carries for each child
    referred; relative to England's (:func:`_cin_multiple`) it is how much longer than
    England's its CiN plans last. The odds scale that gives the average authority that
    much more CiN stock is read off :data:`CIN_LENGTH_CURVE` (linear in the log of the
    scale), clipped to the curve's ends. None when a count is zero.
    """
    multiple = _cin_multiple(a)
    if multiple is None:
        return None
    k, ratio = multiple
    scale, carried = _on_cin_curve(k)
    default = DEFAULTS.pathway.cin_review_close_prob
    text = (
        f"{default:g} with its odds x {scale:.3g}, the scale at which the average authority "
        f"carries {k:.3g} times its CiN stock (CIN_LENGTH_CURVE: {ratio})"
    )
    if carried != k:
        text += f", clipped to the curve's end {carried:.3g}"
    return Setting(
        "pathway.cin_review_close_prob",
        _round(scale_odds(default, scale)),
        f"{text}; {_cite(a, 'cin_at_31_march', 'cpp_at_31_march', 'referrals')}",
    )


SECOND_ORDER: Final[Mapping[str, float]] = {"s47_cin": 0.261, "s47_ratio": 0.291, "plan_cin": 0.198}
"""Second-order corrections of the first-order ratio rules, measured on national runs at
the default run length (two replications each, 2026-12-01, with the CiN and caseload
rules). Without them, regressed over the 151 authorities with plans, log(simulated /
published section 47s) was -0.179 x log(CiN multiple) - 0.218 x log(section 47s per
referral over England's) (R-squared 0.66) and log(simulated / published children on a
plan) -0.362 and -0.200 (0.57): an authority carrying many children in need per referral
makes fewer enquiries than its ratio gives (its children stay open rather than being
referred again), and one with many enquiries per referral falls short of it (each route
into a section 47 is one of several outcomes of its decision). So the three routes into
a section 47 are scaled by CiN multiple ^ s47_cin x ratio ^ s47_ratio, and the
plan-length target by CiN multiple ^ plan_cin. A first run with the measured values
(0.179, 0.218, 0.183) left -0.082, -0.073 and -0.015 more; these values add them (a
second run left at most 0.033, R-squared 0.04). An authority with England's figures is
unchanged. experiments/second_order.py measures what is left from a national run's
folder."""


def _s47_second_order(a: Authority) -> tuple[float, str] | None:
    """The factor on the routes into a section 47 (:data:`SECOND_ORDER`), and its words."""
    multiple = _cin_multiple(a)
    if multiple is None or _fig(a, "referrals") <= 0 or _fig(a, "s47s") <= 0:
        return None
    ratio = (_fig(a, "s47s") / _fig(a, "referrals")) / (ENGLAND["s47s"] / ENGLAND["referrals"])
    cin, r = SECOND_ORDER["s47_cin"], SECOND_ORDER["s47_ratio"]
    factor = multiple[0] ** cin * ratio**r
    return (
        factor,
        f" x CiN multiple {multiple[0]:.3g} ^ {cin:g} x that ratio ^ {r:g} (SECOND_ORDER)",
    )


def _branching(a: Authority) -> list[Setting]:
    """The pathway's shares calibrated to national ratios, by the authority's ratios."""
    p = DEFAULTS.pathway
    s47 = _s47_second_order(a)
    settings = [
        _ratio_setting(a, "pathway.front_door_strategy_prob", "s47s", "referrals", 1.0, s47),
        _ratio_setting(
            a,
            "pathway.assessment_strategy_prob",
            "s47s",
            "referrals",
            high=1.0 - p.assessment_not_in_need_prob - p.assessment_cin_prob,
            second_order=s47,
        ),
        _ratio_setting(a, "need.escalation_prob", "s47s", "referrals", 1.0, s47),
        _ratio_setting(a, "pathway.s47_icpc_prob", "icpcs", "s47s"),
        _ratio_setting(a, "pathway.icpc_cpp_prob", "cpp_starts", "icpcs"),
        _plan_length(a),
        _cin_length(a),
    ]
    rate = _fig(a, "rereferral_rate")
    k = rate / ENGLAND["rereferral_rate"]
    n = DEFAULTS.need
    share = DEFAULTS.authority.first_referral_share
    cite = _cite(a, "rereferral_rate")
    england = f"England's {ENGLAND['rereferral_rate']:g}%"
    settings += [
        Setting(
            "need.rereferral_prob",
            _round(_clip(n.rereferral_prob * k, 0.0, 1.0)),
            f"{n.rereferral_prob:g} x rereferral_rate / {england}, at most 1; {cite}",
        ),
        Setting(
            "authority.first_referral_share",
            _round(_clip(1.0 - (1.0 - share) * k, 0.05, 1.0)),
            f"1 - (1 - {share:g}) x rereferral_rate / {england} (re-referrals the model makes "
            f"itself follow need.rereferral_prob), from 0.05 to 1; {cite}",
        ),
    ]
    return [s for s in settings if s is not None]


def _fit_decisions(settings: list[Setting]) -> list[Setting]:
    """Lower a decision's other outcomes where a derived share leaves them less than 1.

    The outcome probabilities of a decision sum to at most 1 (config.DECISIONS); where an
    authority's share (``icpc_cpp_prob`` up to 1, say) leaves less, the outcomes it does
    not set give way, the last first.
    """
    values = {s.key: s.value for s in settings}
    extra = []
    for names in DECISIONS.values():
        keys = [f"pathway.{n}" for n in names]
        current = {k: values.get(k, _default(k)) for k in keys}
        excess = sum(current.values()) - 1.0
        for key in reversed(keys):
            if excess <= 1e-12 or key in values:
                continue
            cut = min(current[key], excess)
            set_by = ", ".join(k for k in keys if k in values)
            new = _round(current[key] - cut)
            extra.append(
                Setting(
                    key,
                    new,
                    f"{_default(key):g} lowered to {new:g} so that the "
                    f"decision's outcomes sum to at most 1 with {set_by}",
                )
            )
            excess -= cut
    return settings + extra


def _pressure_uplift(a: Authority) -> float:
    """The authority's overload uplift of the leaving hazard relative to the default's.

    (caseload / 16.0) ^ :data:`TURNOVER_CASELOAD_ELASTICITY`, from 0.5 to 2 (1 with no
    caseload).
    """
    caseload = _fig(a, "caseload")
    if caseload <= 0:
        return 1.0
    return _clip((caseload / ENGLAND_CASELOAD) ** TURNOVER_CASELOAD_ELASTICITY, 0.5, 2.0)


def _turnover_base(a: Authority) -> Setting:
    """The leaving hazard without overload that gives the published turnover.

    The authority's staff leave at :func:`steady_turnover` of their hazard, which rises
    faster than the hazard (a higher hazard keeps more staff in their early years, when
    they leave faster), so the hazard is not the default's times turnover_rate / England's:
    it is the one whose steady turnover is the default's times that ratio, at the
    default's pressure (``day0_pressure_uplift``) times the authority's
    (:func:`_pressure_uplift`), over both pressures.
    """
    w = DEFAULTS.workforce
    t, te = _fig(a, "turnover_rate"), ENGLAND["turnover_rate"]
    uplift = _pressure_uplift(a)
    pressure = w.day0_pressure_uplift * uplift
    hazard = _hazard_for_turnover(_steady(w.turnover_base * w.day0_pressure_uplift) * t / te)
    linear = w.turnover_base * t / te / uplift
    against = (
        f"{hazard / pressure / linear:.3f} x the linear {linear:.4f}" if linear else "no leavers"
    )
    return Setting(
        "workforce.turnover_base",
        _round(_clip(hazard / pressure, 0.0, 5.0)),
        f"the hazard whose steady turnover (early leavers x{w.early_leaving_factor:g} for "
        f"{w.early_leaving_years:g} years) is the default's x turnover_rate / England's "
        f"{te:g}% (CSWW23, the rate it is calibrated to), over the default's pressure "
        f"{w.day0_pressure_uplift:g} x the authority's uplift {uplift:.4f} = (caseload / "
        f"{ENGLAND_CASELOAD:g}) ^ {TURNOVER_CASELOAD_ELASTICITY:g} (the published rate holds "
        f"the authority's overload), from 0.5 to 2; {against}; {_cite(a, 'turnover_rate', 'caseload')}",
    )


def _steady(hazard: float) -> float:
    """Steady turnover at ``hazard`` with the default's early leaving."""
    w = DEFAULTS.workforce
    return steady_turnover(hazard, w.early_leaving_factor, w.early_leaving_years)


def _hazard_for_turnover(turnover: float) -> float:
    """The hazard whose steady turnover (:func:`_steady`) is ``turnover`` (0 for 0)."""
    if turnover <= 0.0:
        return 0.0
    # The steady turnover lies between the hazard and early_leaving_factor times it.
    high = turnover / min(1.0, DEFAULTS.workforce.early_leaving_factor)
    return float(brentq(lambda h: _steady(h) - turnover, 0.0, high, xtol=1e-12))


def _day0_uplift(a: Authority) -> Setting:
    """Day 0's leaving hazard over ``turnover_base``: the default's x the authority's uplift.

    ``turnover_base`` takes the authority's pressure out of its published turnover
    (:func:`_turnover_base`), so day 0 puts it back: the day-0 vacancies and times in post
    are then drawn for the published turnover, and a post slow to fill does not spend the
    warm-up relaxing from England's vacancy rate.
    """
    w = DEFAULTS.workforce
    uplift = _pressure_uplift(a)
    return Setting(
        "workforce.day0_pressure_uplift",
        _round(w.day0_pressure_uplift * uplift),
        f"{w.day0_pressure_uplift:g} (the default's) x the pressure uplift {uplift:.4f} = "
        f"(caseload / {ENGLAND_CASELOAD:g}) ^ {TURNOVER_CASELOAD_ELASTICITY:g}, from 0.5 to 2 "
        f"(the rate turnover_base was divided by); {_cite(a, 'caseload')}",
    )


def _fill_days(a: Authority) -> float:
    """Mean days to fill a post that give the published vacancy at the published turnover.

    A steady post is vacant v / (1 - v) as long as it is filled, 1 / t years: the default's
    ``recruitment_mean_days`` x [v / (100 - v) / t] / England's, from 1 to 3,650 days.
    """
    t, v = _fig(a, "turnover_rate"), _fig(a, "vacancy_rate")
    if v >= 100 or (t <= 0 < v):
        return 3650.0
    fill = DEFAULTS.workforce.recruitment_mean_days * (v / (100 - v) / t if t > 0 else 0.0)
    return _clip(fill / _england_fill(), 1.0, 3650.0)


def _england_fill() -> float:
    """England's v / (100 - v) / t (CSWW23): 0.01467."""
    ve, te = ENGLAND["vacancy_rate"], ENGLAND["turnover_rate"]
    return ve / (100 - ve) / te


def _covered(v: float, g: float, fill_days: float) -> float:
    """The chance a vacancy is covered that gives agency share g at vacancy v.

    Agency workers are g of the workers in post, so they cover g (1 - v) / (v (1 - g)) of
    the vacant posts; an agency worker starts after ``agency_start_mean_days`` on average,
    so of a vacancy lasting ``fill_days`` on average a share fill / (fill + start) is
    covered (both exponential).
    """
    start = DEFAULTS.workforce.agency_start_mean_days
    return g * (1 - v) / (v * (1 - g)) * (fill_days + start) / fill_days


AGENCY_COVER_SHARE: Final = 0.801
"""England's agency social workers covering vacancies (FACTS.md CSWW23: 80.1%); the rest,
19.9%, work beyond the posts (``workforce.agency_extra_per_post``). No authority publishes
its own split, so each is taken at England's."""


def _cover_needed(a: Authority, fill_days: float) -> float | None:
    """The chance of agency cover that gives the authority's covering agency workers.

    The default's ``agency_cover_prob`` x the cover that gives the published share at the
    published vacancy (:func:`_covered`) over England's; above 1 where the authority's
    covering agency workers outnumber what its vacancies can hold. None where the vacancy
    rate is 0 or 100% or the agency rate 100%.
    """
    v, g = _fig(a, "vacancy_rate") / 100.0, _fig(a, "agency_rate") / 100.0
    if not (0.0 < v < 1.0 and 0.0 <= g < 1.0):
        return None
    return DEFAULTS.workforce.agency_cover_prob * _covered(v, g, fill_days) / _england_cover()


def _england_cover() -> float:
    """:func:`_covered` at England's rates and the default's time to fill (0.9526)."""
    ve, ge = ENGLAND["vacancy_rate"] / 100.0, ENGLAND["agency_rate"] / 100.0
    return _covered(ve, ge, DEFAULTS.workforce.recruitment_mean_days)


def _agency_extra(a: Authority, posts: int, fill_days: float) -> list[Setting]:
    """Agency workers beyond the posts: England's share of them, and those no vacancy holds.

    The published agency workers number g (1 - v) / (1 - g) of the posts; 19.9% of them
    (England's, :data:`AGENCY_COVER_SHARE`) are extra places per post
    (``agency_extra_per_post``), and of the 80.1% who cover vacancies, the part a cover of
    1 cannot hold (1 - 1 / the cover needed, where it is above 1; all of them where no post
    is vacant) are more places (``agency_extra_workers``). Nothing where a rate is 100%.
    """
    v, g = _fig(a, "vacancy_rate") / 100.0, _fig(a, "agency_rate") / 100.0
    if not (0.0 <= v < 1.0 and 0.0 <= g < 1.0):
        return []
    per_post = g * (1.0 - v) / (1.0 - g)
    rates = f"(g = agency_rate, v = vacancy_rate); {_cite(a, 'agency_rate', 'vacancy_rate')}"
    settings = [
        Setting(
            "workforce.agency_extra_per_post",
            _round((1.0 - AGENCY_COVER_SHARE) * per_post),
            f"{1 - AGENCY_COVER_SHARE:.3f} (England's agency workers beyond the vacancies, "
            f"CSWW23) x agency workers per post g (1 - v) / (1 - g) = {per_post:.4f} {rates}",
        )
    ]
    needed = _cover_needed(a, fill_days)
    if needed is None:  # no post vacant: every agency worker is beyond the posts
        spill = 1.0
    else:
        spill = max(0.0, 1.0 - 1.0 / needed) if needed > 0 else 0.0
    more = round(posts * per_post * AGENCY_COVER_SHARE * spill)
    if more > 0:
        settings.append(
            Setting(
                "workforce.agency_extra_workers",
                more,
                f"posts {posts} x agency workers per post {per_post:.4f} x "
                f"{AGENCY_COVER_SHARE:.3f} covering x {spill:.4f} that no vacancy holds (1 - 1 / "
                f"the cover needed, where above 1; 1 where no post is vacant) {rates}",
            )
        )
    return settings


def _workforce(a: Authority) -> list[Setting]:
    """Turnover, vacancy and agency rates by the parameters calibrated to them; absence."""
    w = DEFAULTS.workforce
    fill = _fill_days(a)
    settings = [
        _turnover_base(a),
        _day0_uplift(a),
        Setting(
            "workforce.recruitment_mean_days",
            _round(fill),
            f"{w.recruitment_mean_days:g} x [v / (100 - v) / turnover] / England's "
            f"{_england_fill():.5f} (v = vacancy_rate; a steady post is vacant v / (100 - v) "
            f"as long as filled), from 1 to 3,650 days; "
            f"{_cite(a, 'vacancy_rate', 'turnover_rate')}",
        ),
    ]
    needed = _cover_needed(a, fill)
    if needed is not None:
        settings.append(
            Setting(
                "workforce.agency_cover_prob",
                _round(_clip(needed, 0.0, 1.0)),
                f"{w.agency_cover_prob:g} x the cover that gives agency_rate at vacancy_rate "
                f"[g (1 - v) / (v (1 - g)) x (fill + {w.agency_start_mean_days:g} days to "
                f"start) / fill] / England's {_england_cover():.4f} (CSWW23), at most 1 (the covering "
                f"agency workers beyond it are extra places); "
                f"{_cite(a, 'agency_rate', 'vacancy_rate')}",
            )
        )
    settings += _agency_extra(a, int(_posts(a).value), fill)
    settings.append(
        Setting(
            "workforce.sickness_absence",
            _round(_fig(a, "absence_rate") / 100.0),
            f"absence_rate as published; {_cite(a, 'absence_rate')}",
        )
    )
    return settings


SETTERS: Final[tuple[Callable[[Authority], list[Setting]], ...]] = (_demand, _branching, _workforce)


def authority_settings(a: Authority) -> list[Setting]:
    """Every parameter the authority sets from its row, with where each came from."""
    return _fit_decisions([s for setter in SETTERS for s in setter(a)])


def authority_node(a: Authority) -> dict[str, Any]:
    """The configuration node of option ``authority=<a.key>`` (package ``_global_``)."""
    node: dict[str, Any] = {
        "authority": {"name": a.key, "la_code": a.la_code, "la_name": a.la_name, "derived": {}}
    }
    for s in authority_settings(a):
        group, _, name = s.key.partition(".")
        node.setdefault(group, {})[name] = s.value
        node["authority"]["derived"][s.key] = s.derived
    return node


@cache
def authority_nodes() -> dict[str, dict[str, Any]]:
    """One node per authority of the packaged table, by key (for config.register_configs)."""
    return {a.key: authority_node(a) for a in authorities()}
