"""The interactive drift explorer: its data, the page, and the page in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from sim.teaching import explorer

STAFFING = (0.6, 1.2)
TURNOVERS = (0.05, 0.4)


@pytest.fixture(scope="module")
def page_data(small_config) -> dict:
    base = small_config(scale=0.2, years=2.0, warmup=0.5)
    return explorer.build_data(base, STAFFING, TURNOVERS, replications=2, n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def page_data_5(small_config) -> dict:
    """Five replications: the page shows intervals."""
    base = small_config(scale=0.2, years=2.0, warmup=0.5)
    return explorer.build_data(base, STAFFING, (0.05,), replications=5, n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def page(page_data, tmp_path_factory) -> Path:
    return explorer.write_page(page_data, tmp_path_factory.mktemp("explorer") / "page.html")


def test_every_cell_has_kpis_series_and_the_same_child(page_data) -> None:
    assert len(page_data["cells"]) == len(STAFFING) * len(TURNOVERS)
    child = page_data["child_id"]
    firsts = set()
    for key, cell in page_data["cells"].items():
        assert set(cell["kpis"]) == set(explorer.CHECKED_KPIS), key
        n = len(cell["weeks"])
        assert n > 50
        for series in explorer.SERIES:
            s = cell[series]
            assert len(s["mean"]) == len(s["low"]) == len(s["high"]) == n
            assert all(
                lo <= m + 1e-9 and m <= hi + 1e-9
                for lo, m, hi in zip(s["low"], s["mean"], s["high"], strict=True)
                if m == m  # NaN: no visit of that kind due in the window
            )
        story = cell["story"]
        assert story is not None, f"child {child} missing in {key}"
        firsts.add(next(e["date"] for e in story["events"] if e["event"] == "referral"))
    assert len(firsts) == 1, "the same child is referred on the same day in every system"


def test_cards_say_what_resulted_and_which_slider_set_it(page_data) -> None:
    kpis = page_data["kpis"]
    assert kpis["turnover_rate"]["label"] == "Social worker turnover that resulted"
    assert kpis["turnover_rate"]["set"] == {"slider": "turnover", "words": "base rate set"}
    assert kpis["caseload_mean"]["label"] == "Mean caseload that resulted"
    assert kpis["caseload_mean"]["set"] == {"slider": "staffing", "words": "funded posts set"}
    assert kpis["cin_visits_on_time"]["set"] is None
    assert "2 replications (fewer than 5)" in page_data["rough_note"]
    assert "shows no intervals" in page_data["rough_note"]
    assert page_data["intervals"] is False
    assert page_data["inert"] == []


def test_visits_are_shown_by_plan_type(page_data) -> None:
    """Issue 19: the cards and the chart split visits into CPP and CiN visits."""
    assert {"cpp_visits_on_time", "cin_visits_on_time"} <= set(page_data["kpis"])
    assert {"missed_cpp", "missed_cin"} <= set(explorer.SERIES)
    cell = page_data["cells"][page_data["reference"]]
    cpp, cin = cell["kpis"]["cpp_visits_on_time"][0], cell["kpis"]["cin_visits_on_time"][0]
    assert cpp > cin, "CPP visits come first in a worker's week (issue 15)"


def test_with_five_replications_the_page_shows_intervals(page_data_5) -> None:
    assert page_data_5["intervals"] is True
    assert page_data_5["rough_note"] == ""
    for cell in page_data_5["cells"].values():
        mean, low, high = cell["kpis"]["drift_share"]
        assert low < mean < high


def _fake(staffing, turnovers, values) -> dict:
    """Page data with one headline KPI per cell, as (low, high) intervals by (i, j)."""
    skeys = [f"{p:g}" for p in staffing]
    tkeys = [f"{t:g}" for t in turnovers]
    cells = {}
    for i, sk in enumerate(skeys):
        for j, tk in enumerate(tkeys):
            low, high = values[i, j]
            kpis = {k: [None, None, None] for k in explorer.HEADLINE_KPIS}
            kpis["drift_share"] = [(low + high) / 2, low, high]
            kpis["turnover_rate"] = [j * 50.0, j * 50.0 - 1, j * 50.0 + 1]  # always apart
            cells[f"{sk}|{tk}"] = {"kpis": kpis}
    sliders = {
        name: {"keys": keys, "ticks": keys, "label": name}
        for name, keys in (("staffing", skeys), ("turnover", tkeys))
    }
    return {"staffing": staffing, "turnovers": turnovers, "sliders": sliders, "cells": cells}


def test_a_step_that_moves_no_kpi_beyond_its_interval_is_inert() -> None:
    apart = {(0, 0): (10, 12), (0, 1): (20, 22), (1, 0): (30, 32), (1, 1): (40, 42)}
    assert explorer.inert_steps(_fake((0.8, 1.0), (0.05, 0.1), apart)) == []
    # the turnover step overlaps in both rows: inert, even though the turnover that
    # resulted (the slider's own setting) moves far
    overlap = {(0, 0): (10, 12), (0, 1): (11, 13), (1, 0): (30, 32), (1, 1): (31, 33)}
    inert = explorer.inert_steps(_fake((0.8, 1.0), (0.05, 0.1), overlap))
    assert len(inert) == 1
    assert inert[0].startswith("turnover: the step from 0.05 to 0.1")
    # one row where it binds is enough
    one_row = {**overlap, (1, 1): (40, 42)}
    assert explorer.inert_steps(_fake((0.8, 1.0), (0.05, 0.1), one_row)) == []


def test_share_intervals_on_the_page_stay_within_0_to_100_percent(page_data) -> None:
    # two replications of a fifth-size authority: the plain t-interval would overshoot
    for cell in page_data["cells"].values():
        for kpi in ("visits_on_time", "drift_share", "cpp_unseen_share"):
            mean, low, high = cell["kpis"][kpi]
            assert 0.0 <= low <= mean <= high <= 100.0, (kpi, low, mean, high)


def test_few_posts_and_high_turnover_miss_more_visits(page_data) -> None:
    # 2 replications of a fifth-size authority: the corners differ by far more than noise
    good = page_data["cells"]["1.2|0.05"]["kpis"]["visits_on_time"][0]
    bad = page_data["cells"]["0.6|0.4"]["kpis"]["visits_on_time"][0]
    assert bad < good - 5, (good, bad)


def test_page_is_self_contained(page) -> None:
    text = page.read_text()
    assert "/*DATA*/null" not in text
    assert not re.search(r"""(src|href)=["']https?:""", text), "no network resources"
    data = json.loads(re.search(r"const DATA = (\{.*?\});\n", text, re.S).group(1))
    assert data["staffing"] == list(STAFFING)


