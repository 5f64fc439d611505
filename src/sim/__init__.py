"""cpsim: a discrete-event simulator of child protection case flow in England."""

from importlib.metadata import PackageNotFoundError, version

from sim import _compiled

_compiled.choose_modules()  # before any compiled module is imported

try:
    __version__ = version("cpsim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
