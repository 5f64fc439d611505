"""Property-based tests of the configuration's ranges (hypothesis).

Covers: every configuration inside the allowed ranges runs and conserves children, and
every value just outside them is refused with one line naming the key.

Scenario: the strategies are built from the schema itself (sim.config's field types and
``param`` metadata), so a new parameter is drawn as soon as it is declared. Inside: every
field is drawn from its whole declared range, except the size of the authority and the
length of the run (``SMALL``), which are kept small so that one example takes a fraction
of a second; the rules between fields (decision probabilities summing to at most 1,
extended deadlines at least the standard, a week measured after the warm-up, a shock
that starts before the end) are met by construction. Outside: one field (or one rule
between fields) is moved just beyond what is allowed, by the smallest step or to NaN,
infinity, an unsafe name or a date out of range.

Examples (the "ci" profile in tests/conftest.py: derandomized, no deadline, no example
database, so every run of the suite draws the same examples; about 20 s in all on the
2-core machine when it is quiet, plain Python):

* inside, the run completes and conserves children: 100 examples (up to about 0.1 s
  each, 6 s; marked ``slow``). Each draws all of about 120 parameters at once, so a
  hundred runs put every parameter near both ends of its range many times (the elapsed
  time beyond the calendar's look-ahead that this suite found turned up within the
  first 40). Half the examples make workers leave often, so that about a fifth of all
  runs hand cases over;
* outside, ``validate`` refuses with one line: every case there is (about 650: each key
  with each of its ways out, hypothesis stops when nothing is left to draw; 0.5 s);
* outside, through the command line: 100 examples (about 0.12 s each, 12 s), one line
  on stderr naming the key, exit status 2 and nothing written.

``HYPOTHESIS_PROFILE=explore`` draws ten times as many, at random, for a longer search
(it found that OmegaConf reads ``2`` or ``yes`` as true for a switch on the command line).
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
import typing
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sim.config import (
    DEADLINES,
    DECISIONS,
    MIN_MEASURED_YEARS,
    SCHEMA_FIELDS,
    START_DATES,
    Config,
    ConfigError,
    SchemaField,
    validate,
)
from sim.runner import run_one

SCALE = 10 if settings.get_current_profile_name() == "explore" else 1
"""Ten times the examples, drawn at random, under ``HYPOTHESIS_PROFILE=explore``."""

SMALL: dict[str, tuple[float, float]] = {
    "authority.referrals_per_year": (10.0, 400.0),
    "authority.social_workers": (1, 12),
    "authority.initial_cpp_children": (0, 30),
    "authority.initial_cin_children": (0, 100),
    "run.years": (MIN_MEASURED_YEARS, 1.0),
}
"""Inside draws of the fields that set how long an example takes: a small authority (up to
about a tenth of the average) and a run of at most a year."""


FIELDS = SCHEMA_FIELDS
BY_KEY = {f.key: f for f in FIELDS}


def _set(cfg: Config, key: str, value: Any) -> None:
    group, _, name = key.rpartition(".")
    setattr(getattr(cfg, group) if group else cfg, name, value)


NAMES = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,20}", fullmatch=True).filter(
    lambda s: ".." not in s
)
FIRST, LAST = (date.fromisoformat(d) for d in START_DATES)


def _inside_value(f: SchemaField) -> st.SearchStrategy[Any]:
    """Any value the schema allows for ``f`` alone."""
    if f.kind is bool:
        return st.booleans()
    if typing.get_origin(f.kind) is dict:  # authority.derived: set only by table authorities
        return st.just({})
    if f.kind is str:
        if f.meta.get("kind") == "date":
            return st.dates(FIRST, LAST).map(date.isoformat)
        if f.meta.get("kind") == "code":
            return st.sampled_from(["", "E08000035", "E06000001"])
        if f.meta.get("kind") == "label":
            return st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=100)
        if f.meta.get("choices"):
            return st.sampled_from(f.meta["choices"])
        return NAMES
    low, high = SMALL.get(f.key, (f.meta["low"], f.meta["high"]))
    if f.kind is int:
        return st.integers(int(low), int(high))
    return st.floats(low, high, exclude_min=f.meta["low_open"] and f.key not in SMALL)


@st.composite
def inside(draw: st.DrawFn) -> Config:
    """A configuration that meets every range and every rule between fields."""
    cfg = Config()
    for f in FIELDS:
        _set(cfg, f.key, draw(_inside_value(f)))
    run = cfg.run
    run.warmup_years = draw(st.floats(0.0, run.years - MIN_MEASURED_YEARS))
    for names in DECISIONS.values():  # outcome probabilities that sum to at most 1
        weights = draw(
            st.lists(st.floats(0.0, 1.0), min_size=len(names) + 1, max_size=len(names) + 1)
        )
        total = sum(weights) or 1.0
        for name, weight in zip(names, weights, strict=False):
            setattr(cfg.pathway, name, weight / total * (1.0 - 1e-12))
    for longer, standard in DEADLINES:
        high = BY_KEY[f"complaints.{longer}"].meta["high"]
        setattr(cfg.complaints, longer, draw(st.integers(getattr(cfg.complaints, standard), high)))
    a = cfg.authority
    a.demand_shock_start_years = draw(st.floats(0.0, run.years, exclude_max=True))
    if draw(st.booleans()):  # workers come and go, so that cases are handed over
        w = cfg.workforce
        w.dynamics, w.notice_weeks = True, draw(st.integers(0, 4))
        w.turnover_base = draw(st.floats(2.0, BY_KEY["workforce.turnover_base"].meta["high"]))
        w.agency_turnover = draw(st.floats(4.0, BY_KEY["workforce.agency_turnover"].meta["high"]))
        a.social_workers = draw(st.integers(2, int(SMALL["authority.social_workers"][1])))
        a.initial_cin_children = draw(
            st.integers(10, int(SMALL["authority.initial_cin_children"][1]))
        )
        cfg.run.prepopulate = True
        run.years = draw(st.floats(0.5, SMALL["run.years"][1]))
        run.warmup_years = min(run.warmup_years, run.years - MIN_MEASURED_YEARS)
        a.demand_shock_start_years = min(a.demand_shock_start_years, run.years / 2)
    return validate(cfg)


@pytest.mark.slow
@settings(max_examples=100 * SCALE)
@given(cfg=inside())
def test_inside_the_ranges_a_run_completes_and_conserves_children(cfg):
    run = run_one(cfg, 0, audit=True)
    run.model.stocks()  # one more audit at the end of the run
    event(f"cases handed over: {'some' if run.rec.handovers else 'none'}")
    assert run.result.kpis  # every KPI computes (an empty window gives NaN, not an error)
    log = run.model.audit_log
    assert len(log) >= 2
    for snapshot in log:
        # every referred child is in exactly one state
        assert snapshot["in_state_sets"] == snapshot["children"]
        assert snapshot["distinct_in_sets"] == snapshot["children"]
        assert snapshot["mismatched"] == 0
        # no case is held by two workers, held after closing, or lost between workers
        assert snapshot["held_twice"] == 0
        assert snapshot["closed_but_held"] == 0
        assert snapshot["holder_mismatch"] == 0
        assert snapshot["lost"] == 0


def _outside_values(f: SchemaField) -> st.SearchStrategy[Any]:
    """Values just outside what the schema allows for ``f`` alone."""
    if f.kind is bool:
        return st.sampled_from(["maybe", "yes", 1, 2, None])
    if typing.get_origin(f.kind) is dict:
        return st.sampled_from([{"no.such_key": "x"}, {"authority.referrals_per_year": 1}, "x"])
    if f.kind is str:
        if f.meta.get("kind") == "date":
            return st.sampled_from(
                ["1989-12-31", "2101-01-01", "0001-01-01", "9999-12-31", "2021-02-30", "soon"]
            )
        if f.meta.get("kind") == "code":
            return st.sampled_from(["0", "E0800003", "X08000035", "E080000351", "e08000035"])
        if f.meta.get("kind") == "label":
            return st.sampled_from(["a\nb", "x" * 101, "tab\there", 3])
        return st.sampled_from(["", "../escape", "a/b", "..", "x" * 65, "a b", "a\\b"])
    low, high = f.meta["low"], f.meta["high"]
    if f.kind is int:
        return st.sampled_from([low - 1, high + 1, float(low) + 0.5])
    below = low if f.meta["low_open"] else math.nextafter(low, -math.inf)
    return st.sampled_from([below, math.nextafter(high, math.inf), math.nan, math.inf, -math.inf])


@st.composite
def outside(draw: st.DrawFn) -> tuple[str, Any]:
    """A key and a value for it that the schema refuses on its own."""
    f = draw(st.sampled_from(FIELDS))
    return f.key, draw(_outside_values(f))


@settings(max_examples=1000 * SCALE)
@given(case=outside())
def test_a_value_just_outside_its_range_is_refused_in_one_line(case):
    key, value = case
    cfg = Config()
    _set(cfg, key, value)
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{key} = "), message


RULES = st.sampled_from(["warmup", "deadline", "decision", "shock"])


@st.composite
def broken_rule(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Overrides each in range that break one rule between fields, and the key it names."""
    rule = draw(RULES)
    if rule == "warmup":
        years = draw(st.floats(MIN_MEASURED_YEARS, 50.0))
        warmup = draw(st.floats(max(0.0, years - MIN_MEASURED_YEARS + 1e-6), 50.0))
        return "run.warmup_years", [f"run.years={years!r}", f"run.warmup_years={warmup!r}"]
    if rule == "deadline":
        longer, standard = draw(st.sampled_from(DEADLINES))
        due = draw(st.integers(2, 130))
        return f"complaints.{longer}", [
            f"complaints.{standard}={due}",
            f"complaints.{longer}={draw(st.integers(1, due - 1))}",
        ]
    if rule == "decision":
        names = draw(st.sampled_from(list(DECISIONS.values())))
        values = [draw(st.floats(0.01, 1.0))]
        values += [draw(st.floats(0.0, 1.0)) for _ in names[2:]]
        values.append(draw(st.floats(max(0.0, 1.001 - sum(values)), 1.0)))
        key = " + ".join(f"pathway.{n}" for n in names)
        return key, [f"pathway.{n}={v!r}" for n, v in zip(names, values, strict=True)]
    years = draw(st.floats(MIN_MEASURED_YEARS, 10.0))
    return "authority.demand_shock_start_years", [
        f"run.years={years!r}",
        "run.warmup_years=0",
        f"authority.demand_shock_start_years={draw(st.floats(years, 50.0))!r}",
        f"authority.demand_shock_factor={draw(st.floats(0.0, 10.0).filter(lambda x: x != 1.0))!r}",
    ]


