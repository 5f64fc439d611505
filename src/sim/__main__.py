"""``python -m sim``: run a scenario (see experiment.cli)."""

from sim.experiment import cli

if __name__ == "__main__":
    cli()
