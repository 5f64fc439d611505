"""The print-ready workshop pack: its sections, the exercise copy, the legend, the PDF."""

from __future__ import annotations

import html
import os
import re
from datetime import date
from pathlib import Path

import pytest

from sim.teaching import pack
from sim.teaching.audit import FINDING_KINDS
from sim.teaching.chronology import EVENT_LABELS
from sim.teaching.timeline import LANES, MARKS

DAY = date(2024, 1, 8)
A4_PT = (595.28, 841.89)
"""A4 in PDF points (210 x 297 mm); Chromium writes 594.96 x 841.92."""
PAGES = (9, 45)
"""Pages the small pack prints to: at least one per section (9), and at most 45 (the
small run's chronology fills 2 to 4 pages in each of its two copies; the answer key 1 to
3; the decision points 2 a point, up to 6 points, and their tables up to a chronology's 4
more; the rest a page each). It printed 13 before the decision points, 25 with them."""


@pytest.fixture(scope="module")
def pack_data(small_config) -> pack.Pack:
    cfg = small_config(scale=0.2, years=2.0, warmup=0.5)
    return pack.build_pack(cfg, cfg, "baseline", corner_replications=1, n_jobs=1)


@pytest.fixture(scope="module")
def page(pack_data) -> str:
    return pack.render_html(pack_data)


def sections(text: str) -> dict[str, str]:
    """Each <section>'s HTML by its id, in order."""
    found = re.findall(r'<section id="([\w-]+)"[^>]*>(.*?)</section>', text, re.S)
    return dict(found)


def test_every_section_is_there_in_order_each_on_a_new_page(page) -> None:
    assert list(sections(page)) == list(pack.SECTIONS)
    css = pack.CSS.replace(" ", "")
    assert "@page{size:A4;" in css
    assert "section{break-before:page;}" in css
    assert "thead{display:table-header-group;}" in css  # table headers repeat on each page


def test_the_exercise_copy_has_no_audit_findings_and_the_answer_key_has_them(
    pack_data, page
) -> None:
    parts = sections(page)
    findings = pack_data.story.findings
    assert findings, "the small run's child has audit findings to hide"
    for f in findings:
        message = html.escape(f.message, quote=True)
        assert message not in parts["exercise"], f.message
        assert message not in parts["chronology"], f.message
        assert message in parts["answers"], f.message
    # the exercise copy still has every entry of the chronology, and a column to mark
    assert parts["exercise"].count("<tr>") == len(pack_data.story.events) + 1
    assert "Your marks" in parts["exercise"]


def test_the_chronology_is_in_plain_words(pack_data, page) -> None:
    parts = sections(page)
    for key in ("chronology", "exercise"):
        text = parts[key]
        assert not re.search(r"\b(SW|TM|ATM)\d+\b", text), "workers by name, not by code"
        assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", text), "no event codes"
        first = next(e.worker for e in pack_data.story.events if e.event == "worker_change")
        assert html.escape(first).endswith("(social worker)")
        # the Who column wraps between a name and its role (each kept whole in a span)
        assert html.escape(first) in re.sub(r"<[^>]+>", "", text)
        assert html.escape(pack_data.story.picture[0]) in text, "the pen picture comes first"
        assert text.index(html.escape(pack_data.story.picture[0])) < text.index("<table")
    labels = {EVENT_LABELS[e.event] for e in pack_data.story.events}
    assert all(html.escape(label) in parts["chronology"] for label in labels)


def test_the_legend_card_lists_every_lane_and_every_mark(page) -> None:
    legend = sections(page)["legend"]
    assert set(pack.LANE_TEXT) == set(LANES)
    for lane in LANES:
        assert f"<b>{html.escape(lane)}</b>" in legend
    for event in MARKS:
        assert html.escape(EVENT_LABELS[event]) in legend, event
    assert legend.count("data:image/svg+xml") >= len({style for style in MARKS.values()})


def test_every_kind_of_finding_has_plain_words() -> None:
    assert set(pack.KIND_WORDS) == set(FINDING_KINDS)


def test_the_corner_answers_are_the_explorer_cells_values(pack_data, page) -> None:
    corners = pack_data.corners
    assert len(corners["cells"]) == 4
    answers = sections(page)["corner-answers"]
    worksheet = sections(page)["worksheet"]
    for key, cell in corners["cells"].items():
        for kpi in ("cpp_visits_on_time", "cin_visits_on_time", "drift_share"):
            shown = f"{cell['kpis'][kpi][0]:.1f}%"
            assert f"<b>{shown}</b>" in answers, (key, kpi, shown)
            assert shown not in worksheet
    assert re.search(r"\b1\s+replication each", answers)
    assert "too few to trust" in answers


def test_the_lambeth_handout_sets_the_audit_beside_the_decision(pack_data, page) -> None:
    handout = sections(page)["lambeth"]
    for df in pack_data.real.chron.document_findings:
        assert html.escape(df.found, quote=True) in handout
    assert "6 social workers, 5 changes of social worker" in handout
    assert "late core groups: not checked" in handout
    assert "\u00a31,150" in handout


