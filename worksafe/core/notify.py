"""The notification centre, written once: modules tell people things through `notify()`.

    from worksafe.core import notify

    SUBMITTED = notify.kind("archive.submitted", "档案提交审核")  # at import: the list filters by the kind's label
    notify.notify(notify.regulators_of(enterprise, "archive.review", levels=notify.REVIEWING), SUBMITTED,
                  f"{enterprise.name} 提交了企业档案，请审核。", link=enterprise.get_absolute_url(), obj=enterprise,
                  actor=user)

Recipients are a user, users (any iterable, or a queryset), or an audience: `regulators_of(enterprise)` (the active
government accounts whose jurisdiction covers the enterprise, by the rule of scoping.py), `enterprise_users(enterprise)`,
`organization_members(org)`; each takes `permission=`, keeping the accounts whose role grants it (who can act on
the news: a submitted archive goes to those who may review it). Inactive accounts and the `actor` (nobody is told of their own
action) are left out, and a user named twice gets one notification.

The rows are written with one INSERT, and each recipient's unread figure (`User.unread_notifications`, which the bell
reads from the row every request loads anyway) is raised with F() in the same transaction. Channels beyond the site
(e-mail, the SMS/WeChat gateway: core.channels) are handed to the job queue once that transaction commits.
"""
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from . import roles as role_table
from .models import Notification, Organization, OrgLevel, Side, User
from .scoping import code_range, industry_codes, park_memberships

_kinds = {}  # code -> Chinese label, in registration order
TEXT_MAX = Notification._meta.get_field("text").max_length
LINK_MAX = Notification._meta.get_field("link").max_length
# Archive review and the decisions like it are taken above township level (permissions.can_review_archive).
REVIEWING = (OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY)


def kind(code, label):
    """Register a kind of notification (its Chinese label is what the list shows and filters by); returns `code`."""
    if _kinds.get(code, label) != label:
        raise ValueError(f"notification kind {code!r} is registered as {_kinds[code]!r}")
    _kinds[code] = label
    return code


def kinds():
    """[(code, label)] of every registered kind."""
    return list(_kinds.items())


def label(code):
    return _kinds.get(code, code)


# ---- sending ----------------------------------------------------------------------------------------------------


def notify(recipients, kind, text, link="", obj=None, actor=None):
    """Tell `recipients` (see the module's docstring) `text`, of a registered `kind`, pointing at `link` (a path on
    this site) and `obj`; leaves out `actor`. Returns the Notification rows written (none for nobody)."""
    if kind not in _kinds:
        raise ValueError(f"unregistered notification kind {kind!r}: call notify.kind() first")
    if link and (not link.startswith("/") or link.startswith("//")):
        raise ValueError(f"a notification links to a path on this site, not {link!r}")
    people = _people(recipients, exclude=getattr(actor, "pk", None))
    if not people:
        return []
    content_type, object_id = (ContentType.objects.get_for_model(obj), str(obj.pk)) if obj is not None else (None, "")
    now = timezone.now()
    rows = [Notification(recipient_id=pk, kind=kind, text=text[:TEXT_MAX], link=link[:LINK_MAX], created_at=now,
                         content_type=content_type, object_id=object_id) for pk in people]
    with transaction.atomic():
        rows = Notification.objects.bulk_create(rows)
        User.objects.filter(pk__in=list(people)).update(unread_notifications=F("unread_notifications") + 1)
        from . import channels

        channels.schedule(rows, people)
    return rows


def _people(recipients, exclude=None):
    """{user id: (email, mobile)} of the active accounts among `recipients`, without `exclude`."""
    found = {}
    if isinstance(recipients, User):
        recipients = [recipients]
    if isinstance(recipients, QuerySet):
        for pk, email, mobile in recipients.filter(is_active=True).values_list("pk", "email", "mobile"):
            found[pk] = (email, mobile)
    else:
        for item in recipients:
            if isinstance(item, QuerySet):
                found.update(_people(item))
            elif item is not None and item.is_active:
                found[item.pk] = (item.email, item.mobile)
    found.pop(exclude, None)
    return found


# ---- audiences --------------------------------------------------------------------------------------------------


