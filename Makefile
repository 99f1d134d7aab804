# portal-kpi — every command a newcomer needs. `make help` lists them.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format bench airflow simulate env stop clean bi bi-stop bi-shot

# `make airflow PORT=8081 EXECUTOR=LocalExecutor`: the UI/API port (the execution API URL
# follows it) and Airflow's executor (PORTAL_KPI_EXECUTOR for every portal-kpi command);
# `make airflow EXECUTOR=celery WORKERS=2`: Redis and two Celery workers besides.
PORT     ?= 8080
EXECUTOR ?= LocalExecutor
WORKERS  ?= 2

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the locked dependencies

demo: $(STAMP) ## run the pipeline end to end: simulator -> warehouse -> KPIs (last 14 days)
	$(BIN)/portal-kpi demo

test: $(STAMP) ## run the whole test suite, exactly as CI does
	$(BIN)/pytest

lint: $(STAMP) ## ruff (lint + format check), mypy and the layer contracts (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	PYTHONPATH=include $(BIN)/lint-imports

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## speed benchmarks (print figures)
	$(BIN)/python bench/run.py

airflow: $(STAMP) ## every DAG under Airflow (UI on PORT=8080) with the simulator; EXECUTOR=celery WORKERS=2; Ctrl-C stops
	PATH="$(CURDIR)/$(BIN):$$PATH" PORTAL_KPI_EXECUTOR=$(EXECUTOR) \
		$(BIN)/portal-kpi airflow --port $(PORT) --executor $(EXECUTOR) --workers $(WORKERS)

simulate: $(STAMP) ## serve the portal simulator on port 8000
	$(BIN)/portal-kpi simulate --port 8000

env: $(STAMP) ## print export lines for the local warehouse: eval "$$(make -s env)"
	@$(BIN)/portal-kpi env

stop: $(STAMP) ## stop the embedded PostgreSQL started by the demo
	$(BIN)/portal-kpi stop-embedded

bi: $(STAMP) ## Superset dashboards on 127.0.0.1:8088 (PORTAL_KPI_BI_PORT); login in .local/bi/credentials.json
	$(BIN)/python -m portal_kpi.devtools.bi up

bi-stop: $(STAMP) ## stop the Superset started by make bi
	$(BIN)/python -m portal_kpi.devtools.bi stop

bi-shot: $(STAMP) ## screenshots of every dashboard, as the viewer, into .local/bi/shots/
	$(BIN)/python -m portal_kpi.devtools.bi shot

clean: ## remove local state (.local: embedded PostgreSQL, Airflow home, logs); keeps .venv
	-$(BIN)/portal-kpi stop-embedded
	rm -rf .local
