"""Who may do what, beyond seeing (seeing is scoping.py). Each check takes the acting user and the object.

Modules register the permissions they check (`register`, in their `perms.py`, found by CoreConfig.ready): a code, a
label for the role editor, the built-in roles that hold it (core.roles) and, for the system-wide administrative ones,
their 三员 duty. A check is then "the account's role grants P, and the object is in the account's scope": `has` for
the first half, scoping (`in_scope`, the `for_user` querysets) for the second. Rules that follow from the
organisation rather than from what a role grants (township offices do not review) stay in the checks, as code.
"""
from dataclasses import dataclass

from .models import LEVEL_RANK, Duty, Role, Side


@dataclass(frozen=True)
class Permission:
    code: str  # "<app>.<action>"
    label: str  # as the role editor shows it
    group: str  # the module, as the role editor groups it
    roles: frozenset  # the built-in roles holding it
    sides: frozenset  # the sides whose roles may hold it
    duty: str = ""  # a 三员 duty (models.Duty) for the system-wide administrative permissions
    second_factor: bool = False  # a role holding it needs the second factor (core.second_factor)
    help: str = ""

    @property
    def side_label(self):
        """The sides whose roles may hold it, as the role editor marks it (三员 duties are marked apart)."""
        if self.duty:
            return ""
        return "、".join(Side(side).label for side in sorted(self.sides))


REGISTRY = {}


def register(code, label, group, roles=(), sides=None, duty="", second_factor=False, help=""):
    """Register a permission a module checks; returns its code (modules keep it as a constant)."""
    from .roles import BUILTIN

    if code in REGISTRY:
        raise ValueError(f"permission {code} registered twice")
    if sides is None:
        sides = {BUILTIN[r].side for r in roles}
    REGISTRY[code] = Permission(code, label, group, frozenset(roles), frozenset(sides), duty, second_factor or bool(duty), help)
    _defaults.clear()
    return code


_defaults = {}


def defaults_of(role_code):
    """The permission codes a built-in role holds."""
    if role_code not in _defaults:
        _defaults[role_code] = frozenset(p.code for p in REGISTRY.values() if role_code in p.roles)
    return _defaults[role_code]


def has(user, code):
    """Whether `user`'s role grants the permission `code` (break-glass superusers: everything, logged)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if code not in REGISTRY:
        raise KeyError(f"unregistered permission {code}")
    return user.is_superuser or code in user.role_info.granted


def grouped(codes=None):
    """[(group, [Permission])] of the registry (or of `codes`), in registration order, for the role editor."""
    groups = {}
    for p in REGISTRY.values():
        if codes is None or p.code in codes:
            groups.setdefault(p.group, []).append(p)
    return list(groups.items())


# ---- core's own permissions --------------------------------------------------------------------------------------
GOVERNMENT = (Role.REGULATOR_ADMIN, Role.REGULATOR)
ENTERPRISE = (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
ACCOUNTS = "账号与日志"
MANAGE_USERS = register("core.manage_users", "管理本单位及下级单位、辖区企业的账号", ACCOUNTS, [Role.REGULATOR_ADMIN],
                        second_factor=True)
MANAGE_STAFF = register("core.manage_staff", "管理本企业员工账号", ACCOUNTS, [Role.ENTERPRISE_ADMIN])
VIEW_LOGS = register("core.view_logs", "查看管辖范围的登录日志和操作日志", ACCOUNTS, [Role.REGULATOR_ADMIN],
                     second_factor=True)
MANAGE_ORGANIZATIONS = register("core.manage_organizations", "管理下级单位（新增、编辑、移动、停用）", ACCOUNTS,
                                [Role.REGULATOR_ADMIN], second_factor=True)
IMPERSONATE = register("core.impersonate", "快速登录企业端（只读查看）", ACCOUNTS, GOVERNMENT)
EXPORT = register("core.export", "导出", "数据导出", GOVERNMENT + ENTERPRISE,
                  help="列表、台账、清单导出为 Excel；没有此权限时页面不显示导出按钮，导出地址返回 403")
SYSTEM = "三员管理"
CONFIGURE = register("core.configure", "系统配置与参考数据（含全部监管单位）", SYSTEM, [Role.SYSADMIN], duty=Duty.SYSTEM)
MANAGE_ACCOUNTS = register("core.manage_accounts", "管理全部账号（新增、编辑、停用、解锁、重置）", SYSTEM, [Role.SECURITY_ADMIN],
                           duty=Duty.SECURITY)
MANAGE_ROLES = register("core.manage_roles", "角色管理", SYSTEM, [Role.SECURITY_ADMIN], duty=Duty.SECURITY)
AUDIT_LOGS = register("core.audit_logs", "查看和导出全部日志", SYSTEM, [Role.AUDIT_ADMIN], duty=Duty.AUDIT)

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


def owns_or_oversees(user, enterprise):
    """The enterprise is the account's own (enterprise side) or in its jurisdiction (government side)."""
    if user.is_enterprise_user:
        return user.enterprise_id == enterprise.pk
    return (user.is_regulator or user.is_sysadmin) and in_scope(user, enterprise)


