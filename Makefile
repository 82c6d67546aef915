# worksafe: `make demo` runs the demo site, `make test` runs every test on SQLite and PostgreSQL.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := postgresql libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-zenhei fonts-noto-cjk poppler-utils zbar-tools chromium chromium-driver
ADDR ?= 127.0.0.1:8000
ENTERPRISES ?= 300

.PHONY: demo test test-sqlite test-postgres bench lint system-packages venv clean

# Install the Debian packages the tests need, when missing and running as root.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "缺少系统软件包（请以 root 安装）：$$missing"; exit 1; fi; \
	fi

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m pip install -q uv
	uv sync --frozen
	@touch $@

venv: $(VENV)/.synced

demo: venv
	$(VENV)/bin/worksafe migrate --noinput
	$(VENV)/bin/worksafe demo --enterprises $(ENTERPRISES)
	@echo "打开 http://$(ADDR) 登录（后台任务由同时启动的 worksafe db_worker 执行）"
	@# The background job worker runs beside the web server and stops with it (Ctrl-C stops both).
	$(VENV)/bin/worksafe db_worker --interval 0.5 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/worksafe runserver $(ADDR)

test: venv system-packages
	$(PY) -m pytest -q tests
	WORKSAFE_TEST_DB=postgres $(PY) -m pytest -q tests

test-sqlite: venv
	$(PY) -m pytest -q tests

test-postgres: venv system-packages
	WORKSAFE_TEST_DB=postgres $(PY) -m pytest -q tests

bench: venv system-packages
	$(PY) -m bench.run

lint: venv
	$(PY) -m django makemigrations --check --dry-run --settings=worksafe.settings
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) data
