"""Data shipped with cpsim and the step that builds the table of every authority.

``authorities.csv`` and its sidecar ``authorities.meta.json`` are built from the DfE's
published CSVs by ``python -m sim.data.build`` (:mod:`sim.data.build`) and read by
:mod:`sim.authorities`; ``chronologies/`` holds the case audit's examples.
"""
