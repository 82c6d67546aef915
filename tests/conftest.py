"""Test set-up: SQLite by default, a throwaway PostgreSQL server with WORKSAFE_TEST_DB=postgres.

Fixtures follow healthchecks' owner / outsider pattern: two sibling counties (金水区, 二七区) under 郑州市,
a regulator and an enterprise administrator in each, and a city and a province regulator above them.
"""
import os

import pytest

from tests.pgserver import PostgresServer

os.environ.setdefault("WORKSAFE_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "data", "test"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings():
    if os.environ.get("WORKSAFE_TEST_DB") != "postgres":
        yield
        return
    from django.conf import settings
    from django.db import connections

    server = PostgresServer().start()
    settings.DATABASES["default"].update(server.settings())
    settings.DATABASES["default"]["OPTIONS"] = {}
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A connection object made before this point (any import may make one) is an SQLite one: drop it, or the
    # "PostgreSQL" run quietly tests SQLite again while other threads (live_server) connect to PostgreSQL.
    connections.close_all()
    if connections.all(initialized_only=True):
        del connections["default"]
    assert connections["default"].vendor == "postgresql"
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        server.stop()


_serialized = {}  # alias -> the test database's contents as serialized at creation


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    from django.db import connections

    for alias in connections:
        if hasattr(connections[alias], "_test_serialized_contents"):
            _serialized[alias] = connections[alias]._test_serialized_contents


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # Django keeps the serialized contents on the connection object, and connection objects are per context:
    # Playwright's sync API runs browser tests in another one, whose fresh connection would lack them, so their
    # serialized_rollback would flush the reference data away instead of restoring it.
    if fixturedef.argname == "_django_db_helper" and _serialized:
        from django.db import connections

        for alias, contents in _serialized.items():
            if not hasattr(connections[alias], "_test_serialized_contents"):
                connections[alias]._test_serialized_contents = contents
    yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_collected_static(settings):
    # Tests serve static files from the app folders (WHITENOISE_USE_FINDERS); without this WhiteNoise warns on
    # every request that collectstatic's folder is missing.
    settings.STATIC_ROOT = None


@pytest.fixture(autouse=True)
def _fresh_workflow_settings():
    """Workflow settings are cached per process (core.workflow_settings); a test's saved value is rolled back with its
    transaction, so no test may read the one before it's."""
    from worksafe.core import workflow_settings

    workflow_settings.forget()
    yield
    workflow_settings.forget()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Uploaded files of each test go to its own temporary folder."""
    default = {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path / "media"}}
    settings.STORAGES = {**settings.STORAGES, "default": default}


from tests.factories import *  # noqa: E402,F401,F403  (the shared fixtures)


@pytest.fixture
def run_jobs(monkeypatch):
    """run_jobs() → run every queued background job to its end with the real worker (`worksafe db_worker --batch`).

    The worker drops unusable connections between tasks; inside a test's transaction that would break the test's
    own connection, so that one call is made a no-op here."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)

    return run


class WorkerProcesses:
    """Real `worksafe db_worker` processes on the test database, as `make demo` and the systemd units run them."""

    def __init__(self, env, log_dir):
        import sys

        self.env, self.log_dir, self.running = env, log_dir, []
        self.command = [os.path.join(os.path.dirname(sys.executable), "worksafe"), "db_worker", "--interval", "0.2",
                        "--no-startup-delay", "--no-reload"]

    def start(self):
        import subprocess

        log = open(self.log_dir / f"worker{len(self.running)}.log", "w")
        worker = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append((worker, log))
        return worker

    def stop_all(self):
        import subprocess

        for worker, log in self.running:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            log.close()


@pytest.fixture
def worker_processes(transactional_db, settings, tmp_path):
    """`.start()` → a new worker process. PostgreSQL only: another process cannot open SQLite's in-memory test
    database (on SQLite the same command runs in-process: `run_jobs`). Results go to a folder both sides use."""
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        pytest.skip("后台进程无法打开 SQLite 的内存测试数据库：此测试在 PostgreSQL 上运行（WORKSAFE_TEST_DB=postgres）")
    db = connections["default"].settings_dict
    data = tmp_path / "worker-data"
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": data / "media"}}}
    env = {**os.environ, "WORKSAFE_DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "WORKSAFE_DATA_DIR": str(data), "WORKSAFE_SECRET_KEY": settings.SECRET_KEY}
    workers = WorkerProcesses(env, tmp_path)
    try:
        yield workers
    finally:
        workers.stop_all()
