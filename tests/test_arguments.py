"""Every command's argument errors are one line and exit status 2 (no usage block)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize(
    ("module", "prog"),
    [
        ("sim.compare", "python -m sim.compare"),
        ("sim.teaching.story", "python -m sim.story"),
        ("sim.teaching.explorer", "python -m sim.explorer"),
        ("sim.teaching.audit", "python -m sim.audit"),
        ("sim.baseline", "python -m sim.baseline"),
    ],
)
def test_an_unknown_option_is_one_line(module, prog, capsys):
    main = importlib.import_module(module).main
    with pytest.raises(SystemExit) as stop:
        main(["folder", "--no-such-option"] if module == "sim.compare" else ["--no-such-option"])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{prog}: error: unrecognized arguments: --no-such-option"]
