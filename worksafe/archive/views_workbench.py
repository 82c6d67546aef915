"""我的工作台: the enterprise user's home, a summary of its own archive."""
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from worksafe.core import permissions
from worksafe.core.display import fetch_related_names
from worksafe.core.models import AuditAction, ChangeRecord, Role

from . import review, sections


class Action(NamedTuple):
    label: str
    url: str
    post: bool = False  # a form button (changes state) rather than a link


def actions(user, e):
    """What an enterprise user can do for their enterprise: the workbench's buttons, and a scan of its code."""
    out = [Action("我的工作台", reverse("workbench:index")), Action("查看企业档案", e.get_absolute_url())]
    if permissions.can_edit_archive(user, e):
        out += [
            Action("编辑基本信息", reverse("archive:enterprise_edit", args=[e.pk])),
            Action("添加二级单位", reverse("archive:unit_add", args=[e.pk])),
            Action("添加重点监管信息", reverse("archive:item_add", args=[e.pk])),
        ]
    if review.REVIEW.can(user, e, "submit"):
        out.append(Action("提交审核", reverse("archive:enterprise_review", args=[e.pk, "submit"]), post=True))
    for more in sections.ACTIONS:
        out += more(user, e)
    if user.role == Role.ENTERPRISE_ADMIN:
        out.append(Action("账号管理", reverse("core:user_list")))
    return out


@login_required
def index(request):
    user = request.user
    if not user.is_enterprise_user:
        return redirect("home")
    e = user.enterprise
    context = {
        "e": e,
        "unit_count": e.secondary_units.count(),
        "item_count": e.key_items.count(),
        "recent": fetch_related_names(list(ChangeRecord.objects.filter(enterprise_id=e.pk).exclude(action=AuditAction.EXPORT)
                                           .select_related("content_type")[:8])),  # changes; downloads are not
        "last_review": e.reviews.first(),
        "can_submit": review.REVIEW.can(user, e, "submit"),
        "sections": sections.render(sections.WORKBENCH, request, e),
    }
    return render(request, "archive/workbench.html", context)
