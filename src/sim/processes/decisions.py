"""Decisions that depend partly on what is known of a child's need.

A decision with outcomes ordered from least to most serious uses a Gaussian copula: the
decision score ``u = Phi(rho * z + sqrt(1 - rho^2) * noise)`` is uniform when ``z`` is
standard normal, so the configured branching probabilities hold on average, while a child
of higher need is more likely to get a more serious outcome. ``rho`` is the decision's
accuracy: 0 is a coin toss, 1 ranks children perfectly.

At the front door ``z`` is the child's latent need itself (standard normal at a first
referral). Later decisions are made on what the service *knows* (``perceived_need``),
and the children who reach a section 47, a conference or a review are not a standard
normal sample: so ``z`` is the normal score of the child's rank among the children who
came to the same decision recently (:class:`Ranker`). The published shares then hold
whatever the need of the children who get there, and the decision ranks them on what
workers saw.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from statistics import NormalDist
from typing import TYPE_CHECKING

from sim.entities import Child
from sim.rng import pick

if TYPE_CHECKING:
    from sim.model import Model

RANK_WINDOW = 250
"""How many recent decisions of the same kind a child's known need is ranked among
(about two months of section 47s in an average authority; an assumption of the method,
not of practice: the window only has to be long enough to give a stable ranking)."""
MIN_RANKED = 20
"""Below this many earlier decisions the known need is used as a standard-normal score."""
_NORMAL = NormalDist()


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def ranked_decision(child: Child, probs: tuple[float, ...], accuracy: float) -> int:
    """Index of the outcome for ``child`` on its latent need; ``probs`` least to most serious.

    The last outcome takes the remainder of 1, so ``probs`` holds one fewer entries
    than there are outcomes.
    """
    return _copula(child, child.need, probs, accuracy)


def seen_score(child: Child, z: float, accuracy: float) -> float:
    """The decision score ``u`` in [0, 1] of a child at normal score ``z``: what is seen of it.

    One draw from the child's stream. The front door keeps it, because its priority
    rating and its decision are both made on what the referral shows (front_door.py).
    """
    noise = math.sqrt(max(0.0, 1.0 - accuracy * accuracy)) * child.rng.normal()
    return _phi(accuracy * z + noise)


def _copula(child: Child, z: float, probs: tuple[float, ...], accuracy: float) -> int:
    return pick(seen_score(child, z, accuracy), probs)


class Ranker:
    """The known need of the last :data:`RANK_WINDOW` children at one decision point."""

    def __init__(self) -> None:
        self.recent: deque[float] = deque()
        self.ordered: list[float] = []

    def score(self, known_need: float) -> float:
        """The normal score of ``known_need``'s mid-rank among the recent ones; then keep it.

        With fewer than :data:`MIN_RANKED` earlier decisions the known need itself is the
        score (held within 5 sd; unknown need, ``-inf``, counts as the lowest).
        """
        n = len(self.ordered)
        if n < MIN_RANKED:
            z = max(-5.0, min(5.0, known_need))
        else:
            below = bisect_left(self.ordered, known_need)
            ties = bisect_right(self.ordered, known_need) - below
            z = _NORMAL.inv_cdf((below + 0.5 * ties + 0.5) / (n + 1))
        self._keep(known_need)
        return z

    def _keep(self, known_need: float) -> None:
        self.recent.append(known_need)
        insort(self.ordered, known_need)
        if len(self.recent) > RANK_WINDOW:
            old = self.recent.popleft()
            del self.ordered[bisect_left(self.ordered, old)]


def known_need_decision(
    child: Child, ranker: Ranker, probs: tuple[float, ...], accuracy: float, history: float = 0.0
) -> int:
    """Index of the outcome for ``child`` ranked on its known need; ``probs`` as above.

    ``history`` is added to the known need for ranking: what an earlier plan tells the
    decision makers (:func:`history_weight`).
    """
    return _copula(child, ranker.score(child.perceived_need + history), probs, accuracy)


def history_weight(m: Model, child: Child) -> float:
    """What a child's earlier child protection plans add to the known need at a decision.

    ``pathway.history_weight`` (need-score units) for a child who has had a CPP before
    (in this authority or, for pre-populated families, before the run); 0 otherwise.
    Practitioners and conferences weigh a previous plan as a sign of risk.
    """
    return m.cfg.pathway.history_weight if child.cpp_plans > 0 else 0.0


def accuracy_for(m: Model, child: Child, accuracy: float) -> float:
    """A decision's accuracy, lower when the case has no worker or a worker new to it.

    A worker who has held the case for under ``need.new_worker_weeks`` (or nobody, when
    the case waits for a worker) knows the child less well
    (``pathway.new_worker_decision_factor``; seed 002's six social workers).
    """
    if child.worker is None or m.now_wd() - child.worker_since_wd < 5 * m.cfg.need.new_worker_weeks:
        return accuracy * m.cfg.pathway.new_worker_decision_factor
    return accuracy
