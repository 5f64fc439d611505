"""The package's layers and its freedom from import cycles, checked by import-linter.

The contracts are ``[tool.importlinter]`` in pyproject.toml (docs/architecture.md): the
model core imports nothing from outputs, tools or teaching; outputs sit below the runner,
the runner below the tools; no two sibling modules import each other, imports inside
functions included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.fail("import-linter is not installed: `make test` installs it (dev extra)")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
