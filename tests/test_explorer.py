"""The interactive drift explorer: its data, the page, and the page in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from sim.teaching import explorer

CAPS = (10, 30)
TURNOVERS = (0.05, 0.4)


@pytest.fixture(scope="module")
def page_data(small_config) -> dict:
    base = small_config(scale=0.2, years=2.0, warmup=0.5)
    return explorer.build_data(base, CAPS, TURNOVERS, replications=2, n_jobs=1, progress=False)


@pytest.fixture(scope="module")
def page(page_data, tmp_path_factory) -> Path:
    return explorer.write_page(page_data, tmp_path_factory.mktemp("explorer") / "page.html")


def test_every_cell_has_kpis_series_and_the_same_child(page_data) -> None:
    assert len(page_data["cells"]) == len(CAPS) * len(TURNOVERS)
    child = page_data["child_id"]
    firsts = set()
    for key, cell in page_data["cells"].items():
        assert set(cell["kpis"]) == set(explorer.PAGE_KPIS), key
        n = len(cell["weeks"])
        assert n > 50
        for series in ("missed", "drift"):
            s = cell[series]
            assert len(s["mean"]) == len(s["low"]) == len(s["high"]) == n
            assert all(
                lo <= m + 1e-9 and m <= hi + 1e-9
                for lo, m, hi in zip(s["low"], s["mean"], s["high"], strict=True)
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
    assert kpis["caseload_mean"]["set"] == {"slider": "cap", "words": "cap set"}
    assert kpis["visits_on_time"]["set"] is None
    assert "2 replications (fewer than 5)" in page_data["rough_note"]


def test_share_intervals_on_the_page_stay_within_0_to_100_percent(page_data) -> None:
    # two replications of a fifth-size authority: the plain t-interval would overshoot
    for cell in page_data["cells"].values():
        for kpi in ("visits_on_time", "drift_share", "cpp_unseen_share"):
            mean, low, high = cell["kpis"][kpi]
            assert 0.0 <= low <= mean <= high <= 100.0, (kpi, low, mean, high)


def test_high_caseloads_and_high_turnover_miss_more_visits(page_data) -> None:
    # 2 replications of a fifth-size authority: the corners differ by far more than noise
    good = page_data["cells"]["10|0.05"]["kpis"]["visits_on_time"][0]
    bad = page_data["cells"]["30|0.4"]["kpis"]["visits_on_time"][0]
    assert bad < good - 5, (good, bad)


def test_page_is_self_contained(page) -> None:
    text = page.read_text()
    assert "/*DATA*/null" not in text
    assert not re.search(r"""(src|href)=["']https?:""", text), "no network resources"
    data = json.loads(re.search(r"const DATA = (\{.*?\});\n", text, re.S).group(1))
    assert data["caps"] == list(CAPS)


def test_bad_replications_is_a_user_error(small_config) -> None:
    with pytest.raises(explorer.ConfigError, match="--replications"):
        explorer.build_data(small_config(), CAPS, TURNOVERS, replications=0)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
