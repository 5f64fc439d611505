"""``python -m sim.story``: the command kept at its documented name (sim.teaching.story)."""

from sim.teaching.story import main

if __name__ == "__main__":
    raise SystemExit(main())
