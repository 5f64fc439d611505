# Two commands on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment and installs the project first.
# The interpreter for the virtual environment: the distribution's python3 when it is 3.11
# or newer and has what building the compiled modules needs (venv and the C headers),
# else python3 on PATH. Debian's is built with profile-guided optimisation and linked
# statically, and ran the model 10-20% faster here than a plain source build of the
# same version (README, Performance). Choose another with `make PYTHON=python3.12 ...`.
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import ensurepip, os, sys, sysconfig; ok = sys.version_info >= (3, 11) and os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")); sys.exit(not ok)' >/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean chromium build baseline

# The model's hot modules, which the install compiles with mypyc (setup.py); the build
# records their sources in $(BUILT). When one of them changes, they are compiled again.
COMPILED_SOURCES := $(shell $(PYTHON) -c 'import runpy, pathlib; c = runpy.run_path("src/sim/_compiled.py"); print(*(c["source_path"](m, pathlib.Path("src/sim")) for m in c["COMPILED_MODULES"]))')
BUILT := src/sim/_compiled_sources.json

# The dependencies, and cpsim as plain Python; $(BUILT) then compiles it (once).
$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	CPSIM_PURE_PYTHON=1 $(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BUILT): $(COMPILED_SOURCES) $(STAMP)
	@echo "make: compiling the model's hot modules with mypyc (about a minute)"
	$(BIN)/pip install --quiet --no-deps -e .

build: $(BUILT)

run: build
	$(BIN)/python -m sim $(ARGS)

# The suite runs in two pytest-xdist worker processes (the machine's two cores); set
# PYTEST_WORKERS=0 to run it in one process (e.g. with -x or a debugger).
PYTEST_WORKERS ?= 2

test: build chromium
	MPLBACKEND=Agg $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The explorer page's browser test needs Debian's chromium: install it when missing
# (as root, as on CI); otherwise say so, and that one test is skipped.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make: installing Debian's chromium for the browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make: chromium is not installed and this is not root: the browser test will be skipped"; \
	  fi; }

lint: $(STAMP)
	$(BIN)/ruff check src tests setup.py
	$(BIN)/ruff format --check src tests setup.py

# Regenerate the committed seeded baseline (tests/baseline/) after a change that moves
# results on purpose; say in the commit which KPIs moved and why.
baseline: build
	$(BIN)/python -m sim.baseline

bench: build
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf $(VENV) .pytest_cache build $(BUILT)
	find src -name '*.so' -delete