def may(user, code, enterprise=None):
    """`user`'s role grants `code` and `enterprise` (when given) is theirs or in their jurisdiction."""
    return has(user, code) and (enterprise is None or owns_or_oversees(user, enterprise))


# The archive's permissions are registered by worksafe.archive.perms; core checks them by code.
def can_edit_archive(user, enterprise):
    return may(user, "archive.edit", enterprise)


def can_edit_risks(user, enterprise):
    """The risk list, site plan and patrols are the enterprise's own work; regulators see them."""
    return user.is_enterprise_user and may(user, "risks.edit", enterprise)


def can_submit_archive(user, enterprise):
    return user.is_enterprise_user and may(user, "archive.submit", enterprise)


def can_review_archive(user, enterprise):
    """分级负责: the level that supervises the enterprise (`supervision_level`, county unless changed) reviews its
    archive, and so may the levels above it and the industry department named as its supervisor; township offices
    review only the archives handed to their level."""
    if user.is_sysadmin:
        return True
    if not (user.is_regulator and may(user, "archive.review", enterprise)):
        return False
    org = user.organization
    return enterprise.supervising_department_id == org.pk or LEVEL_RANK[org.level] >= LEVEL_RANK[enterprise.supervision_level]


def can_manage_enterprise(user, enterprise=None):
    """Add, move (属地调整), retype (类型设置), reset passwords: regulators in scope."""
    return (user.is_regulator or user.is_sysadmin) and may(user, "archive.manage", enterprise)


def can_add_enterprise(user):
    """Add or import enterprises: regulators in scope, except a park by membership, whose list its managers keep."""
    return can_manage_enterprise(user) and not (user.is_regulator and user.organization.by_membership)


def can_reset_passwords_in_bulk(user):
    """New one-time passwords for a whole filtered list of enterprises (a background job), within the user's scope.
    One enterprise's reset is any regulator's in scope (can_manage_enterprise)."""
    return (user.is_regulator or user.is_sysadmin) and has(user, "archive.bulk_reset_passwords")


def can_delete_enterprise(user, enterprise):
    return (user.is_regulator or user.is_sysadmin) and may(user, "archive.delete", enterprise)


def can_export(user):
    return has(user, EXPORT)


def can_manage_users(user):
    """User management: security administrators (every account), regulator administrators (government accounts of
    their organisation and below, the enterprises in scope), enterprise administrators (their own staff)."""
    return (has(user, MANAGE_ACCOUNTS) or (user.is_regulator and has(user, MANAGE_USERS))
            or (user.is_enterprise_user and has(user, MANAGE_STAFF)))


def can_manage_roles(user):
    return has(user, MANAGE_ROLES)


def can_view_logs(user):
    """Login and operation logs: audit administrators (all of them), regulator administrators (their reach)."""
    return has(user, AUDIT_LOGS) or (user.is_regulator and has(user, VIEW_LOGS))


def can_impersonate(user, enterprise):
    """快速登录企业端: a regulator in scope may look at the enterprise side as the enterprise sees it (read-only)."""
    return user.is_regulator and may(user, IMPERSONATE, enterprise)
