"""The team board (boardlog.py, teaching/board.py): its numbers are the model's.

The board log reads the model's state when each team's weekly snapshot is emitted; these
tests check what it wrote against the records of the same run (``TeamWeek``,
``WorkerAllocated``, ``StillWaiting``), that it changes no result, that the page embeds
every week with the child highlighted, and (in a browser) that it fits a 1280x720 screen.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from datetime import timedelta

import pytest

from sim import events as ev
from sim.boardlog import BoardLog, BoardWeek, Waiting, WorkerRow
from sim.caselog import CaseLog
from sim.metrics import Recorder
from sim.model import Model
from sim.runner import Run, run_one
from sim.teaching import board
from sim.teaching.story import pick_child

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Records:
    """The records the board is checked against, kept by a subscriber of the same run.

    A wait for a worker runs from ``requested_day`` to the ``WorkerAllocated`` that ends
    it, or to the run's end (``StillWaiting``); a wait after a handover may also end
    with the case (closed, into care or transferred out) before anyone is allocated.
    """

    def __init__(self) -> None:
        self.team_weeks: dict[tuple[float, int], ev.TeamWeek] = {}
        self.waits: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self._handed_over: dict[int, float] = {}
        self.visits: dict[int, list[float]] = defaultdict(list)

    def handlers(self) -> dict[type, object]:
        ended = {ev.Closed: "day", ev.CameIntoCare: "day", ev.TransferredOut: "day"}
        return {
            ev.TeamWeek: lambda r: self.team_weeks.__setitem__((r.day, r.team), r),
            ev.CaseHandedOver: lambda r: self._handed_over.setdefault(r.child, r.day),
            ev.WorkerAllocated: self._allocated,
            ev.StillWaiting: lambda r: self._wait(r.child, r.requested_day, float("inf")),
            ev.VisitMade: lambda r: self.visits[r.child].append(r.day),
            **{t: self._ended for t in ended},
        }

    def _wait(self, child: int, start: float, end: float) -> None:
        self._handed_over.pop(child, None)
        self.waits[child].append((start, end))

    def _allocated(self, r: ev.WorkerAllocated) -> None:
        self._wait(r.child, r.requested_day, r.day)

    def _ended(self, r: ev.Closed | ev.CameIntoCare | ev.TransferredOut) -> None:
        start = self._handed_over.get(r.child)
        if start is not None:
            self._wait(r.child, start, r.day)

    def waiting_on(self, child: int, day: float) -> bool:
        """Whether the records say ``child`` was waiting for a worker at ``day``'s snapshot."""
        return any(start <= day < end for start, end in self.waits[child])


@pytest.fixture(scope="module")
def observed(small_config) -> tuple[Run, Records]:
    """A small run with the case log, the board log and the checking subscriber."""
    cfg = small_config(scale=0.2, years=2.0, warmup=0.5)
    model = Model(cfg, 0)
    recorder = Recorder.attach(model)
    log = CaseLog.attach(model)
    boards = BoardLog.attach(model)
    records = Records()
    model.events.subscribe(records.handlers())
    model.run()
    recorder.close()
    return Run(model, recorder, log, boards), records


@pytest.fixture(scope="module")
def page(observed, tmp_path_factory) -> tuple[dict, int, object]:
    """The story child's page, written and read back (its embedded data)."""
    run, _ = observed
    child = pick_child(run)
    out = tmp_path_factory.mktemp("board")
    paths = board.write_board(run, child, out, "baseline")
    text = paths["team_board"].read_text()
    data = json.loads(re.search(r"const DATA = (.*);\nconst LIST_ROWS", text).group(1))
    return data, child, paths


def test_every_team_week_adds_up_to_its_record(observed) -> None:
    run, records = observed
    assert run.board is not None
    boards = {(day, team): b for day, teams in run.board.weeks.items() for team, b in teams.items()}
    assert boards.keys() == records.team_weeks.keys()
    funded = len(run.model.workforce.funded)  # then the agency places beyond the posts
    assert len(run.model.workforce.posts) == funded + 1  # round(24 posts x 0.03495)
    for key, r in records.team_weeks.items():
        b = boards[key]
        assert b.caseloads == r.cases, key
        assert len(b.unallocated) == r.unallocated, key
        assert (b.posts, b.manager, b.kind) == (r.posts, r.manager, r.kind), key
        assert len(b.workers) == r.permanent + r.agency, key
        beyond = sum(w.post >= funded for w in b.workers)  # never a vacancy
        # an agency worker already serving notice stays in a post a permanent worker took
        # (moved or recruited into it) until the notice ends: no vacancy either
        held = {w.post for w in b.workers if w.kind == "permanent"}
        outgoing = sum(w.kind == "agency" and w.post in held for w in b.workers)
        covering = r.agency - beyond - outgoing
        assert len(b.vacant_posts) == r.posts - r.permanent - covering, key
        assert sum(w.away_until is not None for w in b.workers) == r.away, key
        # a worker's overdue visits are the not-seen list's children they hold
        listed = defaultdict(set)
        for n in b.not_seen:
            assert n.plan in {"cpp", "cin"}
            assert n.due_day < b.day
            # not seen: no visit since the one that fell due
            assert not any(n.due_day <= v < b.day for v in records.visits[n.child]), n
            listed[n.worker].add(n.child)
        for w in b.workers:
            assert set(w.overdue) == listed[w.worker]
    assert any(b.unallocated for b in boards.values()), "the run should make someone wait"
    assert any(b.not_seen for b in boards.values()), "the run should leave a visit overdue"


