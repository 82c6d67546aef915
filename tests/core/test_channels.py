"""Notifications beyond the site (core.channels): off by default; e-mail and the SMS/WeChat gateway sent by the job
queue's real database backend (a `db_worker` run), against a real local HTTP server; retries logged attempt by attempt."""
import datetime
import http.server
import json
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from worksafe.core import channels, notify
from worksafe.core.models import NotificationDelivery

pytestmark = pytest.mark.django_db

KIND = notify.kind("test.channel", "测试通知")


@pytest.fixture(autouse=True)
def database_queue(settings, monkeypatch):
    """The real database backend; its worker's connection checks stay out of the test's transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.SITE_URL = "https://aq.example.gov.cn"
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)


def run_worker():
    """Run every queued task that is due, as `worksafe db_worker` does, then stop."""
    call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def make_due():
    """Bring the retries queued for later forward to now (the backoff is tested on its own)."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))


class Gateway:
    """A local HTTP server answering each POST with the next of `answers` (status or "hang"), keeping what came."""

    def __init__(self, answers):
        self.answers, self.received = list(answers), []
        gateway = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((dict(self.headers), json.loads(body)))
                answer = gateway.answers.pop(0) if gateway.answers else 200
                if answer == "hang":
                    time.sleep(1.5)
                    answer = 200
                self.send_response(answer)
                self.end_headers()
                self.wfile.write(b'{"result": "queued"}' if answer == 200 else "网关内部错误".encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    servers = []

    def start(*answers):
        server = Gateway(answers)
        servers.append(server)
        settings.NOTIFY_GATEWAY_URL, settings.NOTIFY_GATEWAY_AUTH = server.url, "Bearer gw-secret"
        settings.NOTIFY_GATEWAY_TIMEOUT, settings.NOTIFY_GATEWAY_ATTEMPTS = 0.5, 3
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def reachable(users):
    """The 金水 regulator, with a mobile number and an address."""
    user = users["jinshui"]
    user.mobile, user.email = "13800000001", "jinshui@example.gov.cn"
    user.save()
    return user


def send(user, django_capture_on_commit_callbacks, text="金水测试机械有限公司提交了企业档案，请审核。"):
    with django_capture_on_commit_callbacks(execute=True):
        return notify.notify(user, KIND, text, link="/archive/enterprises/1/")[0]


def test_nothing_is_sent_beyond_the_site_by_default(reachable, django_capture_on_commit_callbacks):
    send(reachable, django_capture_on_commit_callbacks)
    assert not DBTaskResult.objects.exists()
    run_worker()
    assert not mail.outbox and not NotificationDelivery.objects.exists()


def test_nothing_is_sent_before_the_commit(reachable, gateway, django_capture_on_commit_callbacks):
    gateway()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify.notify(reachable, KIND, "文本")
    assert not DBTaskResult.objects.exists() and len(callbacks) == 1


def test_the_gateway_receives_the_message_and_the_attempt_is_logged(reachable, gateway, django_capture_on_commit_callbacks):
    server = gateway(200)
    n = send(reachable, django_capture_on_commit_callbacks)
    run_worker()
    [(headers, body)] = server.received
    assert headers["Authorization"] == "Bearer gw-secret" and headers["Content-Type"].startswith("application/json")
    assert body == {"to": "13800000001", "text": "金水测试机械有限公司提交了企业档案，请审核。", "kind": "test.channel",
                    "link": f"https://aq.example.gov.cn/notifications/{n.pk}/"}
    [attempt] = NotificationDelivery.objects.all()
    assert (attempt.notification_id, attempt.channel, attempt.attempt, attempt.ok, attempt.status) == (n.pk, "gateway", 1, True, 200)
    assert "queued" in attempt.detail


def test_a_failed_attempt_is_retried_later_and_each_attempt_logged(reachable, gateway, django_capture_on_commit_callbacks):
    server = gateway(500, 200)
    send(reachable, django_capture_on_commit_callbacks)
    run_worker()
    failed = NotificationDelivery.objects.get()
    assert (failed.attempt, failed.ok, failed.status, failed.detail) == (1, False, 500, "网关内部错误")
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after > timezone.now() + datetime.timedelta(seconds=channels.BACKOFF - 5)
    run_worker()  # not due yet: nothing more is sent
    assert len(server.received) == 1
    make_due()
    run_worker()
    assert [(d.attempt, d.ok, d.status) for d in NotificationDelivery.objects.order_by("attempt")] == [(1, False, 500), (2, True, 200)]
    assert len(server.received) == 2 and not DBTaskResult.objects.filter(status="READY").exists()


def test_a_gateway_that_does_not_answer_in_time_is_an_attempt_that_failed(reachable, gateway,
                                                                           django_capture_on_commit_callbacks):
    gateway("hang", "hang", "hang")
    send(reachable, django_capture_on_commit_callbacks)
    for _ in range(3):
        run_worker()
        make_due()
    attempts = list(NotificationDelivery.objects.order_by("attempt"))
    assert [(d.attempt, d.ok, d.status) for d in attempts] == [(1, False, None), (2, False, None), (3, False, None)]
    assert "timed out" in attempts[0].detail
    assert not DBTaskResult.objects.filter(status="READY").exists()  # NOTIFY_GATEWAY_ATTEMPTS reached: given up


def test_recipients_without_a_mobile_number_get_nothing_from_the_gateway(users, gateway, django_capture_on_commit_callbacks):
    server = gateway()
    send(users["jinshui"], django_capture_on_commit_callbacks)
    run_worker()
    assert not server.received and not NotificationDelivery.objects.exists()


def test_e_mail_goes_to_the_users_address_through_the_queue(reachable, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_EMAIL = True
    n = send(reachable, django_capture_on_commit_callbacks)
    assert not mail.outbox
    run_worker()
    [message] = mail.outbox
    assert message.to == ["jinshui@example.gov.cn"] and "测试通知" in message.subject
    assert "金水测试机械有限公司提交了企业档案" in message.body and f"https://aq.example.gov.cn/notifications/{n.pk}/" in message.body
    assert NotificationDelivery.objects.get().channel == "email"


def test_the_backoff_grows_and_is_capped():
    assert [channels.backoff(n).total_seconds() for n in (1, 2, 3)] == [channels.BACKOFF, 2 * channels.BACKOFF, 4 * channels.BACKOFF]
    assert channels.backoff(30).total_seconds() == channels.BACKOFF_MAX
