"""The team board: a manager's view of the team holding a story's child, week by week.

What a team manager sees on a Monday morning (boardlog.py gathers it as each week's
``TeamWeek`` snapshot is made, before any review or visit is planned): each worker's
caseload against their cap, the cases whose statutory visit is overdue, who is away, who
has given notice and which posts nobody holds; the team's unallocated list (children
waiting for a worker, and for how long) and its "not seen" list (children on a plan whose
visit is overdue); and the manager post (in post, interim or vacant). The board follows
the team holding the story's child: from the week before the child first appears on a
team's board (held by a worker or waiting for one) to two weeks after the last, each
week showing the team the child is with (between spells, the team it was last with).
The child is highlighted wherever it appears.

:func:`write_board` writes ``team_board.html`` (offline, one file: a week slider and
previous/next buttons, large type, sized for a 1280x720 projector) and
``team_board.png`` (a heat map of the same weeks for print: caseloads by post, the
lengths of the two lists and the manager post, the child's cells outlined).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from sim.boardlog import BoardLog, BoardWeek, WorkerRow
from sim.caselog import worker_name
from sim.plots import save
from sim.teaching.casefile import person_name

if TYPE_CHECKING:
    from sim.calendar import WorkingCalendar
    from sim.runner import Run

LEAD_WEEKS = 1
"""Weeks shown before the child first appears on a board (the team as the case arrives)."""
TAIL_WEEKS = 2
"""Weeks shown after the child last appears on a board."""
STAGES = {
    "cpp": ("P", "child protection plan", "CPP"),
    "cin": ("N", "child in need plan", "CiN"),
    "section_47": ("S", "section 47 enquiry", "s47"),
    "awaiting_icpc": ("I", "awaiting the initial conference", "ICPC due"),
    "assessment": ("A", "assessment", "assessment"),
    "front_door": ("F", "at the front door", "front door"),
}
"""Each open stage's one-letter code on the page, its words and its short form for lists."""
KIND_TEXT = {
    "all": "all-through team",
    "assessment": "assessment team",
    "long_term": "long-term team",
}
MANAGER_STATES = ("in_post", "interim", "vacant")
"""The manager post as the board shows it (acting and stretched cover are both interim)."""
PRINT_TEAMS = 4
"""The print figure draws at most this many teams (those the child spends most weeks with)."""
NUMBERS_UP_TO_WEEKS = 60
"""The print figure writes the numbers in its cells when it shows at most this many weeks."""


def team_name(team: int) -> str:
    """How the board names a team: ``Team <n>``, counting from 1 as ``TM<n>`` does."""
    return f"Team {team + 1}"


def child_name(child: int) -> str:
    """How the board names a child."""
    return f"Child {child}"


def child_weeks(log: BoardLog, child: int) -> list[BoardWeek]:
    """The boards of the team holding ``child``, one a week (empty: never on a board).

    From :data:`LEAD_WEEKS` before the first week the child is on a team's board (held
    by one of its workers, or on its unallocated list) to :data:`TAIL_WEEKS` after the
    last; a week the child is on no board shows the team it was last with (before the
    first: the first).
    """
    days = sorted(log.weeks)
    found = {
        i: team
        for i, day in enumerate(days)
        for team, board in log.weeks[day].items()
        if board.shows(child)
    }
    if not found:
        return []
    first, last = min(found), max(found)
    team = found[first]
    weeks = []
    for i in range(max(0, first - LEAD_WEEKS), min(len(days), last + TAIL_WEEKS + 1)):
        team = found.get(i, team)
        weeks.append(log.weeks[days[i]][team])
    return weeks


def person(worker: int | None) -> str:
    """A social worker as the chronology names them ("Sam Patel"); "" for nobody."""
    code = worker_name(worker)
    return person_name(code).removesuffix(" (social worker)") if code else ""


def manager_state(status: str) -> str:
    """The manager post as the board shows it: in post, interim (acting, stretched), vacant."""
    return {"in_post": "in_post", "vacant": "vacant"}.get(status, "interim")


def manager_text(board: BoardWeek) -> str:
    """The manager post in words."""
    if board.manager == "in_post":
        return "in post"
    if board.manager == "acting":
        return "interim: an acting manager from the team"
    if board.manager == "stretched" and board.covered_by is not None:
        return f"interim: {team_name(board.covered_by)}'s manager covers"
    return "VACANT: no manager and no cover"


def _days(since: float, day: float) -> int:
    """Whole calendar days from ``since`` to ``day``."""
    return int(day - since)


