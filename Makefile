# The two commands of the README: `make quickstart` and `make test`. Everything they need is
# installed here (Python venv, npm packages); the Kafka broker is started by daprlite itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODEAPP := quickstart/nodeapp
# The @dapr/dapr SDK test apps (tests/e2e/test_node_sdk.py), pinned by their lock file.
NODESDK := tests/apps/node-sdk

.PHONY: install check docs package test test-faults test-k8s quickstart broker soak clean

$(BIN)/daprlite: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,docs]"
	touch $@

$(NODEAPP)/node_modules/.package-lock.json: $(NODEAPP)/package-lock.json
	cd $(NODEAPP) && npm ci --no-audit --no-fund --loglevel=error

$(NODESDK)/node_modules/.package-lock.json: $(NODESDK)/package-lock.json
	cd $(NODESDK) && npm ci --no-audit --no-fund --loglevel=error

install: $(BIN)/daprlite $(NODEAPP)/node_modules/.package-lock.json \
	$(NODESDK)/node_modules/.package-lock.json

check: install
	$(BIN)/ruff check daprlite tests quickstart bench docs/hooks
	$(BIN)/ruff format --check daprlite tests quickstart bench docs/hooks
	$(BIN)/mypy
	$(BIN)/mypy docs/hooks
	$(BIN)/lint-imports
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# The documentation site from docs/ (mkdocs.yml) into site/; offline: no fonts, scripts or
# styles from elsewhere (docs/hooks/offline.py fails the build otherwise). Never --quiet with
# --strict: MkDocs 1.6 then drops the warnings and passes. NO_MKDOCS_2_WARNING: Material's banner.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build

# The sdist and wheel into dist/, their metadata checked as PyPI checks it (twine --strict).
# What the wheel holds (the package and its page, nothing else) is checked by tests/install.
package: install
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

test: install
	$(BIN)/pytest

# Kills apps, sidecars and brokers mid-stream and prints a table of message counts per case.
test-faults: install
	$(BIN)/pytest -m faults tests/faults

# Dry-runs every shipped manifest, the tests/k8s fixtures and the Pods Dapr's injector code makes
# of the quickstart Deployments against a real kube-apiserver and etcd (apt-get install
# etcd-server) with Dapr's CRDs. Both Go tools are built from the Go module proxy once per version
# into ${DAPRLITE_CACHE:-~/.cache/daprlite} (minutes the first time, then reused).
test-k8s: install
	tools/kube-apiserver/build.sh >/dev/null
	tools/dapr-inject/build.sh >/dev/null
	$(BIN)/pytest -m k8s tests/k8s

# Starts the local broker (daprlite init), then the seed's two apps from the Multi-App Run
# template, each beside its sidecar, in one terminal. Ctrl-C stops both;
# QUICKSTART_SECONDS=N sends that Ctrl-C by itself after N seconds (and counts as success).
quickstart: install
	$(BIN)/daprlite init
	@if [ -n "$(QUICKSTART_SECONDS)" ]; then \
	  timeout --foreground -s INT $(QUICKSTART_SECONDS) $(BIN)/daprlite run -f quickstart/dapr.yaml; \
	  code=$$?; [ $$code -eq 124 ] || exit $$code; \
	else \
	  $(BIN)/daprlite run -f quickstart/dapr.yaml; \
	fi

# All benchmark cases against one throw-away local broker (about 6 minutes on 2 cores); writes
# bench/results/latest.{json,md,png}. DAPRD=/path/to/daprd adds daprd side by side.
$(VENV)/.bench-deps: pyproject.toml $(BIN)/daprlite
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

bench: install $(VENV)/.bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)

# Not CI: the seed's path at a steady rate for up to 30 minutes or 1 million messages (lost must
# be 0; sidecar RSS, open fds and end-to-end p99 over time); writes bench/results/soak.{json,md,png}.
# SOAK_ARGS="--duration 120 --rate 200" for a short one, "--brokers 3" on a cluster.
soak: install $(VENV)/.bench-deps
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) $(NODEAPP)/node_modules $(NODESDK)/node_modules .mypy_cache .ruff_cache .pytest_cache site dist