def test_bad_replications_is_a_user_error(small_config) -> None:
    with pytest.raises(explorer.ConfigError, match="--replications"):
        explorer.build_data(small_config(), STAFFING, TURNOVERS, replications=0)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_or_skip():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: `make test` installs Debian's chromium")
        pytest.skip("needs Debian's chromium (make test installs it when run as root)")
    return pytest.importorskip("playwright.sync_api")


def _launch(p):
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


@pytest.mark.browser
def test_a_slider_change_updates_the_view(page, tmp_path) -> None:
    sync_api = _chromium_or_skip()
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        tab = browser.new_page(viewport={"width": 1280, "height": 1400})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(page.as_uri())
        before_cell = tab.get_attribute("body", "data-cell")
        before_kpi = tab.inner_text("#kpi-cin_visits_on_time .value")
        before_line = tab.get_attribute("#line-missed_cin", "d")
        rows_before = tab.locator("#chronology tbody tr").count()
        assert rows_before > 0
        # move both sliders one step, as a keyboard user would
        tab.focus("#staffing")
        tab.keyboard.press(
            "ArrowLeft" if before_cell.startswith(f"{STAFFING[-1]:g}") else "ArrowRight"
        )
        tab.focus("#turnover")
        tab.keyboard.press(
            "ArrowRight" if before_cell.endswith(f"{TURNOVERS[0]:g}") else "ArrowLeft"
        )
        after_cell = tab.get_attribute("body", "data-cell")
        assert after_cell != before_cell
        assert tab.inner_text("#staffing-out") != ""
        assert tab.get_attribute("#line-missed_cin", "d") != before_line
        assert tab.inner_text("#kpi-cin_visits_on_time .value") != before_kpi
        assert "vs the reference" in tab.inner_text("#cards")
        # the slider says what is set, the card what resulted, with the setting beside it
        assert "rate set" in tab.inner_text("label[for=turnover]")
        assert "posts set" in tab.inner_text("label[for=staffing]")
        assert "turnover that resulted" in tab.inner_text("#kpi-turnover_rate .label")
        turnover = tab.evaluate("DATA.turnovers[+document.getElementById('turnover').value]")
        assert tab.inner_text("#kpi-turnover_rate .set") == f"base rate set: {turnover:.0%} a year"
        posts = tab.evaluate("DATA.posts[+document.getElementById('staffing').value]")
        assert tab.inner_text("#kpi-caseload_mean .set").startswith(f"funded posts set: {posts} (")
        assert tab.locator("#kpi-cin_visits_on_time .set").count() == 0
        # two replications: no interval anywhere, and the page says why
        assert "too rough to trust" in tab.inner_text("#rough-note")
        assert "95% interval" not in tab.inner_text("#cards")
        # the unallocated wait is explained, and the child's story in every system is shown
        assert "waits when every worker" in tab.inner_text("#unallocated-note")
        assert tab.locator("#every-cell td").count() == len(STAFFING) * len(TURNOVERS)
        assert tab.locator("#every-cell td.current").count() == 1
        browser.close()
    assert not errors, errors


