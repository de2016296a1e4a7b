# Quick start: `make demo` (set up + run the main job on sample input), `make test` (set up + run the tests).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export CROSSCAM_ASSETS ?= $(abspath ../shared/assets)
export OMP_NUM_THREADS ?= 2

.PHONY: setup demo test lint

$(BIN)/crosscam: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/crosscam

setup: $(BIN)/crosscam

demo: setup
	$(BIN)/crosscam eval --dataset cuhk01 --splits 10 --vis out/demo/ranked --json out/demo/cuhk01.json

test: setup
	$(BIN)/ruff check crosscam tests benchmarks
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check crosscam tests benchmarks
	$(BIN)/ruff format --check crosscam tests benchmarks
