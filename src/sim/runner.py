"""Running replications: one at a time, or many in parallel processes.

Everything that runs the model goes through here: ``cpsim`` (experiment.py), the studies
(studies.py), a child's story (teaching/story.py), the drift explorer
(teaching/explorer.py) and the seeded baseline (baseline.py). :func:`run_one` builds one
replication, attaches its subscribers (the KPI recorder and, when asked, the case log and
the team board log) to
the model's event stream, and runs it; :func:`run_many` runs a list of them in worker
processes with a progress bar and returns what each gave, in the order asked for. A
replication draws only from its own random streams, so the results do not depend on the
number of processes.

Ctrl-C or SIGTERM while worker processes run ends them at once and quietly
(:func:`sim.interrupts.quiet_worker`); the caller reports the interruption.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TypeVar

from tqdm import tqdm

from sim.boardlog import BoardLog
from sim.calendar import WorkingCalendar
from sim.caselog import CaseLog
from sim.config import Config
from sim.interrupts import quiet_worker
from sim.metrics import Recorder
from sim.model import Model
from sim.needtrace import NeedTrace
from sim.results import ReplicationResult, replication_result

T = TypeVar("T")


@dataclass
class Run:
    """One finished replication: the model, its recorder and its case log (if kept).

    Attributes:
        model: The model after its run (calendar, children, workforce).
        rec: The KPI recorder that watched the run.
        case_log: Every child's dated events, when the run kept them.
        board: Every team's weekly board, when the run kept them (stories).
        need_trace: Children's need, seen need and drift week by week, when traced.

    """

    model: Model
    rec: Recorder
    case_log: CaseLog | None
    board: BoardLog | None = None
    need_trace: NeedTrace | None = None

    @property
    def replication(self) -> int:
        """The replication's index."""
        return self.model.replication

    @property
    def cal(self) -> WorkingCalendar:
        """The run's working-day calendar."""
        return self.model.cal

    @property
    def cfg(self) -> Config:
        """The run's configuration."""
        return self.model.cfg

    @property
    def end_day(self) -> int:
        """The day the run ended."""
        return self.model.end_day

    @property
    def log(self) -> CaseLog:
        """The case log (the run must have kept one)."""
        if self.case_log is None:
            raise ValueError("this run kept no case log: run it with case_log=True")
        return self.case_log

    @cached_property
    def result(self) -> ReplicationResult:
        """The replication's KPIs, weekly time series and episodes."""
        start = date.fromisoformat(self.cfg.run.start_date)
        return replication_result(self.rec, self.replication, start)


def run_one(
    cfg: Config,
    replication: int,
    case_log: bool = False,
    audit: bool = False,
    team_board: bool = False,
    need_trace: bool = False,
    follow: Collection[int] | None = None,
) -> Run:
    """Build, observe and run replication ``replication`` of ``cfg``.

    Args:
        cfg: A validated configuration.
        replication: Replication index (selects the random streams).
        case_log: Keep every child's dated events (for chronologies); draws no random
            numbers, so results are the same either way.
        audit: Check the model's state bookkeeping every week (slower; for tests).
        team_board: Keep every team's weekly board (boardlog.py); like the case log, it
            changes nothing.
        need_trace: Keep the need, seen need and drift of children week by week (for a
            story's timeline); draws no random numbers either.
        follow: The children the need trace follows (None: every child).

    """
    model = Model(cfg, replication, audit=audit)
    recorder = Recorder.attach(model)
    log = CaseLog.attach(model) if case_log else None
    board = BoardLog.attach(model) if team_board else None
    trace = NeedTrace.attach(model, follow) if need_trace else None
    model.run()
    recorder.close()
    return Run(model, recorder, log, board, trace)


@dataclass(frozen=True)
class Job:
    """One replication to run: a configuration, an index and whether to log cases."""

    cfg: Config
    replication: int
    case_log: bool = False


def result_of(run: Run) -> ReplicationResult:
    """What most callers keep of a replication: its result (the model is freed)."""
    return run.result


def _run_job(job: Job, keep: Callable[[Run], T]) -> T:
    """Run one job and keep what the caller needs (in the worker process)."""
    return keep(run_one(job.cfg, job.replication, job.case_log))


def run_many(
    jobs: Sequence[Job],
    keep: Callable[[Run], T] = result_of,  # type: ignore[assignment]
    n_jobs: int = 0,
    progress: bool | None = None,
    desc: str = "replications",
    done: Callable[[int, T], None] | None = None,
) -> list[T]:
    """Run ``jobs`` in up to ``n_jobs`` processes; ``keep`` of each, in the order of jobs.

    Args:
        jobs: The replications to run.
        keep: What to keep of a finished replication; it runs in the worker, so it must
            be picklable (a module-level function, or a ``functools.partial`` of one) and
            return something picklable (a Model is not: keep what you need of it).
        n_jobs: Worker processes (0: one per core); one runs everything in this process.
        progress: Show a progress bar (default: when stderr is a terminal).
        desc: The progress bar's label.
        done: Called in this process with each job's index and what was kept of it as
            soon as it finishes (in the order they finish), so that a caller can save
            finished work before the rest is done (sim.sensitivity keeps each design point).

    """
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    show = sys.stderr.isatty() if progress is None else progress
    outputs: dict[int, T] = {}
    with tqdm(total=len(jobs), desc=desc, unit="rep", disable=not show) as bar:
        if n_jobs == 1:
            for i, job in enumerate(jobs):
                outputs[i] = _run_job(job, keep)
                _finished(i, outputs[i], done)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=n_jobs, initializer=quiet_worker) as pool:
                try:
                    futures = {pool.submit(_run_job, job, keep): i for i, job in enumerate(jobs)}
                    for future in as_completed(futures):
                        i = futures[future]
                        outputs[i] = future.result()
                        _finished(i, outputs[i], done)
                        bar.update()
                except BaseException:
                    _stop_workers(pool)
                    raise
    return [outputs[i] for i in range(len(jobs))]


def _finished(i: int, kept: T, done: Callable[[int, T], None] | None) -> None:
    """Tell the caller that job ``i`` finished, if it asked to know."""
    if done is not None:
        done(i, kept)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers now, dropping what they were running (an interrupt or error).

    Leaving the ``with`` block would otherwise wait for every running replication to
    finish. Python 3.14 has ``terminate_workers``; before it, the pool's processes are
    only reachable through its private ``_processes``.
    """
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:  # pragma: no cover - Python 3.14 and later
        terminate()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)


def run_replications(
    cfg: Config, progress: bool | None = None, label: str | None = None
) -> list[ReplicationResult]:
    """Every replication of ``cfg`` (``run.replications``, in ``run.n_jobs`` processes).

    The progress bar is labelled ``label``, by default the scenario's name.
    """
    jobs = [Job(cfg, r) for r in range(cfg.run.replications)]
    desc = f"{label or cfg.scenario_name}: replications"
    return run_many(jobs, result_of, cfg.run.n_jobs, progress, desc)