def _override(key: str, value: Any) -> str:
    """``key=value`` as one would type it (text quoted, so Hydra takes it as it is)."""
    if isinstance(value, str):
        return f"{key}='{value}'" if "'" not in value else f'{key}="{value}"'
    if value is None:
        return f"{key}=null"
    return f"{key}={value!r}"


def _would_start_hydra(checked: Config | None = None) -> None:
    raise AssertionError("the command line accepted it: Hydra would start the run")


def _cli(overrides: list[str]) -> tuple[int, str, bool]:
    """Run the command line in a new empty folder: exit status, stderr, whether it wrote.

    Hydra is never started: a case the command line accepts fails at once.
    """
    from sim import experiment

    with (
        tempfile.TemporaryDirectory() as tmp,
        contextlib.chdir(tmp),
        mock.patch.object(experiment, "hydra_main", _would_start_hydra),
    ):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                experiment.cli(overrides)
                status = 0
            except SystemExit as exc:
                status = int(exc.code or 0)
        return status, err.getvalue(), any(Path(tmp).iterdir())


@settings(max_examples=100 * SCALE)
@given(case=st.one_of(outside().map(lambda c: (c[0], [_override(*c)])), broken_rule()))
def test_outside_the_ranges_the_command_line_ends_with_one_line(case):
    key, overrides = case
    status, stderr, wrote = _cli(overrides)
    assert status == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"cpsim: error: {key} "), lines[0]
    assert not wrote, "nothing written for a refused run"
