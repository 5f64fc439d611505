"""Decisions that depend partly on a child's latent need.

A decision with outcomes ordered from least to most serious uses a Gaussian copula: the
decision score ``u = Phi(rho * need + sqrt(1 - rho^2) * noise)`` is uniform when need is
standard normal, so the configured branching probabilities hold on average for new
referrals, while a child of higher need is more likely to get a more serious outcome.
``rho`` is the decision's accuracy: 0 is a coin toss, 1 ranks children perfectly.
"""

from __future__ import annotations

import math

from sim.entities import Child
from sim.rng import pick


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def ranked_decision(child: Child, probs: tuple[float, ...], accuracy: float) -> int:
    """Index of the outcome for ``child``; ``probs`` run from least to most serious.

    The last outcome takes the remainder of 1, so ``probs`` holds one fewer entries
    than there are outcomes.
    """
    z = accuracy * child.need + math.sqrt(max(0.0, 1.0 - accuracy * accuracy)) * child.rng.normal()
    return pick(_phi(z), probs)
