"""Parks (化工园区, 开发区) without a region code of their own: the enterprises in them, as a member list.

A park on a functional zone's code (411071) is a region and needs none of this. A park on its county's or city's region
(core.Organization.by_membership) sees exactly its members (core.scoping joins ParkMember on the enterprise). The list
is kept by the regulators above the park: those who manage the park as an organisation (core.organizations.managed)
and whose role grants archive.park_members; they add enterprises of their own jurisdiction by 统一社会信用代码 or exact
name, one per line. Every addition and removal is audited (ParkMember is registered with core.audit).
"""
from django.db import transaction
from django.dispatch import receiver

from worksafe.core import organizations, permissions
from worksafe.core.models import Organization, OrgKind

from . import perms
from .models import ChangeState, Enterprise, ParkMember, SupervisionChange

LINES_MAX = 500  # lines per paste: a park holds tens to a few hundred enterprises


def is_park(org):
    return org.kind == OrgKind.PARK and org.by_membership


def park_side(user):
    """A park's own accounts (a park by membership)."""
    return user.is_regulator and user.organization.by_membership


def may_manage(user, park):
    return (is_park(park) and permissions.has(user, perms.PARK_MEMBERS)
            and organizations.managed(user).filter(pk=park.pk).exists())


def may_view(user, park):
    """The park's own accounts and its managers see the list."""
    return is_park(park) and (park_side(user) and user.organization_id == park.pk or may_manage(user, park))


def resolve(text, user):
    """The enterprises named in `text` (one 统一社会信用代码 or exact name per line) among those `user` sees:
    ([Enterprise], [errors as "第N行：…"]). Blank lines are skipped."""
    lines = [line.strip() for line in (text or "").splitlines()]
    if len(lines) > LINES_MAX:
        return [], [f"一次最多添加 {LINES_MAX} 行，本次有 {len(lines)} 行，请分批添加。"]
    scope = Enterprise.objects.for_user(user)
    found, errors = [], []
    for n, line in enumerate(lines, start=1):
        if not line:
            continue
        code = line.replace(" ", "").replace("-", "").upper()
        matches = list(scope.filter(uscc=code)[:1]) or list(scope.filter(name=line)[:2])
        if not matches:
            errors.append(f"第{n}行：在您的辖区内没有找到“{line}”（请填写统一社会信用代码或企业全称）。")
        elif len(matches) > 1:
            errors.append(f"第{n}行：有多家企业名为“{line}”，请改填统一社会信用代码。")
        else:
            found.append(matches[0])
    return found, errors


@transaction.atomic
def add(park, enterprises):
    """Add `enterprises` to `park`: the number added (those already members are left as they are)."""
    present = set(park.park_members.values_list("enterprise_id", flat=True))
    added = 0
    for e in {e.pk: e for e in enterprises}.values():
        if e.pk not in present:
            ParkMember(park=park, enterprise=e).save()  # one by one: each addition is its own audited change
            added += 1
    return added


def members(park, user):
    return ParkMember.objects.for_user(user).filter(park=park).select_related("enterprise__region", "enterprise__industry", "secondary_unit")


@receiver(organizations.merging, sender=Organization, dispatch_uid="archive.parks_merging")
def _merging(sender, source, target, moved, **kwargs):
    """A merge moves the source park's members to a park by membership (those already members stay once), and the
    enterprises whose supervising department was the source to the target when it is a department too."""
    if is_park(target):
        present = target.park_members.values("enterprise_id")
        ParkMember.objects.filter(park=source, enterprise_id__in=present).delete()
        moved["园区企业"] = ParkMember.objects.filter(park=source).update(park=target)
    department = target if target.kind == OrgKind.DEPARTMENT else None
    moved["负责监管的企业"] = Enterprise.objects.filter(supervising_department=source).update(supervising_department=department)
    SupervisionChange.objects.filter(state=ChangeState.PENDING, to_department=source).update(to_department=department)
