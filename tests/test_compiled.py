"""The mypyc-compiled modules: same results as pure Python, and never stale."""

from __future__ import annotations

import importlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim.model  # noqa: F401  (imports the compiled modules, if built)
from sim import _compiled
from sim.config import Config

KPI_SCRIPT = """
import json, pickle, sys
from sim import _compiled
from sim.runner import Run, run_one
from sim.metrics import compute_kpis
from sim.model import Model
cfg = pickle.load(sys.stdin.buffer)
kpis = {}
for replication in range(2):
    rec = run_one(cfg, replication).rec
    kpis[replication] = {k: repr(v) for k, v in compute_kpis(rec).items()}
print(json.dumps({"compiled": _compiled.compiled_modules(), "kpis": kpis}))
"""
"""Two replications of the configuration read (pickled) from stdin, in a fresh process."""


def _kpis_in_subprocess(cfg: Config, pure: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k != _compiled.PURE_PYTHON_ENV}
    if pure:
        env[_compiled.PURE_PYTHON_ENV] = "1"
    out = subprocess.run(
        [sys.executable, "-c", KPI_SCRIPT],
        input=pickle.dumps(cfg),
        env=env,
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_ci_runs_the_compiled_model() -> None:
    """CI (and the benchmark's figures) must measure the compiled build, not a fall-back."""
    if not os.environ.get("CI") and not _compiled.compiled_modules():
        pytest.skip("the package was built without compiling (CPSIM_PURE_PYTHON or no mypyc)")
    for module in _compiled.COMPILED_MODULES:
        importlib.import_module(module)
    assert set(_compiled.compiled_modules()) == set(_compiled.COMPILED_MODULES)
    assert _compiled.stale_modules() == []


@pytest.mark.slow
def test_compiled_and_pure_python_give_identical_results(small_config) -> None:
    """Every KPI of two replications, to the last digit, with and without compiling."""
    if not _compiled.compiled_modules():
        pytest.skip("the package was built without compiling: nothing to compare")
    cfg = small_config(scale=0.2, years=2.0)
    compiled, pure = _kpis_in_subprocess(cfg, pure=False), _kpis_in_subprocess(cfg, pure=True)
    assert compiled["compiled"], "the first run used the compiled modules"
    assert pure["compiled"] == [], "CPSIM_PURE_PYTHON=1 imports every module from source"
    assert compiled["kpis"] == pure["kpis"]


def _fake_package(tmp_path: Path, record: dict[str, str] | None) -> Path:
    """A package folder with the compiled modules' sources and an extension for each."""
    for module in _compiled.COMPILED_MODULES:
        source = _compiled.source_path(module, tmp_path)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(f"# {module}\n")
        source.with_suffix(".cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    if record is not None:
        (tmp_path / _compiled.COMPILED_SOURCES_FILE).write_text(json.dumps(record))
    return tmp_path


def _digests(package: Path) -> dict[str, str]:
    return {
        m: _compiled.source_digest(_compiled.source_path(m, package))
        for m in _compiled.COMPILED_MODULES
    }


@pytest.mark.skipif(sys.platform != "linux", reason="the fake extensions use Linux suffixes")
def test_an_edited_source_is_stale(tmp_path: Path) -> None:
    package = _fake_package(tmp_path, record=None)
    assert _compiled.stale_modules(package) == list(_compiled.COMPILED_MODULES), "no record"
    (package / _compiled.COMPILED_SOURCES_FILE).write_text(json.dumps(_digests(package)))
    assert _compiled.stale_modules(package) == []
    _compiled.source_path("sim.casework", package).write_text("# edited after the build\n")
    assert _compiled.stale_modules(package) == ["sim.casework"]


def test_sources_without_extensions_are_never_stale(tmp_path: Path) -> None:
    for module in _compiled.COMPILED_MODULES:
        source = _compiled.source_path(module, tmp_path)
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text("")
    assert _compiled.stale_modules(tmp_path) == []


def test_the_pure_finder_loads_sources_only_for_compiled_modules() -> None:
    finder = _compiled.PureSourceFinder(_compiled.COMPILED_MODULES)
    spec = finder.find_spec("sim.casework", None)
    assert spec is not None
    assert spec.origin is not None
    assert spec.origin.endswith("casework.py")
    assert finder.find_spec("sim.story", None) is None, "other modules import as usual"


def test_a_stale_build_warns_and_runs_pure_python(tmp_path: Path) -> None:
    """Edit a compiled module's source in a copy of the built package: it runs as Python."""
    if not _compiled.compiled_modules():
        pytest.skip("the package was built without compiling")
    source_root = _compiled.PACKAGE_DIR.parent
    copy = tmp_path / "src"
    shutil.copytree(source_root, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    casework = _compiled.source_path("sim.casework", copy / "sim")
    casework.write_text(casework.read_text() + "\nEDITED_AFTER_THE_BUILD = True\n")
    probe = (
        "import json, sim.casework, sim.model\n"
        "from sim import _compiled\n"
        "print(json.dumps([sim.casework.__file__, sim.casework.EDITED_AFTER_THE_BUILD,"
        " _compiled.compiled_modules()]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != _compiled.PURE_PYTHON_ENV}
    env["PYTHONPATH"] = str(copy)
    out = subprocess.run(
        [sys.executable, "-W", "always", "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    path, edited, compiled = json.loads(out.stdout)
    assert Path(path) == casework, "the edited source runs, not the old extension"
    assert edited
    assert compiled == [], "all or none: no compiled module runs beside a pure one"
    assert "sim.casework changed since compiled" in out.stderr
    assert "Rebuild with `make`" in out.stderr
