"""The teaching figures the README shows: a story, one child in two systems, the explorer.

Covers: issue 6 (teaching).
Covers: issue 19 (teaching that holds up in front of a room).
Runs `python -m sim.story --scenario lambeth_2020 --versus lambeth_2020_fixes` (the child
it picks; Part 4's first comparison), copies its timeline, two-systems figure and the
first rows of its chronology to results/reference/, builds the drift explorer and takes a
screenshot of it at 1280 x 720 in headless Chromium (Debian's chromium; `make test`
installs it), with the sliders at the fewest posts and the highest turnover.

Run: .venv/bin/python experiments/teaching_figures.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.teaching import explorer, story

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "reference"
STORY_ROWS = 24


def main() -> None:
    out = ROOT / "results" / "stories" / "reference"
    if out.exists():
        shutil.rmtree(out)
    assert (
        story.main(
            ["--scenario", "lambeth_2020", "--versus", "lambeth_2020_fixes", "--out", str(out)]
        )
        == 0
    )
    REFERENCE.mkdir(parents=True, exist_ok=True)
    shutil.copy(out / "timeline.png", REFERENCE / "story_timeline.png")
    shutil.copy(out / "two_systems.png", REFERENCE / "two_systems.png")
    write_excerpt(out / "chronology.md", REFERENCE / "story_excerpt.md")
    folder = ROOT / "results" / "explorer"
    assert explorer.main(["--out", str(folder)]) == 0
    page = folder / explorer.PAGE_NAME
    screenshot(page, REFERENCE / "explorer.png")
    print(f"Written to {REFERENCE}")


def write_excerpt(chronology_md: Path, target: Path) -> None:
    """The chronology's opening for the README: pen picture, notes, the first STORY_ROWS rows.

    Without the page's headings (its title, "Pen picture", "Chronology"): the README has
    its own, and a heading in the excerpt would become a section of the README.
    """
    lines = chronology_md.read_text().splitlines()
    table_start = next(i for i, line in enumerate(lines) if line.startswith("| date"))
    kept = [line for line in lines[:table_start] if not line.startswith("#")]
    while kept and not kept[0].strip():
        kept.pop(0)
    prose: list[str] = []
    for line in kept:  # one blank line between paragraphs, where a heading was
        if line.strip() or (prose and prose[-1].strip()):
            prose.append(line)
    excerpt = [*prose, *lines[table_start : table_start + 2 + STORY_ROWS]]
    target.write_text("\n".join(excerpt) + "\n")


def screenshot(page: Path, png: Path) -> None:
    """A screenshot of the explorer page at 1280 x 720, sliders at the high-pressure corner."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        tab.goto(page.resolve().as_uri())
        tab.focus("#staffing")
        tab.keyboard.press("Home")
        tab.focus("#turnover")
        tab.keyboard.press("End")
        tab.screenshot(path=str(png), full_page=False)
        browser.close()


if __name__ == "__main__":
    main()
