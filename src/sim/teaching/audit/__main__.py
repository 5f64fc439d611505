"""``python -m sim.teaching.audit``: the same command as ``python -m sim.audit``."""

from sim.teaching.audit.report import main

if __name__ == "__main__":
    raise SystemExit(main())
