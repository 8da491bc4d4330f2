# Lokakarya: `make run` serves the app, `make test` runs the whole suite. Both set up everything first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
WORKERS ?= 2
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
# Links in emails and QR codes point at the port served here, for the server, the worker and
# the commands alike (set BASE_URL to the public address in production).
export BASE_URL ?= http://127.0.0.1:$(PORT)
# Every gunicorn worker and RQ work horse of this machine writes its metrics here; /metrics adds
# them up (README, "Monitoring"). Emptied when the server starts.
METRICS_DIR := $(CURDIR)/instance/prometheus
# Debian packages the PDFs and the browser tests need (see README), and those the production
# layout test starts as its own processes (not as services).
SYSTEM_PACKAGES := fonts-noto-core libharfbuzz-subset0 chromium poppler-utils gettext
TEST_SYSTEM_PACKAGES := redis-server nginx-light
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test worker install system-packages translations update-translations clean

run: install
	@$(FLASK) check-db
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@rm -rf "$(METRICS_DIR)" && mkdir -p "$(METRICS_DIR)"
	@echo "Serving Lokakarya on http://127.0.0.1:$(PORT)/"
	PROMETHEUS_MULTIPROC_DIR="$(METRICS_DIR)" \
		$(BIN)/gunicorn --workers $(WORKERS) --threads 4 --bind 127.0.0.1:$(PORT) 'app.wsgi:app'

test: install
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES="$(TEST_SYSTEM_PACKAGES)"
	@bash tests/run-all.sh

worker: install
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker."; exit 1; }
	@mkdir -p "$(METRICS_DIR)"
	PROMETHEUS_MULTIPROC_DIR="$(METRICS_DIR)" \
		$(BIN)/rq worker --worker-class app.worker.Worker --url "$$REDIS_URL" "$${LOKAKARYA_JOB_QUEUE:-lokakarya}"

install: system-packages $(VENV)/.installed node_modules/.installed translations

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	@touch $@

# axe-core for the accessibility tests (package.json, pinned by package-lock.json): Node and npm.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Install Node.js 20 and npm (the accessibility tests need axe-core)."; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

translations: $(VENV)/.installed
	@$(FLASK) translate compile >/dev/null

update-translations: $(VENV)/.installed
	$(FLASK) translate update
	$(FLASK) translate compile

clean:
	rm -rf $(VENV) *.egg-info tests/artifacts node_modules
