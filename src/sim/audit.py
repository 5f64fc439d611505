"""``python -m sim.audit``: the command kept at its documented name (sim.teaching.audit)."""

from sim.teaching.audit import main

if __name__ == "__main__":
    raise SystemExit(main())
