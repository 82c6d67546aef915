"""Who may do what, beyond seeing (seeing is scoping.py). Each check takes the acting user and the object."""
from .models import OrgLevel, Role


def in_scope(user, enterprise):
    """Whether `enterprise` lies in `user`'s jurisdiction (one indexed query, none if it was just fetched in scope)."""
    from worksafe.archive.models import Enterprise

    if getattr(enterprise, "_scoped_for", None) == scope_key(user, enterprise):
        return True
    return Enterprise.objects.for_user(user).filter(pk=enterprise.pk).exists()


def scope_key(user, enterprise):
    """What an in-scope check depends on: who asks, and where the enterprise is (a move invalidates it)."""
    return (user.pk, enterprise.region_id, enterprise.industry_id)


def mark_in_scope(user, enterprise):
    """Note that `enterprise` was loaded through `user`'s scope, so permission checks need not ask again."""
    enterprise._scoped_for = scope_key(user, enterprise)
    return enterprise


def can_edit_archive(user, enterprise):
    if user.is_enterprise_user:
        return user.enterprise_id == enterprise.pk
    return (user.is_regulator or user.is_sysadmin) and in_scope(user, enterprise)


def can_edit_risks(user, enterprise):
    """The risk list, site plan and patrols are the enterprise's own work; regulators see them."""
    return user.is_enterprise_user and user.enterprise_id == enterprise.pk


def can_submit_archive(user, enterprise):
    return user.is_enterprise_user and user.role == Role.ENTERPRISE_ADMIN and user.enterprise_id == enterprise.pk


def can_review_archive(user, enterprise):
    """Review is the county regulators' work (or any level above, for zones and 济源); township staff don't review."""
    if user.is_sysadmin:
        return True
    return user.is_regulator and user.organization.level != OrgLevel.TOWNSHIP and in_scope(user, enterprise)


def can_manage_enterprise(user, enterprise=None):
    """Add, move (属地调整), retype (类型设置), reset passwords: regulators in scope."""
    if user.is_sysadmin:
        return True
    return user.is_regulator and (enterprise is None or in_scope(user, enterprise))


def can_reset_passwords_in_bulk(user):
    """New one-time passwords for a whole filtered list of enterprises (a background job): administrators only, system
    and regulator ones, within their scope. One enterprise's reset is any regulator's in scope (can_manage_enterprise)."""
    return user.is_sysadmin or (user.is_regulator and user.role == Role.REGULATOR_ADMIN)


def can_delete_enterprise(user, enterprise):
    return user.is_sysadmin or (user.role == Role.REGULATOR_ADMIN and can_manage_enterprise(user, enterprise))


def can_manage_users(user):
    """User management: system and regulator administrators (government accounts and the enterprises in scope),
    enterprise administrators (their own enterprise's staff)."""
    return can_view_logs(user) or (user.is_enterprise_user and user.role == Role.ENTERPRISE_ADMIN)


def can_view_logs(user):
    """Login and operation logs are the government side's oversight: system and regulator administrators."""
    return user.is_sysadmin or (user.is_regulator and user.role == Role.REGULATOR_ADMIN)