def _for(since: float, day: float) -> str:
    """How long since ``since``, in words."""
    days = _days(since, day)
    return "under a day" if days == 0 else f"{days} day{'s' if days > 1 else ''}"


def _date(cal: WorkingCalendar, day: float) -> str:
    return f"{cal.date_of(day):%d %b %Y}"


def _status(row: WorkerRow, board: BoardWeek, cal: WorkingCalendar) -> str:
    """What the board says beside a worker's name (agency, away, notice, new)."""
    parts = []
    if row.away_until is not None:
        parts.append(f"away until {_date(cal, row.away_until)}")
    if row.kind == "agency":
        parts.append("agency")
    if row.leaving:
        parts.append("has given notice")
    if row.newly_qualified:
        parts.append("newly qualified")
    if row.away_until is None and row.cap < row.full_cap:
        parts.append(f"building up: cap {row.cap} of {row.full_cap}")
    return "; ".join(parts)


def _row(row: WorkerRow, board: BoardWeek, child: int, cal: WorkingCalendar) -> dict[str, Any]:
    overdue = set(row.overdue)
    return {
        "name": person(row.worker),
        "post": row.post,
        "status": _status(row, board, cal),
        "away": row.away_until is not None,
        "cap": row.cap,
        "n": len(row.cases),
        "overdue": len(overdue),
        "story": any(c == child for c, _ in row.cases),
        # one entry a case: [stage code, the story's child, visit overdue]
        "cases": [[STAGES[stage][0], int(c == child), int(c in overdue)] for c, stage in row.cases],
    }


def _vacant(post: int) -> dict[str, Any]:
    return {
        "name": "Vacant post",
        "post": post,
        "vacant": True,
        "story": False,
        "n": 0,
        "cases": [],
    }


def _child_line(board: BoardWeek, child: int, cal: WorkingCalendar) -> tuple[str, str]:
    """Where the child is on this week's board: ``(where, words)``."""
    name = child_name(child)
    unseen = board.unseen(child)
    overdue = (
        f"; statutory visit overdue since {_date(cal, unseen.due_day)} "
        f"({_for(unseen.due_day, board.day)}): on the not-seen list"
        if unseen is not None
        else ""
    )
    holder = board.holder(child)
    if holder is not None:
        stage = next(s for c, s in holder.cases if c == child)
        return "held", (
            f"{name} ({STAGES[stage][1]}) is with {person(holder.worker)}, "
            f"who holds {len(holder.cases)} cases (cap {holder.cap}){overdue}"
        )
    waiting = board.waiting(child)
    if waiting is not None:
        why = " after a handover" if waiting.handover else ""
        return "waiting", (
            f"{name} ({STAGES[waiting.stage][1]}) has waited for a worker{why} since "
            f"{_date(cal, waiting.since_day)} ({_for(waiting.since_day, board.day)})"
            f"{overdue}"
        )
    return "none", f"{name} is not on {team_name(board.team)}'s board this week"


def _week(board: BoardWeek, child: int, cal: WorkingCalendar) -> dict[str, Any]:
    """One week of the page: the team's board with the child's place on it."""
    by_post: dict[int, dict[str, Any]] = {p: _vacant(p) for p in board.vacant_posts}
    for row in board.workers:
        by_post[row.post] = _row(row, board, child, cal)
    where, text = _child_line(board, child, cal)
    return {
        "date": _date(cal, board.day),
        "team": team_name(board.team),
        "kind": KIND_TEXT.get(board.kind, board.kind),
        "manager": manager_state(board.manager),
        "manager_text": manager_text(board),
        "posts": board.posts,
        "cases": board.caseloads,
        "where": where,
        "child_text": text,
        "rows": [by_post[p] for p in sorted(by_post)],
        "unallocated": [
            {
                "name": child_name(w.child),
                "days": _days(w.since_day, board.day),
                "stage": STAGES[w.stage][2],
                "handover": w.handover,
                "story": w.child == child,
            }
            for w in board.unallocated
        ],
        "not_seen": [
            {
                "name": child_name(n.child),
                "days": _days(n.due_day, board.day),
                "plan": "CPP" if n.plan == "cpp" else "CiN",
                "worker": person(n.worker) or "no worker",
                "story": n.child == child,
            }
            for n in board.not_seen
        ],
    }