@pytest.mark.browser
def test_at_1280x720_the_sliders_cards_and_chart_fit_one_screen(page_data_5, tmp_path) -> None:
    """Issue 19: a projector's screen shows the sliders, the KPI cards and the chart."""
    sync_api = _chromium_or_skip()
    page = explorer.write_page(page_data_5, tmp_path / "page.html")
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(page.as_uri())
        for part in ("#controls", "#cards", "#chart"):
            box = tab.locator(part).bounding_box()
            assert box is not None, part
            assert box["width"] > 200, part
            assert 0 <= box["x"] <= box["x"] + box["width"] <= 1280, (part, box)
            assert 0 <= box["y"] <= box["y"] + box["height"] <= 720, (part, box)
        assert "95% interval" in tab.inner_text("#cards")  # five replications
        # large type: no card value under 20 px, no label under 12 px
        sizes = tab.evaluate(
            "[...document.querySelectorAll('.card .value, .card .label')]"
            ".map((e) => [e.className, parseFloat(getComputedStyle(e).fontSize)])"
        )
        assert all(size >= (20 if cls == "value" else 12) for cls, size in sizes), sizes
        shot = tmp_path / "explorer.png"
        tab.screenshot(path=str(shot))
        browser.close()
    assert not errors, errors
    assert shot.stat().st_size > 20_000


def test_keys_come_from_python(small_config) -> None:
    # 0.01234567 is "0.0123457" to Python's :g but "0.012346" to JS toFixed(6)
    assert explorer.Cell(1.0, 0.01234567).key == "1|0.0123457"
    with pytest.raises(explorer.ConfigError, match="--turnovers"):
        explorer.build_data(small_config(), STAFFING, (0.1234561, 0.1234564), replications=1)


BAR_LABELS_OVERFLOWING = """
() => [...document.querySelectorAll('#timeline text[fill="#fff"]')]
  .filter((t) => t.getComputedTextLength() > +t.previousElementSibling.getAttribute('width'))
  .map((t) => t.textContent)
"""
"""The labels inside the child's timeline bars (white text, drawn just after its bar) that
are wider than the bar: a worker's name must fit, else its number, else no label."""


