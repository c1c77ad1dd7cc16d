# Python Concurrency Lab. `make lab` to learn, `make test` to check everything.
# Both create .venv and install requirements.txt on first use (and again when it changes).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 8888

# Bounds, so a hung kernel fails the run instead of hanging it: nbval interrupts a cell after
# CELL_TIMEOUT s; tools/nbval_budget.py gives each notebook LAB_NOTEBOOK_BUDGET s in all;
# pytest-timeout (ITEM_TIMEOUT) is the last resort.
CELL_TIMEOUT ?= 90
ITEM_TIMEOUT ?= 300
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=$(CELL_TIMEOUT) \
         --timeout=$(ITEM_TIMEOUT) -p no:cacheprovider -p nbval_budget -p nbval_shutdown

# Running as root (containers, CI) needs --allow-root; everyone else does not.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# `make run NB=01_gil PARAMS="-p workers 4"`: one notebook headless with papermill into build/.
NB     ?= 00_start_here
PARAMS ?=

.DEFAULT_GOAL := help
.PHONY: help install lab test lint unit browser sync-check nbval notebooks run clean \
        test-matrix flake-hunt bench freethreaded site site-test binder-test

help:
	@echo "make lab         install if needed, open the course in JupyterLab"
	@echo "make test        install if needed, run every check (lint, unit, sync, notebooks, browser)"
	@echo "make notebooks   regenerate notebooks/ from lessons/"
	@echo "make site        build the course website into build/site (executed, cached)"
	@echo "make binder-test install the Binder configuration in a fresh venv, run notebook 00"
	@echo "make slides      one reveal.js deck per lesson into build/slides (PROJECTOR=1: for a projector)"
	@echo "make slides-test the decks and the live slideshow in Chromium, instructor notes"
	@echo "make bench       measure fidelity and cost: build/bench/report.md"
	@echo "make test-matrix every Python 3.10-3.13 found x every start method"
	@echo "make freethreaded build python3.13t (no GIL) into build/ for notebook 10"
	@echo "make flake-hunt  the notebook suite 10 times in a row"
	@echo "make run NB=01_gil PARAMS='-p workers 4'   run one notebook headless into build/"
	@echo "make clean       remove build/ and caches (keeps .venv)"

# REQUIREMENTS=requirements-core.txt installs only what runs notebooks and tests (the
# free-threaded leg of tools/matrix.py uses it). --prefer-binary: an older wheel beats
# building a newer release from source on a machine without its build dependencies.
REQUIREMENTS ?= requirements.txt
$(STAMP): $(REQUIREMENTS) requirements-core.txt requirements-site.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' || \
		{ echo "Python 3.10 or newer is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
		  "Run e.g. 'make PYTHON=python3.12 ...'."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --prefer-binary -r $(REQUIREMENTS)
	@touch $@

install: $(STAMP)

# Token auth stays on; the URL printed (and opened, where there is a browser) lands on 00.
LAB_ARGS = --ip=127.0.0.1 --port=$(PORT) $(ALLOW_ROOT) \
           --LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb
lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS)

test: $(STAMP)
	$(MAKE) --no-print-directory lint unit sync-check nbval browser site-test slides-test \
		NBVAL_PLUGINS="-p nbval_site_cache" NBVAL_JOBS=2 SITE_ARGS=--beside-ok

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `make unit UNIT_TESTS=tests/core/test_timing.py` runs just one file. The tests run in
# UNIT_JOBS processes (pytest-xdist), by default one and a half per usable core, rounded up:
# many tests mostly wait on threads and processes, so on 2 cores two workers kept 1.2 cores
# busy (264 s) and three kept 1.5 busy (216 s); four were no faster. `--dist loadgroup` keeps
# the shared-memory tests on one process, and the Dask tests on one (tests/conftest.py says
# why). UNIT_JOBS=0 runs them all in this process, which is what a debugger wants.
UNIT_TESTS ?= tests
UNIT_JOBS ?= $(shell python3 -c 'import os; print((3 * len(os.sched_getaffinity(0)) + 1) // 2)' 2>/dev/null || echo 2)
unit: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest $(UNIT_TESTS) -q -n $(UNIT_JOBS) --dist loadgroup \
		--ignore=tests/browser --ignore=tests/site --ignore=tests/binder --ignore=tests/slides --durations=15

# Every notebook in JupyterLab, driven by headless Chromium (skipped locally without Chromium).
# Three notebooks at a time, each in its own JupyterLab and Chromium (BROWSER_JOBS=0: one): the
# test mostly waits for pages and kernels, and on 2 cores three took 244 s where four took 260.
# Only pass or fail counts here; the website's figures come from nbval's serial runs.
BROWSER_JOBS ?= 3
browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider -n $(BROWSER_JOBS) --durations=5

