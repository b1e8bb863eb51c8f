# The two commands of the course: `make lab` and `make test`. Both set up .venv first.
# The first Python 3.11 or newer found (transformers 5.21 and later need 3.11).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TESTED := $(VENV)/.tested-versions

.PHONY: lab test test-seeds test-slow test-mutants test-browser chromium-found test-widgets7 test-lowest notebooks fork clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "The course needs Python 3.11 or newer, and none was found."; \
	  echo "Install one (Debian/Ubuntu: sudo apt install python3.11 python3.11-venv; or python.org)"; \
	  echo "then run make again, or name it: make lab PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstalls whenever requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $(STAMP)

## make lab: set up, then open the course in JupyterLab
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The suite runs on the versions in constraints.txt (torch excluded), so it is reproducible.
$(TESTED): constraints.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements.txt -c constraints.txt
	touch $(TESTED)

## make test: set up, then run every test and every notebook (fast, offline), one worker per core
# (TEST_WORKERS=1 runs them one after another); each notebook stays on one worker, in order.
# TEST_ARGS narrows it (paths, -k); PYTHON=... VENV=... runs it on another Python.
TEST_WORKERS ?= auto
TEST_ARGS ?=
test: $(TESTED)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow" $(TEST_ARGS)

## make test-seeds: every lesson under several seeds (COURSE_SEED), a table of lesson x seed with
# the failing check's message. SEEDS="0 1 2" chooses them, FULL=1 runs full mode, ONLY="04 06"
# some lessons; two lessons run at once, each on its share of the cores.
SEEDS ?= 0 1 2 3 4 5 6 7
FULL ?=
ONLY ?=
SEED_JOBS ?= 2
test-seeds: $(TESTED)
	$(BIN)/python scripts/run_notebooks.py $(if $(FULL),,--fast) --seeds $(SEEDS) \
	  --jobs $(SEED_JOBS) $(if $(ONLY),--only $(ONLY)) --json outputs/test-seeds.json

## make test-slow: whole programs end to end (the script on one and two processes, the benchmark)
test-slow: $(TESTED)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m slow

## make test-mutants: break each lesson on purpose, one named bug at a time (course_utils.mutants),
# and pass only if the self-check that should catch the bug fails, naming its concept
test-mutants: $(TESTED)
	$(BIN)/python -m course_utils.mutants

## make test-browser: drive lessons 01 and 06 and every notebook's figures in JupyterLab, in
# headless Chromium (Debian's chromium; Playwright is pointed at it and downloads no browser)
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
BROWSER_STAMP := $(VENV)/.installed-browser
$(BROWSER_STAMP): requirements-browser.txt $(TESTED)
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $(BROWSER_STAMP)

chromium-found:
	@test -n "$(CHROMIUM)" && test -x "$(CHROMIUM)" || { \
	  echo "make test-browser needs the Chromium browser, and none was found."; \
	  echo "Install it (Debian/Ubuntu: sudo apt-get install -y chromium), or name it:"; \
	  echo "make test-browser CHROMIUM=/path/to/chromium"; exit 1; }

test-browser: chromium-found $(BROWSER_STAMP)
	COURSE_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -p no:xdist tests_browser

## make test-lowest: the suite on the lowest versions pyproject.toml allows (constraints-lowest.txt),
# in a separate environment, .venv-lowest, so that the lower bounds a learner keeps are true
LOW := .venv-lowest
$(LOW)/.installed: requirements.txt pyproject.toml constraints-lowest.txt
	@test -n "$(PYTHON)" || { echo "make test-lowest needs Python 3.11 or newer."; exit 1; }
	$(PYTHON) -m venv $(LOW)
	$(LOW)/bin/python -m pip install --quiet --upgrade pip
	$(LOW)/bin/python -m pip install --quiet torch==2.13.0
	$(LOW)/bin/python -m pip install --quiet -r requirements.txt -c constraints-lowest.txt
	touch $@

test-lowest: $(LOW)/.installed
	$(LOW)/bin/python -m pip list --format=freeze 2>/dev/null | \
	  grep -iE '^(transformers|datasets|accelerate|peft|numpy|pandas|matplotlib|ipywidgets)=='
	$(LOW)/bin/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not slow" $(TEST_ARGS)

## make test-widgets7: the widget tests and lesson 06 with ipywidgets 7 (what Colab ships),
# in a separate environment, .venv-widgets7
W7 := .venv-widgets7
$(W7)/.installed: requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "make test-widgets7 needs Python 3.11 or newer."; exit 1; }
	$(PYTHON) -m venv $(W7)
	$(W7)/bin/python -m pip install --quiet --upgrade pip
	$(W7)/bin/python -m pip install --quiet torch==2.13.0
	$(W7)/bin/python -m pip install --quiet -r requirements.txt "ipywidgets>=7,<8"
	touch $@

test-widgets7: $(W7)/.installed
	$(W7)/bin/python -c "import ipywidgets as w, sys; print('ipywidgets', w.__version__); \
	  sys.exit(not w.__version__.startswith('7.'))"
	$(W7)/bin/python -m pytest -p no:xdist tests/test_widgets.py notebooks/06_learning_rate.ipynb

## make notebooks: redraw images/, refresh attachments, badges and setup cells, strip outputs;
# copy code and figures into the Chinese edition (notebooks/zh/) and list stale translations
notebooks: $(STAMP)
	$(BIN)/python -m course_utils.figures
	$(BIN)/python -m course_utils.notebooks sync
	$(BIN)/python -m course_utils.editions sync

## make fork REPO=you/your-fork: point badges and the Colab setup cell at your fork
fork: $(STAMP)
	@test -n "$(REPO)" || { echo "usage: make fork REPO=you/your-fork"; exit 2; }
	$(BIN)/python -m course_utils.notebooks fork $(REPO)

## make clean: remove training outputs and caches (keeps .venv)
clean:
	rm -rf notebooks/outputs outputs .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
