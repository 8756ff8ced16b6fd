# Corridor: every target installs what it needs into .venv (Python) and .local (Kafka).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make kafka-up SECURED=1: SASL_SSL/mutual-TLS broker with the StandardAuthorizer on 127.0.0.1:9192,
# a SCRAM user and client security file for the hub and every member of TASKFORCE.
SECURED ?=
# make kafka-up BROKERS=3: a three-node KRaft cluster (nodes on 9092/9093, 9094/9095, 9096/9097;
# replication factor 3, min.insync.replicas 2 by default). kafka-down/kafka-status find the nodes.
BROKERS ?= 1
TASKFORCE ?= deploy/local/taskforce.toml
KAFKA_MODE := $(if $(SECURED),--secured,)
# make bench: a short pipeline run by default (minutes, not the full 20,000); the full case of
# issue 14 is the program's own defaults: make bench BENCH_ARGS="--alerts 20000 --duration 60"
BENCH_ARGS ?= --alerts 500 --rate 200 --duration 2.5
# make fuzz: inputs in total over the four parser targets, the run's seed, worker processes.
FUZZ_INPUTS ?= 1000000
FUZZ_SEED ?= 1
FUZZ_JOBS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install lint format typecheck test test-unit test-integration faults fuzz demo bench eval eval-fast kafka-up kafka-down kafka-status monitor monitor-down clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11+" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv with the pinned dependencies

lint: $(STAMP) ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff formatting
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP) ## mypy --strict on our packages
	$(BIN)/mypy

test: $(STAMP) ## Unit and integration tests (starts its own Kafka broker)
	$(BIN)/pytest

test-unit: $(STAMP) ## Unit tests only (no broker)
	$(BIN)/pytest tests -m "not integration"

test-integration: $(STAMP) ## Integration tests only (real broker)
	$(BIN)/pytest tests -m integration

faults: $(STAMP) ## Fault matrix (worker and delivery SIGKILL x10, rebalance storm, inbox killed between store and commit x20; on three brokers: leader SIGKILL x5, a broker paused 30 s, two and all brokers down 45 s; FAULTS_ARGS="--case NAME") with its table; then the worker killed FAULT_KILLS times (12) during a backlog, order checked
	$(PY) -m faults.run $(FAULTS_ARGS)
	CORRIDOR_FAULT_KILLS=$(or $(FAULT_KILLS),12) $(BIN)/pytest tests/integration/test_crash_order.py

fuzz: $(STAMP) ## Fuzz the envelope decoder, verifier, JSON mapping and registry parser (FUZZ_INPUTS in total, default 10^6); non-zero on any crash or hang
	$(PY) -m fuzz --inputs $(FUZZ_INPUTS) --seed $(FUZZ_SEED) --jobs $(FUZZ_JOBS)

demo: $(STAMP) ## End-to-end demo on the local broker: agencies publish, the task force receives
	$(PY) deploy/demo.py

bench: $(STAMP) ## Pipeline throughput/latency/CPU per alert (burst, steady) vs bare Kafka and Faust; dedupe state per million alerts; sealing, policy and audit-chain costs; correlator alerts/s; the correlate stage's CPU per alert by part, batch and incident size
	$(PY) -m bench.pipeline $(BENCH_ARGS)
	$(PY) bench/dedupe_store_bench.py
	$(PY) bench/delivery_bench.py
	$(PY) bench/audit_bench.py
	$(PY) bench/correlator_bench.py
	$(PY) bench/correlation_stage_bench.py

eval: $(STAMP) ## Dedupe and correlation quality (pairwise P/R/F1, beside a naive baseline) of labelled scenarios through the real pipeline
	$(PY) -m evaluation.run $(EVAL_ARGS)

eval-fast: $(STAMP) ## The same scenarios straight through the correlator's code, no broker (seconds)
	$(PY) -m evaluation.run --in-process $(EVAL_ARGS)

kafka-up: $(STAMP) ## Start (or reuse) the local Kafka broker on 127.0.0.1:9092 (BROKERS=3: a 3-node cluster; SECURED=1: 9192, ACLs enforced)
	$(PY) deploy/local_kafka.py up --brokers $(BROKERS) $(KAFKA_MODE) $(if $(SECURED),--taskforce $(TASKFORCE),)

kafka-down: $(STAMP) ## Stop the local Kafka broker (every node) started by kafka-up
	$(PY) deploy/local_kafka.py down $(KAFKA_MODE)

kafka-status: $(STAMP) ## Is the local broker (each node) running? A cluster's health
	$(PY) deploy/local_kafka.py status $(KAFKA_MODE)

monitor: $(STAMP) ## Start (or reload) Prometheus on 127.0.0.1:9090 scraping the pipeline's metrics ports 9401-9406, with the alert rules
	$(PY) deploy/local_prometheus.py up $(MONITOR_ARGS)

monitor-down: $(STAMP) ## Stop the Prometheus started by make monitor
	$(PY) deploy/local_prometheus.py down

clean: ## Remove .venv and .local (stops nothing: run kafka-down first)
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
