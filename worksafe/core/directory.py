"""通讯录 (seed 001 七 1.3.9): whose contacts an account sees, and which of their numbers it sees in full.

The rule, written once here (the lists, filters and page are views_directory.py):
- a regulator sees the government accounts of its own organisation, of the organisations above it (those whose region
  holds its region: notify.organizations_above) and of those within its jurisdiction (a region strictly under its
  own: the organisations it oversees), and the safety contacts of the enterprises it sees (scoping.enterprises_for);
- an enterprise user sees the accounts of the organisations covering its enterprise (notify.covering_organizations:
  the regulators that see it) and of its own enterprise;
- the 三员 (no organisation, no enterprise) see nobody: they have no jurisdiction and see no enterprise data;
- a break-glass superuser sees every government account and every enterprise (as scoping lets it), in full.

Numbers in full: a regulator's own organisation and those it oversees, and the enterprises in its scope; an
enterprise user's own colleagues. Everyone else's are masked (display.mask_phone) before the page is rendered, so the
full number never leaves the server. Each queryset carries the decision per row as `full_phone`, computed in the
query (no row can forget it: a row without it is masked).

Only active accounts are listed; the accounts of the break-glass superusers never are.
"""
from django.db.models import BooleanField, Case, Q, Value, When

from . import roles as role_table
from .models import Side, User
from .notify import covering_organizations, organizations_above
from .scoping import enterprises_for, region_q

FULL, MASKED = Value(True, output_field=BooleanField()), Value(False, output_field=BooleanField())


def has_directory(user):
    """Whether `user` has anyone to see: regulators, enterprise users and superusers (not the 三员)."""
    return user.is_superuser or user.is_regulator or user.is_enterprise_user


def _accounts(side):
    return User.objects.filter(is_active=True, is_superuser=False, role__in=role_table.codes(side))


def officials(user):
    """The active government accounts `user` sees, each with `full_phone`."""
    qs = _accounts(Side.GOVERNMENT).filter(organization__isnull=False).select_related("organization")
    if user.is_superuser:
        return qs.annotate(full_phone=FULL)
    if user.is_regulator:
        org = user.organization
        # Its own organisation and those it oversees (a region strictly under its own): in full.
        overseen = Q(organization_id=org.pk)
        if not org.by_membership:  # a park oversees enterprises, not the offices of its county
            overseen |= region_q(org.region, "organization__region_id") & ~Q(organization__region_id=org.region_id)
        # Those above it, and those of its own region (other departments at its level): masked.
        above = [o.pk for o in organizations_above(org.region_id)]
        return qs.filter(overseen | Q(organization_id__in=above)).annotate(
            full_phone=Case(When(overseen, then=FULL), default=MASKED))
    if user.is_enterprise_user:
        enterprise = user.enterprise
        covering = [o.pk for o in covering_organizations(enterprise.region_id, enterprise.industry_id, enterprise.pk)]
        return qs.filter(organization_id__in=covering).annotate(full_phone=MASKED)
    return qs.none()


def colleagues(user):
    """The active accounts of an enterprise user's own enterprise (in full); nobody for anyone else."""
    if not user.is_enterprise_user:
        return User.objects.none()
    return _accounts(Side.ENTERPRISE).filter(enterprise_id=user.enterprise_id).annotate(full_phone=FULL)


def enterprise_contacts(user):
    """The enterprises whose safety contacts `user` sees (a regulator's jurisdiction; a superuser's all), in full.
    An enterprise user sees its own archive on its own pages, not here."""
    if not (user.is_superuser or user.is_regulator):
        return enterprises_for(user).none()
    return enterprises_for(user).annotate(full_phone=FULL)
