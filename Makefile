# Two commands for a newcomer: `make demo` and `make test`. Each creates .venv and installs
# clipforge into it when needed (or when pyproject.toml changed), then does its job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install bytecode clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,distributed]"
	touch $(STAMP)

install: $(STAMP)

# The package's bytecode, compiled ahead as pip does when it installs a wheel. Where
# PYTHONDONTWRITEBYTECODE is set (containers often set it) an editable install would otherwise
# compile clipforge's modules again at every start: ~0.1 s of each render.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q clipforge > /dev/null

demo: bytecode
	$(BIN)/clipforge demo -o out/demo.mp4

test: bytecode
	@# Tests wait on ffmpeg and child processes much of the time: one worker per core keeps the
	@# cores busy (about 4 min on 2 cores instead of 6+); loadfile keeps a file's fixtures together.
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check clipforge tests benchmarks tools
	$(BIN)/ruff format --check clipforge tests benchmarks tools

bench: bytecode
	$(BIN)/python benchmarks/reference_job.py

clean:
	rm -rf $(VENV) out build *.egg-info
