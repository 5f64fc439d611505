"""Benchmark: seconds per simulated authority-year, SimPy's bare event rate, peak memory,
and the speed-up of replications from one process to two.

Covers: one replication of the default baseline (average authority, four simulated years
including warm-up), run in one process, repeated; a bare SimPy timeout loop measured in
the same run, so the model's cost can be read against SimPy's own per-event cost; the
peak resident memory of this process; and four replications run with run.n_jobs=1 and 2.

Run: ``make bench`` (or ``python benchmarks/bench_model.py --repeats 5``). The README's
performance figures come from this script. It says whether the hot modules ran compiled
(the normal build) or as pure Python (``CPSIM_PURE_PYTHON=1 make bench`` compares).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import resource
import statistics
import time

import simpy

from sim import _compiled
from sim.config import Config, validate
from sim.metrics import Recorder
from sim.model import Model
from sim.runner import run_replications


def bare_simpy_events_per_second(n: int = 200_000) -> float:
    """Events per second of a SimPy process that only yields timeouts."""
    gc.collect()  # start from a clean heap: the model runs before this leave garbage
    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        for _ in range(n):
            yield env.timeout(1)

    env.process(ticker(env))
    start = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - start)


def events_per_run(cfg: Config) -> int:
    """SimPy events in one run of replication 0 (counted in a run of its own, untimed)."""
    model = Model(cfg, 0)
    Recorder.attach(model)
    counter = {"n": 0}
    step = model.env.step

    def counting_step() -> None:
        counter["n"] += 1
        step()

    model.env.step = counting_step  # type: ignore[method-assign]
    model.run()
    return counter["n"]


def model_seconds_per_year(repeats: int) -> tuple[float, float, int]:
    """Median and best seconds per simulated year of the baseline, and events per run.

    The timed runs are plain runs: the event count comes from a separate run, so the
    counting does not slow down the runs that are timed.
    """
    cfg = validate(Config())
    events = events_per_run(cfg)
    timings = []
    model = None
    for r in range(repeats):
        # Free the previous run before timing this one: a run starts by collecting the
        # garbage left in its process, and the previous run's is not this run's cost.
        # (The replication timings below include it, and everything else a replication
        # costs: building the model, computing its KPIs, passing results between processes.)
        del model
        gc.collect()
        model = Model(cfg, r)
        Recorder.attach(model)  # a run's cost includes measuring it
        start = time.perf_counter()
        model.run()
        timings.append((time.perf_counter() - start) / cfg.run.years)
    return statistics.median(timings), min(timings), events


def process_speedup(replications: int = 4) -> tuple[float, float]:
    """Wall seconds for ``replications`` baseline replications with 1 and with 2 processes."""
    cfg = validate(Config())
    times = []
    for n_jobs in (1, 2):
        run = dataclasses.replace(cfg.run, replications=replications, n_jobs=n_jobs)
        gc.collect()  # a clean heap for the worker processes to start from
        start = time.perf_counter()
        run_replications(dataclasses.replace(cfg, run=run), progress=False)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def main() -> None:
    """Print the benchmark figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    median, best, events = model_seconds_per_year(args.repeats)
    bare = bare_simpy_events_per_second()
    years = validate(Config()).run.years
    compiled = len(_compiled.compiled_modules())
    build = f"{compiled} of {len(_compiled.COMPILED_MODULES)} hot modules compiled with mypyc"
    print(f"build: {build if compiled else 'pure Python (not compiled)'}")
    print(
        f"seconds per simulated authority-year: median {median:.3f}, best {best:.3f} ({args.repeats} runs)"
    )
    print(f"model events per run: {events:,} ({events / (median * years):,.0f} events/s)")
    print(f"bare SimPy timeout loop: {bare:,.0f} events/s")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of one replication's process: {peak_mib:.0f} MiB")
    one, two = process_speedup()
    print(
        f"4 replications: {one:.1f} s with 1 process, {two:.1f} s with 2 (speed-up {one / two:.2f}x)"
    )
    print(
        f"a replication end to end: {one / 4 / years:.3f} s per authority-year with 1 process, "
        f"{two / 4 / years:.3f} s with 2"
    )


if __name__ == "__main__":
    main()
