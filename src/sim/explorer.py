"""``python -m sim.explorer``: the command kept at its documented name (sim.teaching.explorer)."""

from sim.teaching.explorer import main

if __name__ == "__main__":
    raise SystemExit(main())
