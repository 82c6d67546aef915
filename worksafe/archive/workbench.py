"""What an enterprise user can do for their enterprise: the workbench's buttons, and those a scan of its own code
shows (codes). Other apps add theirs through sections.add_actions."""
from django.urls import reverse

from worksafe.core import permissions

from . import review, sections
from .sections import Action


def actions(user, e):
    """What an enterprise user can do for their enterprise: the workbench's buttons, and a scan of its code."""
    out = [Action("我的工作台", reverse("archive:workbench")), Action("查看企业档案", e.get_absolute_url())]
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
    if permissions.can_manage_users(user):
        out.append(Action("账号管理", reverse("core:user_list")))
    return out
