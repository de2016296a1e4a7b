# Quick start: `make demo` (set up + run the main job on sample input), `make test` (set up + run the tests).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export CROSSCAM_ASSETS ?= $(abspath ../shared/assets)
export OMP_NUM_THREADS ?= 2

.PHONY: setup demo test lint

# The full install (core + train + ray + dev), editable. TrackEval (the `eval` extra) goes in with --no-deps: it
# declares opencv-python, whose cv2 would overwrite opencv-python-headless's; what it needs is already installed.
$(BIN)/crosscam: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[train,ray,dev]'
	$(BIN)/pip install --quiet --no-deps 'trackeval>=1.3,<2'
	touch $(BIN)/crosscam

setup: $(BIN)/crosscam

EPFL := $(CROSSCAM_ASSETS)/data/epfl_lab_2cam

demo: setup
	$(BIN)/crosscam run --fresh --out out/demo \
		--camera lab_a=$(EPFL)/Double1.mp4@2026-11-25T08:00:00 \
		--camera lab_b=$(EPFL)/Single1.mp4@2026-11-25T08:00:05
	@echo "open out/demo/report.html; then try: $(BIN)/crosscam query out/demo/thumbnails/lab_b_1.jpg --index out/demo"

test: setup
	$(BIN)/ruff check crosscam tests benchmarks
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check crosscam tests benchmarks
	$(BIN)/ruff format --check crosscam tests benchmarks