def test_a_slider_change_updates_the_view(page, tmp_path) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: `make test` installs Debian's chromium")
        pytest.skip("needs Debian's chromium (make test installs it when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
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
        tab = browser.new_page(viewport={"width": 1280, "height": 1400})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(page.as_uri())
        before_cell = tab.get_attribute("body", "data-cell")
        before_kpi = tab.inner_text("#kpi-visits_on_time .value")
        before_line = tab.get_attribute("#line-missed", "d")
        rows_before = tab.locator("#chronology tbody tr").count()
        assert rows_before > 0
        # move the caseload slider one step, as a keyboard user would
        tab.focus("#cap")
        key = "ArrowLeft" if before_cell.startswith(str(CAPS[-1])) else "ArrowRight"
        tab.keyboard.press(key)
        tab.focus("#turnover")
        tab.keyboard.press("ArrowRight" if before_cell.endswith(str(TURNOVERS[0])) else "ArrowLeft")
        after_cell = tab.get_attribute("body", "data-cell")
        assert after_cell != before_cell
        assert tab.inner_text("#cap-out") != ""
        assert tab.get_attribute("#line-missed", "d") != before_line
        assert tab.inner_text("#kpi-visits_on_time .value") != before_kpi
        assert "vs the reference system" in tab.inner_text("#cards") or after_cell == tab.evaluate(
            "DATA.reference"
        )
        # the slider says what is set, the card what resulted, with the setting beside it
        assert "rate set" in tab.inner_text("label[for=turnover]")
        assert "turnover that resulted" in tab.inner_text("#kpi-turnover_rate .label")
        turnover = tab.evaluate("DATA.turnovers[+document.getElementById('turnover').value]")
        assert tab.inner_text("#kpi-turnover_rate .set") == f"base rate set: {turnover:.0%} a year"
        cap = tab.evaluate("DATA.caps[+document.getElementById('cap').value]")
        assert tab.inner_text("#kpi-caseload_mean .set") == f"cap set: {cap} cases"
        assert tab.locator("#kpi-visits_on_time .set").count() == 0
        assert "too rough to trust" in tab.inner_text("#rough-note")  # two replications
        shot = tmp_path / "explorer.png"
        tab.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert not errors, errors
    assert shot.stat().st_size > 20_000


def _launch(p):
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def test_turnover_keys_come_from_python(small_config) -> None:
    # 0.01234567 is "0.0123457" to Python's :g but "0.012346" to JS toFixed(6)
    assert explorer.Cell(10, 0.01234567).key == "10|0.0123457"
    with pytest.raises(explorer.ConfigError, match="--turnovers"):
        explorer.build_data(small_config(), CAPS, (0.1234561, 0.1234564), replications=1)


@pytest.mark.browser
def test_every_cell_renders_even_without_a_story_or_a_kpi(tmp_path, small_config) -> None:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    turnovers = (0.125, 0.3333, 0.01234567)
    data = explorer.build_data(
        small_config(scale=0.1, years=1.0, warmup=0.25),
        (10, 20),
        turnovers,
        replications=1,  # one replication: every interval is NaN (null in the page)
        n_jobs=1,
        progress=False,
    )
    assert data["turnover_keys"] == ["0.125", "0.3333", "0.0123457"]
    odd = [k for k in data["cells"] if k != data["reference"]]
    data["cells"][odd[0]]["story"] = None  # the child is never referred in this system
    data["cells"][odd[1]]["kpis"]["visits_on_time"] = [float("nan")] * 3
    del data["cells"][odd[2]]["kpis"]["drift_share"]
    page = explorer.write_page(data, tmp_path / "page.html")
    shown = {}
    with sync_api.sync_playwright() as p:
        browser = _launch(p)
        tab = browser.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(page.as_uri())
        assert tab.get_attribute("body", "data-cell") == data["reference"]
        for i in range(len(data["caps"])):
            for j in range(len(turnovers)):
                tab.evaluate(
                    "([i, j]) => { for (const [id, v] of [['cap', i], ['turnover', j]]) {"
                    " const s = document.getElementById(id); s.value = v;"
                    " s.dispatchEvent(new Event('input')); } }",
                    [i, j],
                )
                key = tab.get_attribute("body", "data-cell")
                shown[key] = (
                    tab.inner_text("#child-title"),
                    tab.inner_text("#kpi-visits_on_time .value"),
                    tab.inner_text("#turnover-out"),
                )
        browser.close()
    assert not errors, errors
    assert set(shown) == set(data["cells"])
    assert "not referred" in shown[odd[0]][0]
    assert shown[odd[1]][1] == "n/a"
    assert {v[2] for v in shown.values()} == {"12.5%", "33.33%", "1.235%"}


def test_explorer_cli_writes_one_page(tmp_path, capsys) -> None:
    out = tmp_path / "page.html"
    args = ["--caps", "12,24", "--turnovers", "0.1", "--replications", "1", "--n-jobs", "1"]
    assert explorer.main([*args, "run.years=1", "run.warmup_years=0.25", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert '"caps":[12,24]' in out.read_text()
    assert not out.with_suffix(".html.partial").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--caps", "twelve"], "--caps"),
        (["--turnovers", "0.1,1.5"], "--turnovers"),
        (["workforce.caseload_cap=-3"], "caseload_cap"),
    ],
)
def test_explorer_cli_user_errors_are_one_line(args, message, tmp_path, capsys) -> None:
    out = tmp_path / "page.html"
    assert explorer.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("sim.explorer: error:")
    assert message in err[-1]
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["hydra.run.dir=/tmp/x"], "hydra.run.dir: the explorer ignores Hydra's settings"),
        (["run.replications=5"], "run.replications: the explorer ignores it; use --replications"),
        (["workforce.caseload_cap=20"], "the grid sets it: use --caps"),
    ],
)
def test_the_explorer_refuses_overrides_it_would_ignore(capsys, argv, message):
    """Issue 19: an override the grid or the command would overwrite is refused in one line."""
    assert explorer.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
