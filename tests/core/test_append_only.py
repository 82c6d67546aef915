"""The change log and the login logs are append-only for everybody, the superuser in /admin/ included."""
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, log_in
from worksafe.core.models import AuditAction, ChangeRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(client, users):
    """One row of each log: a successful login, a failed one, an audited change."""
    log_in(client, "jinshui", PASSWORD)
    client.logout()
    log_in(client, "erqi", "wrong-password")
    users["jinshui"].full_name = "张三"
    users["jinshui"].save()
    client.logout()
    return {
        AccessLog: AccessLog.objects.first(),
        AccessFailureLog: AccessFailureLog.objects.first(),
        AccessAttempt: AccessAttempt.objects.first(),
        ChangeRecord: ChangeRecord.objects.filter(action=AuditAction.UPDATE).first(),
    }


def admin_url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", [AccessLog, AccessFailureLog, AccessAttempt, ChangeRecord])
def test_the_superuser_can_read_but_not_change_or_delete(login, users, rows, model):
    row = rows[model]
    assert row is not None
    admin = login(users["sysadmin"])
    listing = admin.get(admin_url(model, "changelist"))
    assert listing.status_code == 200
    assert 'value="delete_selected"' not in listing.content.decode()  # no bulk delete action
    assert admin.get(admin_url(model, "change", row.pk)).status_code == 200  # viewable
    assert admin.post(admin_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    bulk_delete = {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    assert admin.post(admin_url(model, "changelist"), bulk_delete).status_code in (200, 302)
    assert admin.get(admin_url(model, "add")).status_code == 403
    assert admin.post(admin_url(model, "change", row.pk), {}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_no_view_of_the_site_deletes_or_edits_log_rows(login, users, rows):
    """Every URL the site has: none takes a log row's id to change it (the log pages only read)."""
    from django.urls import get_resolver

    def names(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from names(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.name or ""

    site = [(route, name) for route, name in names(get_resolver()) if not route.startswith("admin/")]
    suspicious = [route for route, name in site if any(word in route for word in ("log", "change", "audit"))
                  and any(word in (name or route) for word in ("delete", "edit", "clear", "purge"))]
    assert suspicious == []
    admin = login(users["sysadmin"])
    before = {model: set(model.objects.values_list("pk", flat=True)) for model in rows}
    for url in (reverse("core:login_log_list"), reverse("core:operation_log_list"), reverse("archive:change_list")):
        assert admin.post(url, {"delete": "1"}).status_code in (200, 405)
    # The superuser's own requests were added (core.break_glass); nothing was taken away.
    assert all(before[model] <= set(model.objects.values_list("pk", flat=True)) for model in rows)
    assert AccessLog.objects.filter(attempt_time__lte=timezone.now()).exists()
