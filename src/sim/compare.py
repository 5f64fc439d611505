"""``python -m sim.compare DIR [DIR ...]``: rebuild comparison tables and figures.

Each DIR is a finished run folder or a sweep folder of job folders. With one sweep
folder, its sweep_summary.csv, paired_differences.csv, figures and report are rewritten
in place; otherwise they go to ``--out`` (default: results/compare). Nothing is re-run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.sweeps import collect_jobs, write_sweep_outputs


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.compare", description=__doc__.splitlines()[0]
    )
    parser.add_argument("folders", nargs="+", type=Path, help="run or sweep folders")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write (default: the sweep folder)"
    )
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        print(f"sim.compare: error: not a folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    jobs = collect_jobs(args.folders)
    if not jobs:
        print(
            "sim.compare: error: no finished runs (run.json status complete) in those folders",
            file=sys.stderr,
        )
        return 2
    out = args.out or (args.folders[0] if len(args.folders) == 1 else Path("results") / "compare")
    out.mkdir(parents=True, exist_ok=True)
    summary = write_sweep_outputs(out, jobs)
    print(f"{len(jobs)} runs compared: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