def _active(permission, side):
    """Active accounts of a role of `side` (granting `permission`, when given: those who can act on the news)."""
    return User.objects.filter(is_active=True, role__in=role_table.codes(side, permission))


def regulators_of(enterprise, permission=None, levels=None):
    """The active government accounts whose organisation's jurisdiction covers `enterprise` (region subtree, narrowed
    to the industries the organisation supervises: scoping.enterprise_q's rule), optionally of organisations at
    `levels` only (e.g. REVIEWING)."""
    orgs = covering_organizations(enterprise.region_id, enterprise.industry_id, enterprise.pk)
    if levels is not None:
        orgs = [org for org in orgs if org.level in levels]
    return _active(permission, Side.GOVERNMENT).filter(organization__in=[org.pk for org in orgs])


def region_regulators(region_id, permission=None, levels=None):
    """The active government accounts whose jurisdiction holds the region `region_id`, whatever industries they
    supervise (what concerns a place rather than an enterprise: a 随手拍 report)."""
    orgs = [org for org in organizations_above(region_id)
            if (levels is None or org.level in levels) and not org.by_membership]
    return _active(permission, Side.GOVERNMENT).filter(organization__in=[org.pk for org in orgs])


def covering_organizations(region_id, industry_id, enterprise_id=None):
    """The organisations that see an enterprise of region `region_id` and industry `industry_id` (two queries), and
    the parks by membership that list enterprise `enterprise_id` (a third, when there are such parks)."""
    orgs = organizations_above(region_id)
    parks = [org.pk for org in orgs if org.by_membership]
    if parks:
        members = set(park_memberships(enterprise_id, parks)) if enterprise_id else set()
        orgs = [org for org in orgs if not org.by_membership or org.pk in members]
    narrowed = [org for org in orgs if org.industries.all()]
    if narrowed:
        # An organisation narrowed to industries sees their sub-industries too (scoping.supervised_industries).
        for org in narrowed:
            org._industry_codes = industry_codes(org.industries.all())
        orgs = [org for org in orgs if not org.industries.all() or industry_id in org._industry_codes]
    return orgs


def organizations_above(region_id):
    """The organisations whose region's subtree holds `region_id`: their region codes are the code's province, city,
    county, township prefixes padded, and its prefix range must hold the code (scoping.region_q)."""
    code = str(region_id)
    candidates = {code[:2] + "0000", code[:4] + "00", *(code[:n] for n in (6, 9, 12) if len(code) >= n)}
    orgs = Organization.objects.filter(region_id__in=sorted(candidates)).select_related("region").prefetch_related("industries")
    return [org for org in orgs if code_range(org.region.prefix)[0] <= code < code_range(org.region.prefix)[1]]


def enterprise_users(enterprise, permission=None):
    """The active accounts of `enterprise` (its administrator and staff)."""
    return _active(permission, Side.ENTERPRISE).filter(enterprise=enterprise)


def organization_members(org, permission=None):
    """The active accounts of the government organisation `org` (or of each in a list of organisations or pks)."""
    if isinstance(org, list | tuple | set):
        return _active(permission, Side.GOVERNMENT).filter(organization__in=org)
    return _active(permission, Side.GOVERNMENT).filter(organization=org)


# ---- reading ----------------------------------------------------------------------------------------------------


def inbox(user):
    return Notification.objects.filter(recipient=user)


def mark_read(user, notification):
    """Mark one of `user`'s notifications read (once), lowering their unread figure in the same transaction."""
    with transaction.atomic():
        if inbox(user).filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now()):
            User.objects.filter(pk=user.pk, unread_notifications__gt=0).update(unread_notifications=F("unread_notifications") - 1)


def mark_all_read(user):
    """Mark every notification of `user` read; returns how many were unread."""
    with transaction.atomic():
        n = inbox(user).filter(read_at__isnull=True).update(read_at=timezone.now())
        recount(user)
    return n


def recount(user):
    """Set `user`'s unread figure from the rows (when the list is opened), so it can never drift for long; returns it."""
    n = inbox(user).filter(read_at__isnull=True).count()
    User.objects.filter(pk=user.pk).exclude(unread_notifications=n).update(unread_notifications=n)
    user.unread_notifications = n
    return n