def page_data(
    weeks: Sequence[BoardWeek], child: int, cal: WorkingCalendar, label: str
) -> dict[str, Any]:
    """Everything the page shows, every week embedded (JSON-ready)."""
    scale = max(
        [r.full_cap for b in weeks for r in b.workers]
        + [len(r.cases) for b in weeks for r in b.workers]
        + [1]
    )
    return {
        "child": child,
        "child_name": child_name(child),
        "title": f"{child_name(child)}'s team, week by week ({label} scenario)",
        "scale": scale,
        "stages": {code: words for code, words, _ in STAGES.values()},
        "weeks": [_week(b, child, cal) for b in weeks],
    }


def write_page(data: dict[str, Any], path: Path) -> Path:
    """Write the self-contained page (the data embedded in the template)."""
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False)
    path.write_text(TEMPLATE.replace("/*DATA*/null", payload.replace("</", "<\\/")))
    return path


# -- the print figure -----------------------------------------------------------------------
@dataclass(frozen=True)
class Grid:
    """The print figure's cells for one team: posts by weeks, then the lists and manager."""

    team: int
    loads: np.ndarray
    """Cases by post (rows) and week (columns); NaN where the post is vacant."""
    away: np.ndarray
    waiting: np.ndarray
    not_seen: np.ndarray
    manager: np.ndarray
    """0 in post, 1 interim, 2 vacant."""
    child_row: list[int | None]
    """Each week, the row of the post whose worker holds the child (None: not held here)."""
    child_waiting: list[bool]
    child_not_seen: list[bool]
    shown: list[bool]
    """Weeks the page shows this team (the child is with it)."""


def grids(log: BoardLog, weeks: Sequence[BoardWeek], child: int) -> list[Grid]:
    """One grid a team the child is with, in the order the child comes to them.

    At most :data:`PRINT_TEAMS`: those the board shows for most weeks.
    """
    days = [b.day for b in weeks]
    shown = [b.team for b in weeks]
    most = sorted(set(shown), key=lambda t: (-shown.count(t), shown.index(t)))[:PRINT_TEAMS]
    teams = [t for t in dict.fromkeys(shown) if t in most]
    out = []
    for team in teams:
        boards = [log.weeks[d][team] for d in days]
        posts = sorted({p for b in boards for p in (*b.vacant_posts, *(r.post for r in b.workers))})
        row_of = {p: i for i, p in enumerate(posts)}
        loads = np.full((len(posts), len(days)), np.nan)
        away = np.zeros_like(loads, dtype=bool)
        child_row: list[int | None] = []
        for j, b in enumerate(boards):
            for r in b.workers:
                loads[row_of[r.post], j] = len(r.cases)
                away[row_of[r.post], j] = r.away_until is not None
            holder = b.holder(child)
            child_row.append(None if holder is None else row_of[holder.post])
        out.append(
            Grid(
                team=team,
                loads=loads,
                away=away,
                waiting=np.array([len(b.unallocated) for b in boards]),
                not_seen=np.array([len(b.not_seen) for b in boards]),
                manager=np.array([MANAGER_STATES.index(manager_state(b.manager)) for b in boards]),
                child_row=child_row,
                child_waiting=[b.waiting(child) is not None for b in boards],
                child_not_seen=[b.unseen(child) is not None for b in boards],
                shown=[w.team == team for w in weeks],
            )
        )
    return out


