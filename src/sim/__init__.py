"""cpsim: a discrete-event simulator of child protection case flow in England."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sim import _compiled

_compiled.choose_modules()  # before any compiled module is imported

try:
    __version__ = version("cpsim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

CONF_DIR = Path(__file__).resolve().parent / "conf"
"""Hydra's configuration folder, shipped inside the package (package data).

The repository's top-level ``conf`` is a link to it, so ``conf/scenario/...`` still names
the files; everything that composes the configuration finds it here, so an installed
cpsim runs from any folder.
"""
