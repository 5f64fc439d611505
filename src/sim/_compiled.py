"""Which of the model's modules run compiled, and the fall-back to pure Python.

The modules in ``COMPILED_MODULES`` hold the simulation's hot loops. When the package is
built (setup.py) they are compiled to C extensions with mypyc, which about halves the
time of a run; the results are bit-for-bit the same (tests/test_compiled.py). Python
imports an extension in preference to the ``.py`` file beside it, so a module edited
after it was compiled would silently run its old code. To prevent that, the build records
a digest of each compiled source (``COMPILED_SOURCES_FILE``), and on import of ``sim``,
if any source no longer matches its digest, every one of these modules is imported from
its ``.py`` file instead, with a warning to rebuild (all or none: compiled modules reach
each other's classes directly). ``CPSIM_PURE_PYTHON=1`` imports every module from its
``.py`` file (for debugging and profiling, where compiled functions are opaque).

Only the standard library is imported here: setup.py reads this file before the package's
dependencies are installed.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

COMPILED_MODULES = (
    "sim.calendar",
    "sim.casework",
    "sim.entities",
    "sim.events",
    "sim.management",
    "sim.metrics",
    "sim.model",
    "sim.need",
    "sim.timebudget",
    "sim.visits",
    "sim.workforce",
    "sim.processes.assessment",
    "sim.processes.complaints",
    "sim.processes.conference",
    "sim.processes.decisions",
    "sim.processes.demand",
    "sim.processes.enquiry",
    "sim.processes.front_door",
    "sim.processes.pathway",
    "sim.processes.plans",
)
"""Modules compiled with mypyc when the package is built (the hot path of a run)."""

COMPILED_SOURCES_FILE = "_compiled_sources.json"
"""Written by the build beside this file: module name -> SHA-256 of its compiled source."""

PURE_PYTHON_ENV = "CPSIM_PURE_PYTHON"

PACKAGE_DIR = Path(__file__).resolve().parent


def source_path(module: str, package_dir: Path = PACKAGE_DIR) -> Path:
    """The ``.py`` file of ``module`` (a name in ``COMPILED_MODULES``)."""
    return package_dir.joinpath(*module.split(".")[1:]).with_suffix(".py")


def source_digest(path: Path) -> str:
    """SHA-256 of a source file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def has_extension(module: str, package_dir: Path = PACKAGE_DIR) -> bool:
    """Whether a compiled extension of ``module`` sits beside its source."""
    source = source_path(module, package_dir)
    return any(
        source.with_suffix(suffix).exists() for suffix in importlib.machinery.EXTENSION_SUFFIXES
    )


def stale_modules(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Compiled modules whose source changed since the build (or was never recorded)."""
    compiled = [m for m in COMPILED_MODULES if has_extension(m, package_dir)]
    if not compiled:
        return []
    try:
        recorded = json.loads((package_dir / COMPILED_SOURCES_FILE).read_text())
    except (OSError, ValueError):
        return compiled
    return [m for m in compiled if recorded.get(m) != source_digest(source_path(m, package_dir))]


def compiled_modules() -> list[str]:
    """The compiled modules that are loaded from an extension in this process."""
    names = []
    for name in COMPILED_MODULES:
        module = sys.modules.get(name)
        if module is not None and _is_extension(module):
            names.append(name)
    return names


def _is_extension(module: ModuleType) -> bool:
    origin = getattr(module, "__file__", None) or ""
    return origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


class PureSourceFinder(importlib.abc.MetaPathFinder):
    """Imports the named modules from their ``.py`` files, never from an extension."""

    def __init__(self, modules: Sequence[str], package_dir: Path = PACKAGE_DIR) -> None:
        self.paths = {m: source_path(m, package_dir) for m in modules}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec loading ``fullname`` from its source, if it is one of ours."""
        source = self.paths.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def choose_modules() -> None:
    """Import every compiled module from its source when asked, or when any is stale.

    Called once when ``sim`` is imported, before any of its modules.
    """
    if any(isinstance(f, PureSourceFinder) for f in sys.meta_path):
        return
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        sys.meta_path.insert(0, PureSourceFinder(COMPILED_MODULES))
        return
    stale = stale_modules()
    if stale:
        # All or none: compiled modules reach each other's classes directly, so a
        # compiled module cannot work with a pure-Python copy of another one.
        warnings.warn(
            f"cpsim: {', '.join(stale)} changed since compiled; running the model as pure "
            "Python (slower). Rebuild with `make` or `pip install -e .`.",
            RuntimeWarning,
            stacklevel=2,
        )
        sys.meta_path.insert(0, PureSourceFinder(COMPILED_MODULES))
