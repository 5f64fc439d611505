"""Teams: which posts form a team, what kind of work it holds and which patch it covers.

The authority's funded posts are grouped in teams of ``workforce.team_size`` under a team
manager. Under the ``single`` structure every team holds cases from referral to closure;
under ``split`` the first ``assessment_team_share`` of the posts form assessment teams
(front door, assessment, section 47, awaiting the ICPC) and the rest long-term teams (CPP
and CiN plans, and any enquiry on a case already on a plan).

Each family lives at a point of [0, 1) (``Child.patch``). The teams of one kind divide
[0, 1) between them into patches whose widths are their share of the demand: a team's
demand per post is lognormal around the authority's (``workforce.team_demand_spread``),
because authorities size teams to their areas only roughly. So some teams are busier per
worker than others, before any vacancy (the national spread of caseloads, FACTS.md).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import Protocol

SINGLE, ASSESSMENT, LONG_TERM = "all", "assessment", "long_term"
"""Team kinds: an all-through team (single structure), and the two of the split one."""


class NormalSource(Protocol):
    """What the team builder draws from (a named stream, rng.BufferedStream)."""

    def normal(self) -> float:
        """A standard normal draw."""
        ...


@dataclass(eq=False)
class Team:
    """A team: its index, kind, posts and the patch of [0, 1) it covers for its kind."""

    index: int
    kind: str
    posts: list[int]
    demand_weight: float
    patch_low: float = 0.0
    patch_high: float = 1.0


class Teams:
    """The authority's teams and the lookup from a family's patch to the team covering it."""

    def __init__(
        self,
        n_posts: int,
        team_size: int,
        structure: str,
        assessment_share: float,
        spread: float,
        stream: NormalSource,
    ) -> None:
        self.split = structure == "split" and n_posts > 1
        if self.split:
            n_assessment = min(n_posts - 1, max(1, round(n_posts * assessment_share)))
            groups = [(ASSESSMENT, 0, n_assessment), (LONG_TERM, n_assessment, n_posts)]
        else:
            groups = [(SINGLE, 0, n_posts)]
        self.teams: list[Team] = []
        for kind, first, end in groups:
            for start in range(first, end, team_size):
                posts = list(range(start, min(end, start + team_size)))
                weight = len(posts) * math.exp(spread * stream.normal() - spread * spread / 2)
                self.teams.append(Team(len(self.teams), kind, posts, weight))
        self._bounds: dict[str, tuple[list[float], list[int]]] = {}
        for kind in {t.kind for t in self.teams}:
            of_kind = [t for t in self.teams if t.kind == kind]
            total = sum(t.demand_weight for t in of_kind)
            upper = 0.0
            highs: list[float] = []
            for team in of_kind:
                team.patch_low = upper
                upper += team.demand_weight / total
                team.patch_high = upper
                highs.append(upper)
            highs[-1] = 1.0  # no point of [0, 1) falls beyond the last patch
            of_kind[-1].patch_high = 1.0
            self._bounds[kind] = (highs, [t.index for t in of_kind])

    def __len__(self) -> int:
        return len(self.teams)

    def team_of_post(self) -> list[int]:
        """The team index of every post, by post id."""
        of_post = [0] * sum(len(t.posts) for t in self.teams)
        for team in self.teams:
            for post in team.posts:
                of_post[post] = team.index
        return of_post

    def kind_for(self, long_term: bool) -> str:
        """The kind of team that holds a case (long-term: from a plan's start to closure)."""
        if not self.split:
            return SINGLE
        return LONG_TERM if long_term else ASSESSMENT

    def covering(self, patch: float, long_term: bool) -> int:
        """The index of the team of the needed kind whose patch holds ``patch``."""
        highs, indices = self._bounds[self.kind_for(long_term)]
        return indices[min(len(indices) - 1, bisect.bisect_right(highs, patch))]

    def of_kind(self, kind: str) -> list[int]:
        """The indices of the teams of one kind."""
        return self._bounds[kind][1]