# The course website (tools/build_site.py): every lesson executed (cached in build/site-cache,
# so a rebuild re-runs only what changed), rendered by Sphinx into build/site.
# SITE_JOBS=2 runs two kernels at a time (default: one per two usable cores).
# SITE_ARGS=--beside-ok (what `make test` passes): keep the lessons nbval ran two at a time; a
# plain `make site` executes those again, alone, since side by side they halve each other's
# speedups.
SITE_JOBS ?=
SITE_ARGS ?=
site: $(STAMP)
	$(BIN)/python tools/build_site.py $(if $(SITE_JOBS),--jobs $(SITE_JOBS)) $(SITE_ARGS)

# The website in headless Chromium (tests/site). It needs Chromium: without it (and not in
# CI) the build is skipped too, since nothing would look at it.
CHROMIUM := $(or $(LAB_CHROMIUM),/usr/bin/chromium)
site-test: $(STAMP)
	@if [ -x "$(CHROMIUM)" ] || [ "$$CI" = "true" ]; then \
		$(MAKE) --no-print-directory site && \
		$(BIN)/python -m pytest tests/site -q -p no:cacheprovider; \
	else echo "site-test skipped: no Chromium at $(CHROMIUM)"; fi

# What Binder installs (binder/), in a fresh venv with the Python binder/runtime.txt names,
# then notebook 00 run there. Installs from PyPI, about a minute: .ci/run, not `make test`.
binder-test: $(STAMP)
	$(BIN)/python -m pytest tests/binder -q -p no:cacheprovider

sync-check: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py --check

# `make nbval NOTEBOOKS=notebooks/03_shared_state_and_queues.ipynb` runs just one. In `make test`
# nbval also fills the website's cache (tools/nbval_site_cache.py), so the site only renders.
# NBVAL_JOBS=2 runs two notebooks at a time (pytest-xdist, a notebook's cells together): `make
# test` and the matrix legs do, since only pass or fail counts there (on 2 cores 109 s where
# one at a time took 174). Each notebook is marked as run beside another, so the website's
# published build (`make site`) executes it again alone.
NBVAL_PLUGINS ?=
NOTEBOOKS ?= notebooks/
NBVAL_JOBS ?=
nbval: $(STAMP)
	PYTHONPATH=tools $(BIN)/python -m pytest $(NBVAL) $(NBVAL_PLUGINS) \
		$(if $(NBVAL_JOBS),-n $(NBVAL_JOBS) --dist loadfile) $(NOTEBOOKS)

notebooks: $(STAMP)
	$(BIN)/python tools/sync_notebooks.py

# How faithful the demos are and what the course costs: build/bench/report.md and .json.
bench: $(STAMP)
	$(BIN)/python tools/bench.py

# A free-threaded CPython 3.13 (python3.13t) in build/python3.13t, for notebook 10 and the
# free-threaded test leg. Debian/Ubuntu, as root; reuses an existing build.
freethreaded:
	tools/build_freethreaded.sh $(CURDIR)/build/python3.13t

# Every Python found among 3.10-3.13 (own .venv-3.X each) x every start method.
test-matrix: $(STAMP)
	$(BIN)/python tools/matrix.py --plan full

# The whole notebook suite FLAKE_RUNS times in a row; logs of failed runs stay in build/.
FLAKE_RUNS ?= 10
flake-hunt: $(STAMP)
	@mkdir -p build; passed=0; \
	for i in $$(seq 1 $(FLAKE_RUNS)); do \
		if $(MAKE) --no-print-directory nbval > build/flake-hunt-$$i.log 2>&1; then \
			passed=$$((passed + 1)); echo "run $$i: passed"; \
		else \
			echo "run $$i: FAILED (build/flake-hunt-$$i.log)"; grep -E "^FAILED|^ERROR" build/flake-hunt-$$i.log; \
		fi; \
	done; \
	echo "flake hunt: $$passed of $(FLAKE_RUNS) runs passed"; test $$passed -eq $(FLAKE_RUNS)

run: $(STAMP)
	@mkdir -p build
	$(BIN)/python tools/run_notebook.py --cwd notebooks --kernel python3 $(PARAMS) \
		notebooks/$(NB).ipynb build/$(NB).ipynb

clean:
	rm -rf build .pytest_cache .ruff_cache .hypothesis

include slides/slides.mk
