"""The notification centre's pages: one's own notifications, opening one (read, then off to its object), all read.

A notification is its recipient's alone: another user's id is a 404, as an out-of-scope record is (access.py)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import notify
from .listing import paginate

SHOW = {"all": "全部", "unread": "未读"}


@login_required
def notification_list(request):
    """Unread first (or only, ?show=unread), newest first; ?kind= one kind. Opening the list recounts the bell."""
    user = request.user
    unread = notify.recount(user)
    show = request.GET.get("show") if request.GET.get("show") in SHOW else "all"
    kind = request.GET.get("kind", "")
    rows = notify.inbox(user)
    if show == "unread":
        rows = rows.filter(read_at__isnull=True).order_by("-created_at", "-pk")
    else:
        unread_first = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
        rows = rows.order_by(unread_first.desc(), "-created_at", "-pk")
    kinds = notify.kinds()
    if kind in dict(kinds):
        rows = rows.filter(kind=kind)
    else:
        kind = ""
    page = paginate(request, rows)
    for n in page:
        n.kind_label = notify.label(n.kind)
    return render(request, "core/notification_list.html", {
        "page": page, "show": show, "shows": SHOW.items(), "kind": kind, "kinds": kinds, "unread": unread,
    })


@login_required
def notification_open(request, pk):
    """Mark the notification read and go where it points (a path on this site; else back to the list)."""
    notification = get_object_or_404(notify.inbox(request.user), pk=pk)
    notify.mark_read(request.user, notification)
    link = notification.link
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("core:notification_list")


@login_required
@require_POST
def notification_read_all(request):
    n = notify.mark_all_read(request.user)
    messages.success(request, f"已将 {n} 条通知标为已读。" if n else "没有未读通知。")
    return redirect("core:notification_list")
