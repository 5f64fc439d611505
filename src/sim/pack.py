"""``python -m sim.pack``: the command kept at a short name (sim.teaching.pack)."""

from sim.teaching.pack import main

if __name__ == "__main__":
    raise SystemExit(main())