def board_figure(
    log: BoardLog, weeks: Sequence[BoardWeek], child: int, cal: WorkingCalendar, label: str
) -> Figure:
    """The weeks of the board as heat maps for print (A4 landscape), the child outlined."""
    teams = grids(log, weeks, child)
    rows = [len(g.loads) + 3 for g in teams]
    fig = Figure(figsize=(11.69, 8.27), layout="constrained")
    axes = fig.subplots(len(teams), 1, squeeze=False, gridspec_kw={"height_ratios": rows})[:, 0]
    cap = max([r.full_cap for b in weeks for r in b.workers] + [1])
    dates = [cal.date_of(b.day) for b in weeks]
    for ax, grid in zip(axes, teams, strict=True):
        _draw_grid(ax, grid, cap, dates)
    fig.suptitle(
        f"{child_name(child)}'s team, week by week ({label} scenario)\nCases held by each "
        "post's worker, the two lists and the manager post; "
        f"{child_name(child)} outlined; weeks with another team faded",
        fontsize=11,
    )
    handles = [
        Patch(facecolor="#d9d9d9", hatch="//", edgecolor="#888888", label="vacant post"),
        Patch(facecolor="#c6dbef", label="worker away"),
        Patch(facecolor="none", edgecolor="black", linewidth=2.5, label=child_name(child)),
        Patch(facecolor="#a1d99b", label="manager in post"),
        Patch(facecolor="#fdd49e", label="interim manager"),
        Patch(facecolor="#ef6548", label="manager post vacant"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=10, frameon=False)
    return fig


def _draw_grid(ax: Any, grid: Grid, cap: int, dates: Sequence[Any]) -> None:
    """One team's panel: a row a post, then the two lists and the manager post."""
    n_posts, n_weeks = grid.loads.shape
    loads = np.ma.masked_invalid(grid.loads)
    image = ax.imshow(
        loads,
        aspect="auto",
        cmap="YlOrRd",
        vmin=0,
        vmax=cap,
        extent=(-0.5, n_weeks - 0.5, n_posts - 0.5, -0.5),
        interpolation="nearest",
    )
    for i in range(n_posts):
        for j in range(n_weeks):
            if np.isnan(grid.loads[i, j]):
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, facecolor="#d9d9d9", hatch="//", edgecolor="#888"
                    )
                )
            elif grid.away[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#c6dbef"))
    lists = np.vstack([grid.waiting, grid.not_seen]).astype(float)
    top = max(1.0, float(lists.max()))
    ax.imshow(
        lists,
        aspect="auto",
        cmap="Purples",
        vmin=0,
        vmax=top * 1.3,
        extent=(-0.5, n_weeks - 0.5, n_posts + 1.5, n_posts - 0.5),
        interpolation="nearest",
    )
    ax.imshow(
        grid.manager[None, :],
        aspect="auto",
        cmap=ListedColormap(["#a1d99b", "#fdd49e", "#ef6548"]),
        vmin=-0.5,
        vmax=2.5,
        extent=(-0.5, n_weeks - 0.5, n_posts + 2.5, n_posts + 1.5),
        interpolation="nearest",
    )
    if n_weeks <= NUMBERS_UP_TO_WEEKS:
        size = 8 if n_weeks <= 30 else 6
        for j in range(n_weeks):
            for i in range(n_posts):
                if not np.isnan(grid.loads[i, j]):
                    ax.text(j, i, f"{grid.loads[i, j]:.0f}", ha="center", va="center", size=size)
            for k, value in enumerate((grid.waiting[j], grid.not_seen[j])):
                ax.text(j, n_posts + k, str(value), ha="center", va="center", size=size)
    outlines = [(j, r) for j, r in enumerate(grid.child_row) if r is not None]
    outlines += [(j, n_posts) for j, on in enumerate(grid.child_waiting) if on]
    outlines += [(j, n_posts + 1) for j, on in enumerate(grid.child_not_seen) if on]
    for j, i in outlines:
        ax.add_patch(
            Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2.0)
        )
    for j, shown in enumerate(grid.shown):
        if not shown:  # weeks the child is with another team: faded
            ax.add_patch(
                Rectangle((j - 0.5, -0.5), 1, n_posts + 3, facecolor="white", alpha=0.6, lw=0)
            )
    ax.set_xlim(-0.5, n_weeks - 0.5)
    ax.set_ylim(n_posts + 2.5, -0.5)
    ax.set_yticks(
        range(n_posts + 3),
        [f"post {i + 1}" for i in range(n_posts)]
        + ["waiting for a worker", "not seen (visit overdue)", "manager"],
        fontsize=9,
    )
    ax.axhline(n_posts - 0.5, color="black", linewidth=1.0)
    step = max(1, n_weeks // 12)
    ax.set_xticks(
        range(0, n_weeks, step), [f"{dates[j]:%d %b %y}" for j in range(0, n_weeks, step)]
    )
    ax.tick_params(axis="x", labelsize=9)
    ax.set_title(
        f"{team_name(grid.team)}: cases held by each post's worker", fontsize=11, loc="left"
    )
    colorbar = ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    colorbar.set_label("cases held", fontsize=9)


def write_board(run: Run, child: int, out_dir: Path, label: str) -> dict[str, Path]:
    """Write ``team_board.html`` and ``team_board.png`` (nothing if never on a board).

    ``run`` must have kept its boards (``run_one(..., team_board=True)``).
    """
    if run.board is None:
        raise ValueError("this run kept no team boards: run it with team_board=True")
    log, cal = run.board, run.cal
    weeks = child_weeks(log, child)
    if not weeks:
        return {}
    out_dir.mkdir(parents=True, exist_ok=True)
    page = write_page(page_data(weeks, child, cal, label), out_dir / "team_board.html")
    figure = save(board_figure(log, weeks, child, cal, label), out_dir / "team_board.png")
    return {"team_board": page, "board_print": figure}


TEMPLATE = (Path(__file__).with_name("board_page.html")).read_text(encoding="utf-8")
