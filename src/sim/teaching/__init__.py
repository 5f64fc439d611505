"""Teaching tools: chronologies, the case audit, stories, timelines and the explorer page.

They sit on top of the model and its outputs and never change what a run computes; the
commands keep their short names (``python -m sim.story``, ``sim.audit``, ``sim.explorer``).
"""
