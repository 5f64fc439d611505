"""``python -m sim.compare DIR [DIR ...]``: rebuild comparison tables and figures.

Each DIR is a finished run folder or a sweep folder of job folders. With one sweep
folder, its sweep_summary.csv, paired_differences.csv, figures and report are rewritten
in place; otherwise they go to ``--out`` (default: results/compare). Nothing is re-run.

Every folder is read and checked before anything is written: a folder that is not a run
or sweep folder, a run that is not finished, a sweep with no finished job, or a broken
run.json, summary.csv, kpis.csv or .hydra/overrides.yaml stops the command with one line
naming the file, exit status 2, and nothing written. Job folders of a sweep that did not
finish are left out, and a line on stderr says so.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.arguments import OneLineParser
from sim.config import ConfigError
from sim.sweeps import find_jobs, write_sweep_outputs
from sim.userfiles import check_writable


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = OneLineParser(prog="python -m sim.compare", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="run or sweep folders")
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write (default: the sweep folder)"
    )
    args = parser.parse_args(argv)
    out = args.out or (args.folders[0] if len(args.folders) == 1 else Path("results") / "compare")
    try:
        found = find_jobs(args.folders)
        check_writable(out)
        if found.unfinished:
            named = [f"{p.name} ({why})" for p, why in found.unfinished.items()]
            left_out = ", ".join(named[:3]) + (
                f" and {len(named) - 3} more" if len(named) > 3 else ""
            )
            print(
                f"sim.compare: note: {len(found.unfinished)} unfinished job folders left out: "
                f"{left_out}",
                file=sys.stderr,
            )
        summary = write_sweep_outputs(out, found.jobs)
    except ConfigError as exc:
        message = " ".join(str(exc).splitlines())
        print(f"sim.compare: error: {message}", file=sys.stderr)
        return 2
    print(f"{len(found.jobs)} runs compared: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