def test_a_child_is_on_the_unallocated_list_exactly_while_it_waits(observed) -> None:
    run, records = observed
    assert run.board is not None
    seen = 0
    for day, teams in run.board.weeks.items():
        on_list = {w.child for b in teams.values() for w in b.unallocated}
        waiting = {c for c in records.waits if records.waiting_on(c, day)}
        assert on_list == waiting, day
        seen += len(on_list)
    assert seen > 0


def test_the_page_embeds_every_week_and_highlights_the_child(observed, page) -> None:
    run, records = observed
    data, child, _ = page
    weeks = board.child_weeks(run.board, child)
    assert len(data["weeks"]) == len(weeks) > board.LEAD_WEEKS + board.TAIL_WEEKS
    dates = [run.cal.date_of(b.day) for b in weeks]
    assert all(b - a == timedelta(days=7) for a, b in zip(dates, dates[1:], strict=False))
    for shown, b in zip(data["weeks"], weeks, strict=True):
        assert shown["date"] == f"{run.cal.date_of(b.day):%d %b %Y}"
        tw = records.team_weeks[(b.day, b.team)]
        assert sum(row["n"] for row in shown["rows"]) == shown["cases"] == tw.cases
        assert len(shown["unallocated"]) == tw.unallocated
        assert len(shown["rows"]) == tw.posts
        held = [row for row in shown["rows"] if row["story"]]
        marked = [case for row in shown["rows"] for case in row["cases"] if case[1]]
        waiting = [e for e in shown["unallocated"] if e["story"]]
        # the child waits in exactly the weeks the records have it waiting for a worker
        assert (shown["where"] == "waiting") == records.waiting_on(child, b.day)
        if shown["where"] == "held":
            assert len(held) == len(marked) == 1
            assert not waiting
        elif shown["where"] == "waiting":
            assert len(waiting) == 1
            assert not held
            assert not marked
        else:
            assert not held
            assert not marked
            assert not waiting
        unseen = [e for e in shown["not_seen"] if e["story"]]
        assert len(unseen) == (b.unseen(child) is not None)
    assert {w["where"] for w in data["weeks"]} >= {"held"}
    assert data["weeks"][0]["where"] == "none", "the board opens the week before the child"


def test_the_page_is_one_offline_file_and_the_print_is_a4(page) -> None:
    _, _, paths = page
    text = paths["team_board"].read_text()
    assert "/*DATA*/" not in text
    assert not re.search(r"(src|href)=\"?https?:", text), "nothing is fetched"
    assert paths["board_print"].stat().st_size > 20_000


def test_the_board_changes_no_result(small_config) -> None:
    cfg = small_config(scale=0.1, years=1.0, warmup=0.5)
    with_board, plain = run_one(cfg, 0, team_board=True), run_one(cfg, 0)
    assert with_board.board is not None
    assert with_board.board.weeks
    assert plain.board is None
    assert repr(with_board.result.kpis) == repr(plain.result.kpis)  # NaN equals NaN here


def _board(day: float, team: int, held: int | None = None, waits: int | None = None) -> BoardWeek:
    """A one-worker board holding ``held`` or with ``waits`` on its unallocated list."""
    cases = ((held, "cpp"),) if held is not None else ()
    row = WorkerRow(1, team, "permanent", False, 20, 20, cases, (), None, False, 0.0)
    waiting = (Waiting(waits, day - 3, "cpp", True),) if waits is not None else ()
    return BoardWeek(day, team, "all", 1, "in_post", None, (row,), (), waiting, ())


def test_the_board_follows_the_child_from_team_to_team() -> None:
    log = BoardLog.__new__(BoardLog)
    where = {0: None, 7: None, 14: (0, "held"), 21: (0, "waits"), 28: (1, "held")}
    where |= {35: None, 42: None, 49: None, 56: None}
    log.weeks = {}
    for day, at in where.items():
        log.weeks[day] = {t: _board(day, t) for t in (0, 1)}
        if at is not None:
            team, how = at
            log.weeks[day][team] = _board(day, team, **{"held" if how == "held" else "waits": 5})
    weeks = board.child_weeks(log, 5)
    # one week before the first, two after the last; between spells the last team
    assert [(b.day, b.team) for b in weeks] == [(7, 0), (14, 0), (21, 0), (28, 1), (35, 1), (42, 1)]
    assert board.child_weeks(log, 99) == []


@pytest.mark.browser
def test_the_page_fits_a_projector_and_steps_through_the_weeks(page) -> None:
    if CHROMIUM is None:
        pytest.skip("needs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    data, _, paths = page
    held = next(i for i, w in enumerate(data["weeks"]) if w["where"] == "held")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.goto(paths["team_board"].as_uri())
        size = tab.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
        )
        assert size[0] <= 1280, size
        assert size[1] <= 720, size
        first = int(tab.get_attribute("body", "data-week"))
        assert first == held, "the page opens on the child's first week on a board"
        assert tab.locator(".row.story").count() == 1
        assert tab.locator("#rows .case.story").count() == 1
        tab.click("#next")
        assert tab.get_attribute("body", "data-week") == str(first + 1)
        tab.keyboard.press("ArrowLeft")
        assert tab.get_attribute("body", "data-week") == str(first)
        assert tab.inner_text("#date") == "week of " + data["weeks"][first]["date"]
        # the board as the manager sees it: no child highlighted, then back
        tab.click("#hide")
        assert tab.locator("main .story").count() == 0
        assert "which child would you ask about first" in tab.inner_text("#child-line")
        tab.keyboard.press("h")
        assert tab.locator("#rows .row.story").count() == 1
        smallest = tab.evaluate(
            "Math.min(...[...document.querySelectorAll('body *')]"
            ".filter((e) => e.childNodes.length && e.innerText)"
            ".map((e) => parseFloat(getComputedStyle(e).fontSize)))"
        )
        assert smallest >= 16, "large type: nothing under 16px"
        browser.close()
    assert not errors, errors