@pytest.mark.browser
def test_every_cell_renders_even_without_a_story_or_a_kpi(tmp_path, small_config) -> None:
    sync_api = _chromium_or_skip()
    turnovers = (0.125, 0.3333, 0.01234567)
    data = explorer.build_data(
        small_config(scale=0.1, years=1.0, warmup=0.25),
        (0.7, 1.3),
        turnovers,
        replications=1,  # one replication: every interval is NaN (null in the page)
        n_jobs=1,
        progress=False,
    )
    assert data["sliders"]["turnover"]["keys"] == ["0.125", "0.3333", "0.0123457"]
    odd = [k for k in data["cells"] if k != data["reference"]]
    data["cells"][odd[0]]["story"] = None  # the child is never referred in this system
    data["cells"][odd[1]]["kpis"]["cpp_visits_on_time"] = [float("nan")] * 3
    del data["cells"][odd[2]]["kpis"]["drift_share"]
    page = explorer.write_page(data, tmp_path / "page.html")
    shown = {}
    overflowing: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        tab = browser.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(page.as_uri())
        assert tab.get_attribute("body", "data-cell") == data["reference"]
        for i in range(len(data["staffing"])):
            for j in range(len(turnovers)):
                tab.evaluate(
                    "([i, j]) => { for (const [id, v] of [['staffing', i], ['turnover', j]]) {"
                    " const s = document.getElementById(id); s.value = v;"
                    " s.dispatchEvent(new Event('input')); } }",
                    [i, j],
                )
                key = tab.get_attribute("body", "data-cell")
                shown[key] = (
                    tab.inner_text("#child-title"),
                    tab.inner_text("#kpi-cpp_visits_on_time .value"),
                    tab.inner_text("#turnover-out"),
                )
                overflowing += tab.evaluate(BAR_LABELS_OVERFLOWING)
        browser.close()
    assert not errors, errors
    assert set(shown) == set(data["cells"])
    assert "not referred" in shown[odd[0]][0]
    assert not overflowing, f"labels wider than their bars: {overflowing}"
    assert shown[odd[1]][1] == "n/a"
    assert {v[2] for v in shown.values()} == {"12.5% a year", "33.33% a year", "1.235% a year"}


def test_explorer_cli_writes_one_page_into_the_out_folder(tmp_path, capsys) -> None:
    out = tmp_path / "explorer"
    args = ["--staffing", "0.8,1.2", "--turnovers", "0.1", "--replications", "1", "--n-jobs", "1"]
    assert explorer.main([*args, "run.years=1", "run.warmup_years=0.25", "--out", str(out)]) == 0
    page = out / explorer.PAGE_NAME
    assert capsys.readouterr().out.strip() == str(page)
    assert '"staffing":[0.8,1.2]' in page.read_text()
    assert [f.name for f in out.iterdir()] == [explorer.PAGE_NAME]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--staffing", "twelve"], "--staffing"),
        (["--staffing", "0.8,9"], "--staffing"),
        (["--turnovers", "0.1,1.5"], "--turnovers"),
        (["workforce.caseload_cap=-3"], "caseload_cap"),
    ],
)
def test_explorer_cli_user_errors_are_one_line(args, message, tmp_path, capsys) -> None:
    out = tmp_path / "explorer"
    assert explorer.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("sim.explorer: error:")
    assert message in err[-1]
    assert not out.exists()


def test_an_out_that_is_a_file_is_a_user_error(tmp_path, capsys) -> None:
    """``--out`` is a folder in every command (issue 19)."""
    file = tmp_path / "page.html"
    file.write_text("x")
    assert explorer.main(["--out", str(file)]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hydra.run.dir=/tmp/x"], "hydra.run.dir: the explorer ignores Hydra's settings"),
        (["run.replications=5"], "run.replications: the explorer ignores it; use --replications"),
        (["authority.social_workers=90"], "the grid sets it: use --staffing"),
        (["workforce.turnover_base=0.2"], "the grid sets it: use --turnovers"),
    ],
)
def test_the_explorer_refuses_overrides_it_would_ignore(capsys, argv, message):
    """Issue 19: an override the grid or the command would overwrite is refused in one line."""
    assert explorer.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
