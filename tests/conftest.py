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


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_collected_static(settings):
    # Tests serve static files from the app folders (WHITENOISE_USE_FINDERS); without this WhiteNoise warns on
    # every request that collectstatic's folder is missing.
    settings.STATIC_ROOT = None


from tests.factories import *  # noqa: E402,F401,F403  (the shared fixtures)
