"""The installed package's layout: its configuration and data travel inside it.

``pip install .`` must give a cpsim that runs from any folder, so Hydra's configuration
lives in the package (src/sim/conf/, package data) and is found through the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import sim
from sim import CONF_DIR
from sim.config import to_config

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(sim.__file__).resolve().parent
IN_CHECKOUT = (ROOT / "pyproject.toml").exists() and (ROOT / "src" / "sim") == PACKAGE
checkout_only = pytest.mark.skipif(not IN_CHECKOUT, reason="needs the source checkout")


def _shipped_by_pattern() -> set[Path]:
    """Files that pyproject's package data patterns for ``sim`` select."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["sim"]
    return {path for pattern in patterns for path in (ROOT / "src" / "sim").glob(pattern)}


def _needed_data() -> set[Path]:
    """The non-Python files cpsim reads at run time."""
    yaml = set(CONF_DIR.rglob("*.yaml"))
    page = PACKAGE / "teaching" / "explorer_page.html"
    chronologies = {
        p for p in (PACKAGE / "data").rglob("*") if p.suffix in {".csv", ".yaml", ".json"}
    }
    return yaml | {page} | chronologies


def test_the_config_dir_is_inside_the_package():
    assert CONF_DIR == PACKAGE / "conf"
    assert (CONF_DIR / "config.yaml").is_file()
    groups = {"authority", "pathway", "need", "workforce", "complaints", "policy", "run"}
    assert groups | {"scenario", "experiment"} <= {p.name for p in CONF_DIR.iterdir()}


@checkout_only
def test_the_repositorys_conf_is_a_link_to_the_packages():
    assert (ROOT / "conf").is_symlink()
    assert (ROOT / "conf").resolve() == CONF_DIR


def test_the_config_composes_from_any_folder(tmp_path, monkeypatch, compose_cfg):
    monkeypatch.chdir(tmp_path)
    cfg = to_config(compose_cfg("run=quick", "scenario=lambeth_2020"))
    assert cfg.run.replications == 2
    assert cfg.scenario_name == "lambeth_2020"
    assert not any(tmp_path.iterdir())


@checkout_only
def test_package_data_selects_every_config_file_the_page_and_the_chronologies():
    missing = _needed_data() - _shipped_by_pattern()
    assert not missing, sorted(str(p.relative_to(PACKAGE)) for p in missing)


def _setuptools_reads_pyproject() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77  # PEP 639 `license = "MIT"`


@checkout_only
@pytest.mark.skipif(
    not _setuptools_reads_pyproject(),
    reason="needs setuptools>=77 in this environment (the dev extra; `make` installs it)",
)
def test_a_built_wheel_ships_the_config_and_the_page(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info", "*.c")
    shutil.copytree(ROOT / "src", project / "src", ignore=ignore)
    env = {**os.environ, "CPSIM_PURE_PYTHON": "1"}  # mypyc would take a minute or two
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(tmp_path / "dist"), str(project)],
        check=True,
        env=env,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("cpsim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = {f"sim/{p.relative_to(PACKAGE).as_posix()}" for p in _needed_data()}
    assert "sim/conf/config.yaml" in needed
    assert "sim/teaching/explorer_page.html" in needed
    assert "sim/data/authorities.csv" in needed
    assert needed <= names, sorted(needed - names)
    _an_installed_wheel_runs_an_authority(wheel, tmp_path)


INSTALLED_RUN = """
import sys
from pathlib import Path
import sim
from sim.composition import compose_config
from sim.runner import run_one
assert Path(sim.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), sim.__file__
cfg = compose_config(["authority=rutland", "run.years=0.1", "run.warmup_years=0", "run.replications=1"])
assert cfg.authority.la_name == "Rutland", cfg.authority.la_name
result = run_one(cfg, 0).result
print(cfg.authority.la_code, result.kpis["referrals_per_year"] > 0)
"""


def _an_installed_wheel_runs_an_authority(wheel: Path, tmp_path: Path) -> None:
    """Issue 16: the installed package runs any authority from its own table, with no
    ../shared beside it (the run starts in an empty folder outside the checkout)."""
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target"]
        + [str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "CPSIM_PURE_PYTHON": "1"}
    done = subprocess.run(
        [sys.executable, "-c", INSTALLED_RUN, str(target)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["E06000017", "True"]
