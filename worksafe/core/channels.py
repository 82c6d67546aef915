"""Notifications beyond the site: e-mail and one HTTP gateway for SMS/WeChat, both off by default (intranets).

- e-mail, when settings.NOTIFY_EMAIL is on, to recipients with an address, through Django's mail settings;
- the gateway, when settings.NOTIFY_GATEWAY_URL is set, to recipients with a mobile number: a JSON POST
  {"to": mobile, "text", "kind", "link"} with NOTIFY_GATEWAY_AUTH as the Authorization header, waiting at most
  NOTIFY_GATEWAY_TIMEOUT seconds (urllib; any 2xx answer is success).

Nothing is sent inside a request: `schedule()` (called by notify() in its transaction) queues one `deliver` task per
notification and channel once the transaction commits, and a `db_worker` process runs it. A failed attempt queues the
next one after a growing delay (BACKOFF · 2^(n-1), at most BACKOFF_MAX), up to NOTIFY_GATEWAY_ATTEMPTS attempts in
all; every attempt, successful or not, is a NotificationDelivery row (admin site). `link` is the full address of the
notification's own page on the site (SITE_URL), which marks it read and leads to its object.
"""
import datetime
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from .models import Notification, NotificationDelivery

Channel = NotificationDelivery.Channel
BACKOFF = 30  # seconds before the second attempt; doubled for each later one
BACKOFF_MAX = 3600
DETAIL_MAX = NotificationDelivery._meta.get_field("detail").max_length


def enabled():
    """The channels switched on, with what each needs of a recipient: [(channel, index in (email, mobile))]."""
    on = []
    if settings.NOTIFY_EMAIL:
        on.append((Channel.EMAIL, 0))
    if settings.NOTIFY_GATEWAY_URL:
        on.append((Channel.GATEWAY, 1))
    return on


def schedule(notifications, people):
    """Queue the deliveries of `notifications` (saved rows) on the channels switched on, after the commit;
    `people` maps a recipient's id to (email, mobile)."""
    jobs = [(n.pk, channel) for channel, need in enabled() for n in notifications if people[n.recipient_id][need]]
    if jobs:
        transaction.on_commit(lambda: [deliver.enqueue(pk, channel, 1) for pk, channel in jobs])


def backoff(attempt):
    """The wait after failed attempt number `attempt`."""
    return datetime.timedelta(seconds=min(BACKOFF * 2 ** (attempt - 1), BACKOFF_MAX))


@task()
def deliver(notification_id, channel, attempt):
    """Send one notification on one channel (attempt number `attempt`), log the attempt, queue the next on failure.
    Returns whether it was sent."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None:  # deleted meanwhile (its recipient's account was): nothing to send
        return False
    try:
        status, detail = SENDERS[channel](notification)
        ok = True
    except urllib.error.HTTPError as e:
        ok, status, detail = False, e.code, _excerpt(e.read())
    except Exception as e:  # noqa: BLE001 - any failure of the mail server or the gateway is an attempt to log and retry
        ok, status, detail = False, None, f"{type(e).__name__}: {e}"
    NotificationDelivery.objects.create(notification=notification, channel=channel, attempt=attempt, ok=ok,
                                        status=status, detail=detail[:DETAIL_MAX])
    if not ok and attempt < settings.NOTIFY_GATEWAY_ATTEMPTS:
        deliver.using(run_after=timezone.now() + backoff(attempt)).enqueue(notification_id, channel, attempt + 1)
    return ok


def page_url(notification):
    return settings.SITE_URL + reverse("core:notification_open", args=[notification.pk])


def send_email(notification):
    from .notify import label

    subject = f"【安全生产综合监管平台】{label(notification.kind)}"
    body = f"{notification.text}\n\n查看：{page_url(notification)}\n"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email])
    return None, ""


def send_gateway(notification):
    if not settings.NOTIFY_GATEWAY_URL.lower().startswith(("http://", "https://")):
        raise ValueError("WORKSAFE_NOTIFY_GATEWAY_URL 应以 http:// 或 https:// 开头")
    body = {"to": notification.recipient.mobile, "text": notification.text, "kind": notification.kind,
            "link": page_url(notification)}
    request = urllib.request.Request(settings.NOTIFY_GATEWAY_URL, method="POST",
                                     data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    if settings.NOTIFY_GATEWAY_AUTH:
        request.add_header("Authorization", settings.NOTIFY_GATEWAY_AUTH)
    with urllib.request.urlopen(request, timeout=settings.NOTIFY_GATEWAY_TIMEOUT) as response:  # noqa: S310 - configured URL
        return response.status, _excerpt(response.read())


def _excerpt(data):
    return data[:DETAIL_MAX].decode("utf-8", "replace")


SENDERS = {Channel.EMAIL: send_email, Channel.GATEWAY: send_gateway}
