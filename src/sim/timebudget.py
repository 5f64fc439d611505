"""Spending a week's hours on tasks: shared by workers' and managers' weekly plans."""

from __future__ import annotations


def spend_hours(
    budget: float, used: float, hours_left: float, w0: int, n_days: int
) -> tuple[float, float, int | None]:
    """Spend what is left of a week's ``budget`` on a task needing ``hours_left``.

    Returns the hours used so far, the task's hours still left, and the working day the
    task finished (the day of the week the budget had reached then), or None.
    """
    available = budget - used
    if available <= 0:
        return used, hours_left, None
    spend = min(available, hours_left)
    used += spend
    hours_left -= spend
    if hours_left > 1e-9:
        return used, hours_left, None
    return used, 0.0, w0 + min(n_days - 1, int(n_days * used / budget))