def test_write_pack_without_pdf_leaves_no_stale_print(pack_data, tmp_path) -> None:
    out = tmp_path / "pack"
    out.mkdir()
    (out / "pack.pdf").write_bytes(b"%PDF old")
    paths, note = pack.write_pack(pack_data, out, pdf=False)
    assert paths == {"html": out / "pack.html"}
    assert note == ""
    assert not (out / "pack.pdf").exists(), "an old print beside a new page looks complete"
    assert sorted(p.name for p in out.iterdir()) == ["pack.html"]


def test_the_cli_writes_the_pack_and_prints_its_paths(
    pack_data, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(pack, "build_pack", lambda *args, **kwargs: pack_data)
    out = tmp_path / "nested" / "pack"
    assert pack.main(["--out", str(out), "--no-pdf"]) == 0
    assert capsys.readouterr().out.split() == [str(out / "pack.html")]
    assert sections((out / "pack.html").read_text()).keys() == pack.SECTIONS.keys()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corner-replications", "0"], "--corner-replications"),
        (["--replication", "-1"], "--replication"),
        (["hydra.run.dir=elsewhere"], "hydra.run.dir"),
        (["run.replications=5"], "--corner-replications"),
        (["workforce.caseload_cap=-3"], "caseload_cap"),
        (["--scenario", "nowhere"], "scenario"),
    ],
)
def test_cli_user_errors_are_one_line_and_write_nothing(args, message, tmp_path, capsys) -> None:
    out = tmp_path / "pack"
    assert pack.main([*args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("sim.pack: error:")
    assert message in err[0]
    assert not out.exists()


def test_an_out_that_is_a_file_is_refused_before_any_run(tmp_path, monkeypatch, capsys) -> None:
    def no_run(*args, **kwargs):
        raise AssertionError("the check comes before the runs")

    monkeypatch.setattr(pack, "build_pack", no_run)
    out = tmp_path / "pack.html"
    out.write_text("mine")
    assert pack.main(["--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"sim.pack: error: cannot write {out}: it is a file, not a folder"]
    assert out.read_text() == "mine"


def test_no_chromium_says_so_in_one_line_and_writes_the_html(
    pack_data, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(pack, "find_chromium", lambda: None)
    paths, note = pack.write_pack(pack_data, tmp_path / "pack")
    assert list(paths) == ["html"]
    assert note.startswith("chromium not found")
    assert "\n" not in note


CHROMIUM = pack.find_chromium()


def _need_chromium() -> None:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: `make test` installs Debian's chromium")
        pytest.skip("needs Debian's chromium (make test installs it when run as root)")


@pytest.fixture(scope="module")
def printed(pack_data, tmp_path_factory) -> dict[str, Path]:
    _need_chromium()
    paths, note = pack.write_pack(pack_data, tmp_path_factory.mktemp("pack") / "out")
    assert note == ""
    return paths


@pytest.mark.browser
def test_the_pdf_has_a4_pages_and_a_page_count_in_range(printed) -> None:
    data = printed["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)\b", data))
    assert PAGES[0] <= pages <= PAGES[1], pages
    assert len(boxes) == pages
    for width, height in boxes:  # within 1 pt (0.35 mm) of A4 portrait
        assert abs(float(width) - A4_PT[0]) < 1
        assert abs(float(height) - A4_PT[1]) < 1


MIN_FONT_JS = """
(selector) => {
  let smallest = Infinity, where = '';
  for (const el of document.querySelectorAll(selector)) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < smallest) { smallest = px; where = el.tagName + ': ' + el.textContent.slice(0, 40); }
  }
  return [smallest * 0.75, where];
}
"""
"""The smallest computed font size, in points (1 px = 0.75 pt), of any element under
``selector`` that holds text of its own, with where it is."""


@pytest.mark.browser
def test_no_text_in_the_print_is_smaller_than_10pt(printed) -> None:
    # method: Chromium lays the page out for print (print media emulated) and reports each
    # text-holding element's computed font size; the PDF is printed from the same styles
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        # the printed handout's width: A4 less its 12 mm side margins, at 96 px an inch
        tab = browser.new_page(viewport={"width": round(186 / 25.4 * 96), "height": 1200})
        tab.emulate_media(media="print")
        tab.goto(printed["html"].as_uri())
        chronology = tab.evaluate(MIN_FONT_JS, "#chronology *")
        everywhere = tab.evaluate(MIN_FONT_JS, "body *")
        rows = tab.locator("#chronology tbody tr").count()
        who, details = (
            tab.locator(f"#exercise thead th:nth-child({i})").bounding_box()["width"]
            for i in (3, 4)
        )
        handout_mm = (
            tab.evaluate("document.getElementById('lambeth').getBoundingClientRect().height")
            * 25.4
            / 96
        )
        browser.close()
    assert rows > 20
    # 10 pt is 13.333 px, which Chromium keeps to a few decimals: allow 0.01 pt
    assert chronology[0] >= pack.MIN_FONT_PT - 0.01, chronology
    assert everywhere[0] >= pack.MIN_FONT_PT - 0.01, everywhere
    assert handout_mm <= 297 - 20, f"the Lambeth handout is one page: {handout_mm:.0f} mm"
    # the exercise copy's Details column is not squeezed by names kept on one line
    assert details > 1.3 * who, (who, details)
