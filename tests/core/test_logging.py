"""Log lines (core.logs): one line per event with time, level, logger, request id, user id and path, as text or as
JSON (WORKSAFE_LOG_FORMAT=json); the request id is the response's X-Request-ID and the 错误编号 of the 500 page."""
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import path

from worksafe.core.logs import JsonFormatter, TextFormatter

pytestmark = pytest.mark.django_db

logger = logging.getLogger("worksafe.tests.logging")


def noted(request):
    logger.warning("检查记录已导出\n第二行")  # a newline in a message must not start a new log line
    from django.http import HttpResponse

    return HttpResponse("ok")


def failing(request):
    try:
        {}["missing"]
    except KeyError:
        logger.exception("导出失败")
    from django.http import HttpResponse

    return HttpResponse("ok")


def boom(request):
    raise RuntimeError("the disk controller went away")


urlpatterns = [path("noted/", noted), path("failing/", failing), path("boom/", boom), path("", noted, name="home")]
handler500 = "worksafe.core.views_errors.server_error"


class Lines(logging.Handler):
    """The formatted lines written to a logger, as the console handler of settings.LOGGING writes them."""

    def __init__(self, formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def lines():
    """lines(formatter, logger name) → the list the lines written to that logger go to."""
    attached = []

    def attach(formatter, name=logger.name):
        handler = Lines(formatter)
        target = logging.getLogger(name)
        attached.append((target, handler, target.level))
        target.addHandler(handler)
        target.setLevel(logging.INFO)
        return handler.lines

    yield attach
    for target, handler, level in attached:
        target.removeHandler(handler)
        target.setLevel(level)


TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+08:00"


@pytest.mark.urls(__name__)
def test_a_text_line_names_the_request_the_user_and_the_path(login, users, lines):
    out = lines(TextFormatter())
    response = login(users["owner"]).get("/noted/")
    [line] = out
    assert re.fullmatch(
        rf"{TIME} WARNING worksafe\.tests\.logging req={response['X-Request-ID']} user={users['owner'].pk} "
        r"path=/noted/ 检查记录已导出\\n第二行", line), line


@pytest.mark.urls(__name__)
def test_an_anonymous_request_has_no_user(client, lines):
    out = lines(TextFormatter())
    response = client.get("/noted/")
    assert f" req={response['X-Request-ID']} user=- path=/noted/ " in out[0]


@pytest.mark.urls(__name__)
def test_a_json_line_is_one_object_with_the_same_fields(login, users, lines):
    out = lines(JsonFormatter())
    response = login(users["owner"]).get("/noted/")
    [line] = out
    entry = json.loads(line)
    assert re.fullmatch(TIME, entry.pop("time"))
    assert entry == {"level": "WARNING", "logger": "worksafe.tests.logging", "request_id": response["X-Request-ID"],
                     "user_id": users["owner"].pk, "path": "/noted/", "message": "检查记录已导出\n第二行"}
    assert "\n" not in line and "检查记录已导出" in line  # one line; Chinese as is


@pytest.mark.urls(__name__)
def test_a_traceback_stays_inside_the_json_object(client, lines):
    out = lines(JsonFormatter())
    response = client.get("/failing/")
    [line] = out
    entry = json.loads(line)
    assert entry["request_id"] == response["X-Request-ID"] and entry["level"] == "ERROR"
    assert entry["message"] == "导出失败"
    assert entry["traceback"].startswith("Traceback (most recent call last)") and "KeyError: 'missing'" in entry["traceback"]
    assert "\n" not in line


@pytest.mark.urls(__name__)
def test_a_text_traceback_follows_its_line(client, lines):
    out = lines(TextFormatter())
    response = client.get("/failing/")
    first, *rest = out[0].splitlines()
    assert first.endswith(f"req={response['X-Request-ID']} user=- path=/failing/ 导出失败")
    assert rest[0].startswith("Traceback") and rest[-1] == "KeyError: 'missing'"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("formatter", [TextFormatter, JsonFormatter])
def test_the_500_page_and_its_log_line_carry_the_same_request_id(lines, formatter):
    out = lines(formatter(), "django.request")
    response = Client(raise_request_exception=False).get("/boom/")
    rid = response["X-Request-ID"]
    page = response.content.decode()
    assert response.status_code == 500
    assert f"错误编号：<span class=\"font-monospace user-select-all\">{rid}</span>" in page
    assert "系统出现错误，已记录" in page and "tabler.min.css" in page
    [line] = out
    if formatter is JsonFormatter:
        entry = json.loads(line)
        assert (entry["request_id"], entry["path"], entry["level"]) == (rid, "/boom/", "ERROR")
        assert "RuntimeError: the disk controller went away" in entry["traceback"]
    else:
        assert f" req={rid} user=- path=/boom/ Internal Server Error: /boom/" in line.splitlines()[0]
        assert "RuntimeError: the disk controller went away" in line


def test_outside_a_request_the_audit_context_ties_the_lines_together(lines):
    """A command or a job acting as someone (audit.acting_as) logs with the id its change records carry."""
    from worksafe.core import audit

    out = lines(TextFormatter())
    with audit.acting_as(None, "a" * 32, name="数据对接"):
        logger.warning("暂存数据已导入")
    logger.warning("无上下文")
    assert f" req={'a' * 32} user=- path=- 暂存数据已导入" in out[0]
    assert " req=- user=- path=- 无上下文" in out[1]


# ---- WORKSAFE_LOG_FORMAT, as a deployment sets it ----

SCRIPT = """
import logging, django
django.setup()
try:
    raise ValueError("坏的值")
except ValueError:
    logging.getLogger("worksafe.probe").exception("导入失败")
"""


def run_settings(fmt):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "worksafe.settings", "WORKSAFE_LOG_FORMAT": fmt}
    return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)


def test_log_format_json_writes_one_object_per_line():
    result = run_settings("json")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "worksafe.probe" in line]
    [entry] = [json.loads(line) for line in lines]
    assert (entry["level"], entry["logger"], entry["message"]) == ("ERROR", "worksafe.probe", "导入失败")
    assert "ValueError: 坏的值" in entry["traceback"]


def test_log_format_text_is_the_default_line():
    result = run_settings("text")
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^{TIME} ERROR worksafe\.probe req=- user=- path=- 导入失败$", result.stderr, re.M), result.stderr


def test_an_unknown_log_format_is_refused_with_the_choices():
    result = run_settings("xml")
    assert result.returncode != 0
    assert "WORKSAFE_LOG_FORMAT 应为 text（默认，一行一条）或 json（每行一个 JSON 对象），不能是“xml”" in result.stderr
