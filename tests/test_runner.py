"""The one replication runner shared by runs, studies, stories and the explorer."""

from __future__ import annotations

import ast
import json
from functools import partial
from pathlib import Path

from sim.runner import Job, Run, run_many, run_one

SRC = Path(__file__).resolve().parents[1] / "src" / "sim"


def _kpis(run: Run) -> str:
    return json.dumps(run.result.kpis, sort_keys=True)  # NaN-safe exact comparison


def _children_and_kpis(run: Run, label: str) -> tuple[str, int, str]:
    return label, len(run.model.children), _kpis(run)


def test_many_replications_come_back_in_job_order_whatever_the_number_of_processes(small_config):
    cfg = small_config(scale=0.1, years=1.0, warmup=0.5)
    jobs = [Job(cfg, r) for r in (2, 0, 1)]
    keep = partial(_children_and_kpis, label="x")  # a picklable keep, run in the worker
    one = run_many(jobs, keep, n_jobs=1, progress=False)
    two = run_many(jobs, keep, n_jobs=2, progress=False)
    assert one == two
    assert [kpis for _, _, kpis in one] == [_kpis(run_one(cfg, r)) for r in (2, 0, 1)]
    assert len({kpis for _, _, kpis in one}) == 3, "each replication has its own streams"
    results = run_many(jobs, n_jobs=2, progress=False)  # default: keep the result
    assert [r.replication for r in results] == [2, 0, 1]


def test_a_case_log_keeps_every_childs_events_and_changes_no_result(small_config):
    cfg = small_config(scale=0.1, years=1.0, warmup=0.5)
    logged, plain = run_one(cfg, 0, case_log=True), run_one(cfg, 0)
    assert logged.log.entries
    assert plain.case_log is None
    assert _kpis(logged) == _kpis(plain)
    assert logged.result.replication == 0


def test_only_the_runner_builds_the_model():
    """Every command runs replications through sim.runner, which builds Model once."""
    builders = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "Model":
                    builders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    in_runner = [b for b in builders if b.startswith("runner.py:")]
    others = [b for b in builders if not b.startswith(("runner.py:", "model.py:"))]
    assert len(in_runner) == 1, builders
    assert others == [], "build replications with sim.runner.run_one"
