"""Build cpsim, compiling the model's hot modules with mypyc when it can.

The project's metadata is in pyproject.toml; this file only adds the compiled modules.
mypyc (part of mypy, a build requirement) turns the type-annotated modules listed in
``sim._compiled.COMPILED_MODULES`` into C extensions, which about halves the time of a
run; results are bit-for-bit those of the pure-Python modules (tests/test_compiled.py).
mypyc rather than Cython because it compiles the plain annotated modules as they are, with
no second language to maintain.

Set ``CPSIM_PURE_PYTHON=1`` to build without compiling. If compiling is impossible (no
mypyc, no C compiler), the build falls back to pure Python and says so: cpsim then runs
correctly, only slower.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
PACKAGE_DIR = HERE / "src" / "sim"
compiled = runpy.run_path(str(PACKAGE_DIR / "_compiled.py"))
MODULES: tuple[str, ...] = compiled["COMPILED_MODULES"]
BUILD_COMMANDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def record_sources() -> None:
    """Write the digest of each compiled source, which sim._compiled checks on import."""
    digests = {
        m: compiled["source_digest"](compiled["source_path"](m, PACKAGE_DIR)) for m in MODULES
    }
    path = PACKAGE_DIR / compiled["COMPILED_SOURCES_FILE"]
    path.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")


def compiled_extensions() -> list:
    """The mypyc extensions, or none (pure Python) when compiling is off or impossible.

    Only commands that build modules compile: asking for metadata or build requirements
    (egg_info, dist_info, sdist) runs this file too, and need not wait for mypyc.
    """
    if not BUILD_COMMANDS.intersection(sys.argv[1:]):
        return []
    if os.environ.get(compiled["PURE_PYTHON_ENV"], "") not in ("", "0"):
        print("cpsim: CPSIM_PURE_PYTHON is set: building pure Python", file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("cpsim: mypyc is not available: building pure Python (slower)", file=sys.stderr)
        return []
    paths = [str(compiled["source_path"](m, PACKAGE_DIR).relative_to(HERE)) for m in MODULES]
    os.chdir(HERE)  # mypyc maps paths to module names relative to the working directory
    # The build environment has only setuptools and mypy: other packages are untyped here,
    # and type errors in modules that are not compiled (followed imports) are not ours to fix.
    flags = ["--ignore-missing-imports", "--follow-imports=silent"]
    try:
        extensions = mypycify([*flags, *paths], opt_level="3", group_name="cpsim", multi_file=True)
    except (Exception, SystemExit) as error:  # mypyc exits on a type error
        print(f"cpsim: mypyc failed ({error}): building pure Python (slower)", file=sys.stderr)
        return []
    for extension in extensions:
        extension.optional = True  # a failed C compile leaves the pure modules in place
    record_sources()
    return extensions


setup(ext_modules=compiled_extensions())
