"""Jurisdiction scoping, written once: who may see which enterprises, records and users.

A regulator sees the enterprises whose region code lies under its organisation's region, narrowed to the
industries its organisation supervises when any are set, and for a park without a region code of its own to the park's
member enterprises (archive.ParkMember, joined on the enterprise: parks are small); an enterprise user sees only its
own enterprise.
Region codes share prefixes with their subtree, so a subtree is one index range scan on both databases.

Call sites spell it one way: `Model.objects.for_user(user)` on every enterprise-owned model (ScopedQuerySet), so
the path to the enterprise and whether the rows carry its region/industry copies are declared once, on the model.
"""
from django.db import models
from django.db.models import Q

from .models import Industry, Region


def code_range(prefix):
    """(low, high) such that low <= code < high holds exactly for the codes starting with `prefix`."""
    return prefix, str(int(prefix) + 1).zfill(len(prefix))


def region_q(region, field="region_id"):
    """Q for rows whose `field` (a region code) lies in `region`'s subtree."""
    prefix = region.prefix if isinstance(region, Region) else region
    low, high = code_range(prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def industry_codes(industries):
    """The given industries and their sub-industries."""
    codes = {i.code for i in industries}
    codes |= set(Industry.objects.filter(parent_id__in=codes).values_list("code", flat=True))
    return codes


def enterprise_q(user, path="", located=False):
    """Q restricting a queryset to the enterprises `user` may see; `path` leads from the model to Enterprise.

    `located`: the rows carry copies of their enterprise's `region_id` and `industry_id` (kept in step when it moves),
    and the test reads those, so a list walking one of the rows' own indexes needs no join to Enterprise."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_sysadmin:
        return Q()
    if user.is_enterprise_user:
        return Q(**{f"{path}_id" if path else "pk": user.enterprise_id})
    if user.is_regulator:
        return organization_q(user.organization, path, located)
    return Q(pk__in=[])


def organization_q(org, path="", located=False, region=None):
    """Q for the enterprises (at `path`, `located` as enterprise_q) organisation `org` oversees: its region's subtree
    (or `region`'s: a subscription granted to it), narrowed to the industries it supervises, and for a park by
    membership to its members. The one rule for a regulator's scope, an organisation's subscription, its notifications."""
    p = f"{path}__" if path and not located else ""
    q = region_q(region or org.region, f"{p}region_id")
    codes = supervised_industries(org)
    if codes:
        q &= Q(**{f"{p}industry_id__in": sorted(codes)})
    if org.by_membership:
        q &= Q(**{f"{path}_id__in" if path else "pk__in": park_enterprises(org)})
    return q


def park_enterprises(park):
    """The ids of a park's member enterprises, as a subquery."""
    from worksafe.archive.models import ParkMember

    return ParkMember.objects.filter(park_id=park.pk).values("enterprise_id")


def park_memberships(enterprise_id, parks):
    """The pks among `parks` that list enterprise `enterprise_id`."""
    from worksafe.archive.models import ParkMember

    return ParkMember.objects.filter(enterprise_id=enterprise_id, park_id__in=parks).values_list("park_id", flat=True)


def narrowed(org):
    """Whether `org` sees only part of its region: an industry department, a park by membership."""
    return bool(supervised_industries(org)) or org.by_membership


def supervised_industries(org):
    """The industry codes `org` is narrowed to (empty: all industries); cached on the organisation."""
    codes = getattr(org, "_industry_codes", None)
    if codes is None:
        codes = org._industry_codes = industry_codes(org.industries.all())
    return codes


def change_q(user):
    """Q restricting ChangeRecords to the archives `user` may see.

    Regulators match on the record's `region_code` (the archive's jurisdiction, which follows it when it moves and
    stays after it is deleted), narrowed to the enterprises they see when their organisation sees only part of its
    region (`narrowed`); enterprise users see their own archive's records. Records of no archive that carry a
    region code (a regulator's list export: audit.record_export) belong to that jurisdiction as a whole: its
    regulators and those above see them, a narrowed organisation (which sees only some enterprises) does not.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_sysadmin:
        return Q()
    if user.is_enterprise_user:
        return Q(enterprise_id=user.enterprise_id)
    if user.is_regulator:
        q = region_q(user.organization.region, "region_code")
        if narrowed(user.organization):
            q &= Q(enterprise_id__in=enterprises_for(user).values("pk"))
        return q
    return Q(pk__in=[])


class ScopedQuerySet(models.QuerySet):
    """Rows of an enterprise-owned model; `for_user(user)` keeps those whose enterprise `user` may see.

    A model declares `objects = ScopedQuerySet.as_manager()` when its foreign key is `enterprise`, else
    `ScopedQuerySet.on(path, located=...).as_manager()`; a model scoped by another rule overrides `scope_q`.
    (No `use_in_migrations`: the manager stays out of the migrations.)"""

    enterprise_path = "enterprise"  # from the model to Enterprise; "" for Enterprise itself
    located = False  # the rows carry their enterprise's region/industry copies (enterprise_q)

    @classmethod
    def on(cls, path, located=False):
        """The queryset class of a model whose enterprise lies at `path`."""
        return type(cls.__name__, (cls,), {"enterprise_path": path, "located": located, "__module__": cls.__module__})

    def scope_q(self, user):
        return enterprise_q(user, self.enterprise_path, self.located)

    def for_user(self, user):
        return self.filter(self.scope_q(user))


def enterprises_for(user):
    """Enterprise.objects.for_user(user), for core modules (which import no feature app at load time)."""
    from worksafe.archive.models import Enterprise

    return Enterprise.objects.for_user(user)


def regions_for(user):
    """Regions a user may pick (for filters and forms): the subtree of their organisation's region."""
    qs = Region.objects.all()
    if user.is_sysadmin:
        return qs
    if user.is_regulator:
        return qs.filter(region_q(user.organization.region, "code"))
    if user.is_enterprise_user:
        return qs.filter(code=user.enterprise.region_id)
    return qs.none()


def below_q(org):
    """Q for the organisations below `org`: those whose region lies strictly inside its region, and its own departments
    (children on the same region). A park by membership oversees its member enterprises, not the offices of the
    county whose region it shares: only its own children."""
    if org.by_membership:
        return Q(parent=org)
    return (region_q(org.region) & ~Q(region_id=org.region_id)) | Q(parent=org)


def organizations_for(user):
    """Government organisations whose accounts `user` manages: every one for a security administrator, a regulator
    administrator's own and those under its region."""
    from .models import Organization
    from .permissions import MANAGE_ACCOUNTS, MANAGE_USERS, has

    qs = Organization.objects.all()
    if has(user, MANAGE_ACCOUNTS):
        return qs
    if user.is_regulator and has(user, MANAGE_USERS):
        return qs.filter(Q(pk=user.organization_id) | below_q(user.organization))
    return qs.none()


def users_for(user):
    """Accounts `user` may manage: every account for a security administrator; government accounts of managed
    organisations and accounts of in-scope enterprises for a regulator; an enterprise administrator's staff. Break-glass
    superusers, and the accounts carrying a 三员 duty (which no other duty may reset its way into), are managed by
    superusers only (and `worksafe create_admin`)."""
    from .models import User
    from .permissions import MANAGE_ACCOUNTS, MANAGE_STAFF, has
    from .roles import with_duty

    qs = User.objects.select_related("organization", "enterprise")
    if user.is_superuser:
        return qs
    qs = qs.filter(is_superuser=False).exclude(role__in=with_duty())
    if has(user, MANAGE_ACCOUNTS):
        return qs
    if user.is_regulator:
        gov = Q(organization__in=organizations_for(user))
        return qs.filter(gov | (Q(enterprise__isnull=False) & enterprise_q(user, "enterprise")))
    if user.is_enterprise_user and has(user, MANAGE_STAFF):
        return qs.filter(enterprise_id=user.enterprise_id)
    return qs.none()
