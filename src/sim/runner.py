"""Run one replication with its subscribers: the KPI recorder and, when asked, the case log.

The one place where a model is built, observed and run; runs (experiment.py), stories and
the explorer (teaching/) all call :func:`run_one`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.calendar import WorkingCalendar
from sim.caselog import CaseLog
from sim.config import Config
from sim.metrics import Recorder
from sim.model import Model


@dataclass
class Run:
    """One finished replication: the model, its recorder and its case log (if kept)."""

    model: Model
    rec: Recorder
    case_log: CaseLog | None

    @property
    def cal(self) -> WorkingCalendar:
        """The run's working-day calendar."""
        return self.model.cal

    @property
    def log(self) -> CaseLog:
        """The case log (the run must have kept one)."""
        if self.case_log is None:
            raise ValueError("this run kept no case log: run it with case_log=True")
        return self.case_log

    @property
    def end_day(self) -> int:
        """The day the run ended."""
        return self.model.end_day

    @property
    def cfg(self) -> Config:
        """The run's configuration."""
        return self.model.cfg


def run_one(cfg: Config, replication: int, case_log: bool = False, audit: bool = False) -> Run:
    """Run replication ``replication`` of ``cfg`` with a recorder (and a case log).

    Args:
        cfg: A validated configuration.
        replication: Replication index (selects the random streams).
        case_log: Keep every child's dated events for chronologies.
        audit: Check the model's state bookkeeping every week (slower; for tests).

    """
    model = Model(cfg, replication, audit=audit)
    recorder = Recorder.attach(model)
    log = CaseLog.attach(model) if case_log else None
    model.run()
    recorder.close()
    return Run(model, recorder, log)


def run_replication(cfg: Config, replication: int, audit: bool = False) -> Recorder:
    """Run one replication of ``cfg`` and return its recorder."""
    return run_one(cfg, replication, audit=audit).rec
