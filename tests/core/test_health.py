"""/healthz, and what pages and the API answer while the database cannot be reached (issue 18).

The database is really unreachable here, on both databases: for the duration of a request the default connection is
replaced by one to a database that cannot be opened — on PostgreSQL a port on 127.0.0.1 nothing listens on (the
driver's "connection refused"), on SQLite a file in a folder that does not exist ("unable to open database file").
The test's own connection, with its transaction, is put back afterwards.
"""
import copy
import json
import logging
import socket
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from tests.factories import create_hazard
from worksafe.core import health

pytestmark = pytest.mark.django_db

UNREACHABLE_DETAIL = "服务暂时不可用（数据库暂时无法访问），请稍后重试"


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free once the socket closes: nothing listens there


@contextmanager
def database_unreachable():
    original = connections["default"]
    settings_dict = copy.deepcopy(original.settings_dict)
    if original.vendor == "postgresql":
        settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    else:
        settings_dict["NAME"] = "/nonexistent-worksafe-folder/worksafe.sqlite3"
    broken = type(original)(settings_dict, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


def test_it_answers_ok_with_one_query_and_nothing_else(client, django_assert_num_queries):
    with django_assert_num_queries(2):  # SELECT 1 and the oldest queued job: no session, no user, no cache row
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok", "queue_wait_seconds": 0}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_a_logged_in_probe_still_loads_no_session(login, users, django_assert_num_queries):
    client = login(users["owner"])
    with django_assert_num_queries(2):
        assert client.get("/healthz").status_code == 200


def test_it_answers_a_probe_by_address_over_plain_http(client, settings):
    """Balancers and systemd probe the app server itself: its address is not an allowed host, and it speaks http."""
    settings.ALLOWED_HOSTS = ["aq.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # the rest of the site still checks


def test_it_answers_503_when_the_database_is_unreachable(client, caplog):
    caplog.set_level(logging.ERROR)
    with database_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "queue": "error"}
    assert "no-store" in response["Cache-Control"]
    logged = [r.getMessage() for r in caplog.records if r.name == "worksafe.health"]
    assert any("health check database failed: OperationalError" in m for m in logged)


def test_a_check_registered_later_joins_the_answer(client, monkeypatch):
    monkeypatch.setattr(health, "_checks", dict(health._checks))

    @health.check("jobs")
    def jobs():
        raise RuntimeError("no worker has claimed a job for 10 minutes")

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "queue": "ok", "queue_wait_seconds": 0, "jobs": "error"}


# ---- pages and the API while the database is down ----


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "服务暂时不可用" in page and "请稍候 1 分钟后刷新页面重试" in page
    assert f"错误编号：<span class=\"font-monospace user-select-all\">{response['X-Request-ID']}</span>" in page
    assert "tabler.min.css" in page  # the site's style, not a bare page
    assert "{#" not in page and "{%" not in page and "views_errors" not in page  # no template source shows
    assert len(response["X-Request-ID"]) == 32


def test_a_page_answers_503_in_chinese(caplog):
    """An anonymous page: its view's first query fails (DatabaseUnavailableMiddleware)."""
    caplog.set_level(logging.ERROR)
    with database_unreachable():
        response = Client().get(reverse("hazards:public_report"))
    assert_unavailable_page(response)
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR and "503" in r.getMessage()]
    assert record.getMessage().startswith(f"503 Service Unavailable GET {reverse('hazards:public_report')} "
                                          "(database unavailable: OperationalError")
    assert record.exc_info is None  # one line per request during an outage


def test_a_logged_in_page_answers_503_when_its_session_cannot_be_loaded(login, users, enterprise):
    """A logged-in user's session and account are loaded by middleware (SessionSecurityMiddleware), before any view:
    the error is Django's handler500's to answer (core.views_errors.server_error)."""
    cookies = login(users["owner"]).cookies
    browser = Client(raise_request_exception=False)
    browser.cookies = cookies
    with database_unreachable():
        response = browser.get(reverse("hazards:hazard_list", args=[enterprise.pk]))
    assert_unavailable_page(response)


def test_a_post_answers_503_and_changes_nothing(login, users, enterprise):
    hazard = create_hazard(enterprise, name="配电箱警示标识缺失")
    client = login(users["owner"])
    browser = Client(raise_request_exception=False)
    browser.cookies = client.cookies
    with database_unreachable():
        response = browser.post(reverse("hazards:hazard_delete", args=[hazard.pk]))
    assert_unavailable_page(response)
    hazard.refresh_from_db()  # still there


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/hazards"),
    ("post", "/api/v1/four-colour-maps"),
    ("post", "/api/v1/token"),
])
def test_the_api_answers_503_json(method, path):
    with database_unreachable():
        response = getattr(Client(), method)(path, HTTP_AUTHORIZATION="Bearer some-token")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "service_unavailable", "detail": UNREACHABLE_DETAIL, "errors": []}
    assert response["Retry-After"] == "30" and len(response["X-Request-ID"]) == 32
    assert UNREACHABLE_DETAIL in response.content.decode()  # Chinese as is, not \u escapes


def test_the_site_answers_again_once_the_database_is_back(client):
    with database_unreachable():
        assert client.get(reverse("hazards:public_report")).status_code == 503
    assert client.get(reverse("hazards:public_report")).status_code == 200
    assert json.loads(client.get("/healthz").content)["status"] == "ok"
