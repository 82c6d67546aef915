"""Organisation maintenance (seed 001 六, issue 22): the tree of government bodies — 应急管理 bureaus at each level,
industry departments, parks — kept on the site instead of `worksafe shell`.

Who manages which: the system administrator (core.configure) every organisation; a regulator administrator
(core.manage_organizations) the organisations below its own — those whose region lies strictly inside its region,
and its own departments (children on the same region). An organisation sits inside its parent's region (a department
on the same one), and its level is its region's: the tree and the region codes never disagree, so scoping (by region
prefix) follows a move at once. An organisation with history is never deleted: it is deactivated, and only once no
active account or active child organisation is left in it. Every change is audited (Organization is registered with
core.audit).
"""
from django.db import transaction
from django.dispatch import Signal

from . import audit, permissions
from .models import AuditAction, Organization, User
from .scoping import below_q, code_range

# Sent inside a merge's transaction, after core has moved the accounts and child organisations: sender Organization;
# `source`, `target`, `moved` (a dict: what was moved → how many, for the audit message; receivers add their own).
# Each app moves what it keeps of an organisation: park members (archive), subscriptions (api), open supervision (hazards).
merging = Signal()


def may_manage(user):
    """Whether `user` maintains organisations at all (the menu entry and the pages' 403)."""
    return permissions.has(user, permissions.CONFIGURE) or (
        user.is_regulator and permissions.has(user, permissions.MANAGE_ORGANIZATIONS))


def managed(user):
    """The organisations `user` may edit, move and deactivate."""
    qs = Organization.objects.select_related("region", "parent")
    if permissions.has(user, permissions.CONFIGURE):
        return qs
    if may_manage(user):
        return qs.filter(below_q(user.organization))
    return qs.none()


def parents(user):
    """The organisations `user` may place an organisation under: its managed ones and, for a regulator, its own."""
    qs = managed(user)
    if user.is_regulator and not permissions.has(user, permissions.CONFIGURE):
        qs = qs | Organization.objects.filter(pk=user.organization_id)
    return qs.filter(is_active=True)


def may_be_top_level(user):
    """A province's bureau has no parent: only the system administrator creates one."""
    return permissions.has(user, permissions.CONFIGURE)


def descendants(org):
    """The pks of the organisations under `org` (not itself), through the parent links."""
    found, frontier = set(), {org.pk}
    while frontier:
        frontier = set(Organization.objects.filter(parent__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def placement_error(org, parent, region):
    """What is wrong with `org` under `parent` on `region` (a message in Chinese), or ""."""
    if parent is not None:
        if org.pk and (parent.pk == org.pk or parent.pk in descendants(org)):
            return "不能把单位移动到它自己或它的下级单位之下。"
        low, high = code_range(parent.region.prefix)
        if not low <= region.code < high:
            return f"管辖区域须在上级单位“{parent.name}”的管辖区域（{parent.region.name}）之内。"
    return ""


def deactivation_blockers(org):
    """Why `org` cannot be deactivated yet: its active accounts and active child organisations."""
    reasons = []
    accounts = User.objects.filter(organization=org, is_active=True).count()
    if accounts:
        reasons.append(f"还有 {accounts} 个启用的账号（请先停用或移到其他单位）")
    children = org.children.filter(is_active=True).count()
    if children:
        reasons.append(f"还有 {children} 个启用的下级单位（请先停用或移走）")
    return reasons


def merge_error(source, target):
    """Why `source` cannot be merged into `target` (Chinese), or ""."""
    if source.pk == target.pk:
        return "不能把单位合并到它自己。"
    if not source.is_active:
        return f"“{source.name}”已停用，不能再合并。"
    if not target.is_active:
        return f"目标单位“{target.name}”已停用。"
    if target.pk in descendants(source):
        return f"不能把单位合并到它的下级单位“{target.name}”。"
    low, high = code_range(target.region.prefix)
    stray = [c.name for c in source.children.select_related("region") if not low <= c.region.code < high]
    if stray:
        return f"下级单位{'、'.join(stray)}的管辖区域不在“{target.name}”的管辖区域（{target.region.name}）之内，请先移走。"
    return ""


@transaction.atomic
def merge(source, target, user):
    """Merge `source` into `target`: its accounts, child organisations and what apps keep of it (the `merging`
    signal) move to `target`; `source` is deactivated and kept (history keeps its name). Returns {what: count}."""
    # Both read again under lock: the page's check may be stale (another administrator deactivated or moved one).
    locked = Organization.objects.select_for_update().select_related("region")
    source, target = locked.get(pk=source.pk), locked.get(pk=target.pk)
    error = merge_error(source, target)
    if error:
        raise ValueError(error)
    moved = {
        "账号": User.objects.filter(organization=source).update(organization=target),
        "下级单位": Organization.objects.filter(parent=source).update(parent=target),
    }
    merging.send(sender=Organization, source=source, target=target, moved=moved)
    summary = "，".join(f"{what} {n}" for what, n in moved.items() if n) or "无可移动的数据"
    with audit.attributed_to(user):
        source.is_active = False
        source._audit_action, source._audit_message = AuditAction.MERGE, f"合并到“{target.name}”：{summary}"
        source.save(update_fields=["is_active"])
        audit.record(target, AuditAction.MERGE, message=f"“{source.name}”合并到本单位：{summary}").save()
    return moved
