"""Social workers and allocation: caseload caps and the unallocated queue.

A case keeps its worker from stage to stage. A case that needs a worker goes to the
worker with the lowest caseload below the cap (ties to the lowest id); if nobody has room
it waits unallocated, served by priority (section 47, CPP, assessment, CiN) and then in
order of arrival, as soon as a case closes. Turnover, vacancies and agency cover build on
this in issue 3.
"""

from __future__ import annotations

import heapq
from collections import deque
from typing import TYPE_CHECKING

from sim.entities import Child, Priority, Worker

if TYPE_CHECKING:
    from sim.model import Model

N_PRIORITIES = Priority.CIN + 1


class Workforce:
    """The pool of case-holding social workers and the unallocated queue."""

    def __init__(self, m: Model) -> None:
        self.m = m
        w = m.cfg.workforce
        self.workers: list[Worker] = [
            Worker(id=i, cap=w.caseload_cap, hours_per_week=w.casework_hours_per_week)
            for i in range(m.cfg.authority.social_workers)
        ]
        self.queues: list[deque[Child]] = [deque() for _ in range(N_PRIORITIES)]
        # (caseload, worker id) for workers with room; stale entries are skipped on pop.
        self._room: list[tuple[int, int]] = [(0, w.id) for w in self.workers]
        self._by_id = {w.id: w for w in self.workers}

    def request(self, child: Child, priority: int) -> None:
        """Make sure ``child`` has a worker, or wait in the queue at ``priority``."""
        if child.worker is not None:
            return
        if child.waiting_since_day is None:
            child.waiting_since_day = self.m.env.now
        worker = self._with_room()
        if worker is None:
            self.queues[priority].append(child)
        else:
            self._assign(child, worker)

    def release(self, child: Child) -> None:
        """The case closed (or left): free the worker's slot and serve the queue."""
        child.waiting_since_day = None
        worker = child.worker
        if worker is None:
            return
        del worker.cases[child.id]
        child.worker = None
        heapq.heappush(self._room, (len(worker.cases), worker.id))
        self._serve_queue()

    @property
    def unallocated(self) -> int:
        """Cases waiting for a worker."""
        return sum(1 for q in self.queues for c in q if self._is_waiting(c))

    @staticmethod
    def _is_waiting(child: Child) -> bool:
        return child.worker is None and child.waiting_since_day is not None

    def _with_room(self) -> Worker | None:
        """The worker with the lowest caseload below their cap (lowest id on ties)."""
        heap = self._room
        while heap:
            load, wid = heap[0]
            worker = self._by_id.get(wid)
            if worker is None or load != len(worker.cases) or load >= worker.cap:
                heapq.heappop(heap)  # stale: the worker left or their caseload changed
                continue
            return worker
        return None

    def _assign(self, child: Child, worker: Worker) -> None:
        m = self.m
        worker.cases[child.id] = child
        heapq.heappush(self._room, (len(worker.cases), worker.id))
        child.worker = worker
        child.worker_since_wd = m.now_wd()
        child.worker_history.append(worker.id)
        assert child.waiting_since_day is not None
        m.rec.on_allocated(child.waiting_since_day, m.env.now)
        child.waiting_since_day = None

    def _serve_queue(self) -> None:
        for queue in self.queues:
            while queue:
                if not self._is_waiting(queue[0]):
                    queue.popleft()
                    continue
                worker = self._with_room()
                if worker is None:
                    return
                self._assign(queue.popleft(), worker)
