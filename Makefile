# Two commands on a fresh machine: `make demo` and `make test`. Everything else here is
# what they need. Heavy artifacts (pip wheels, Maven jars, Go builds) are cached outside
# the checkout under ~/.cache, keyed by pinned version; see jobs/fraud_jobs/versions.py.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FRAUDCTL := $(VENV)/bin/fraudctl
# Re-install when the dependency pins change.
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
PYTEST_ARGS ?=

.PHONY: help setup lint test test-unit test-integration demo tools kube-bin helm-bin crds clean kind-up kind-e2e

help: ## show the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel
	$(PY) -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP) ## virtualenv with every component's dependencies

lint: setup ## ruff
	$(VENV)/bin/ruff check .

kube-bin: ## build kube-apiserver, kube-controller-manager and etcd for the test harness (cached)
	bash tools/kube/build.sh

helm-bin: ## build helm (cached)
	bash tools/helm/build.sh

tools: kube-bin helm-bin

crds: setup ## regenerate the FraudPipeline CRD in the chart from its single source
	$(FRAUDCTL) operator crd > charts/fraud-operator/crds/fraudpipelines.yaml

test: setup lint tools ## the whole suite: lint, unit and integration tests on the real services
	$(PY) -m pytest $(PYTEST_ARGS)

test-unit: setup ## fast tests that need no service
	$(PY) -m pytest -m "not integration and not kube and not helm" $(PYTEST_ARGS)

demo: setup ## the whole pipeline on this machine: stack, data, model, stream, dashboard, API
	$(FRAUDCTL) demo

clean: ## stop the local stack and remove local state (caches under ~/.cache stay)
	-$(FRAUDCTL) local down
	rm -rf .fraud test-artifacts

kind-up: ## kind cluster with the platform chart installed, images built here (needs Docker)
	bash tools/kind/up.sh

kind-e2e: ## kind-up, apply the laptop FraudPipeline and wait until it is Ready (needs Docker)
	bash tools/kind/e2e.sh
