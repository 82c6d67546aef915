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

    server = PostgresServer().start()
    settings.DATABASES["default"].update(server.settings())
    settings.DATABASES["default"]["OPTIONS"] = {}
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        server.stop()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


from tests.factories import *  # noqa: E402,F401,F403  (the shared fixtures)
