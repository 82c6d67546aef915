"""Roles: named sets of the permissions the modules register (core.permissions), 角色管理 of seed 001 六 1.1.1.

A role grants actions only. What an account sees is decided by its side and its organisation or enterprise
(core.scoping), never by a permission: a composed role cannot widen anyone's jurisdiction.

The built-in roles are code: their permissions are those each module registers for them, so they behave as reviewed
code says and a new module's permission reaches them with the module. Security administrators compose further roles
(core.models.Role rows) from the registered permissions; `check` holds a composition to the rules below.

三员分立 (等保 2.0 level 3): the system-wide administrative permissions each belong to one duty (system, security,
audit); no role holds two duties, and the three built-in administrators see no enterprise data. A government role may
add one duty's permissions (a county regulator who is also its security administrator); an enterprise role none.
"""
from dataclasses import dataclass

from .models import Duty, Role, Side


@dataclass(frozen=True)
class Builtin:
    code: str
    name: str
    side: str
    description: str
    builtin = True

    @property
    def granted(self):
        from .permissions import defaults_of

        return defaults_of(self.code)

    def __str__(self):
        return self.name


BUILTIN = {b.code: b for b in (
    Builtin(Role.REGULATOR_ADMIN, "监管管理员", Side.GOVERNMENT, "本单位的监管业务，并管理本单位及下级单位、辖区企业的账号，查看其日志"),
    Builtin(Role.REGULATOR, "监管人员", Side.GOVERNMENT, "本单位辖区内的监管业务"),
    Builtin(Role.ENTERPRISE_ADMIN, "企业管理员", Side.ENTERPRISE, "本企业的档案、双重预防和台账，管理本企业员工账号"),
    Builtin(Role.ENTERPRISE_STAFF, "企业人员", Side.ENTERPRISE, "本企业的档案、双重预防和台账"),
    Builtin(Role.SYSADMIN, "系统管理员", Side.SYSTEM, "系统配置与参考数据；不查看企业数据"),
    Builtin(Role.SECURITY_ADMIN, "安全管理员", Side.SYSTEM, "账号、角色、解锁；不查看企业数据和日志"),
    Builtin(Role.AUDIT_ADMIN, "审计管理员", Side.SYSTEM, "查看和导出日志，此外无任何权限"),
)}

# An account whose role code names nothing (a composed role deleted under it cannot happen: deletion is refused
# while accounts hold it; this covers a hand-edited row): no side, no permissions.
NONE = Builtin("", "（无角色）", "", "")


# The role of the stand-in enterprise account a regulator looks through (快速登录企业端, core.impersonation): the
# enterprise side, and no permission at all (nothing registers it), so every page shows what the enterprise sees
# without a button to act. Not in BUILTIN: no account is given it, and no composed role may take its code.
VIEWER = Builtin(Role.ENTERPRISE_VIEWER, "企业端只读查看", Side.ENTERPRISE, "监管人员只读查看企业端时的身份；不可分配")
RESERVED = frozenset({*BUILTIN, VIEWER.code})


def of(code):
    """The role with `code`: a built-in one, the read-only viewer's, a composed Role row, or NONE."""
    if code in BUILTIN:
        return BUILTIN[code]
    if code == VIEWER.code:
        return VIEWER
    return Role.objects.filter(code=code).first() or NONE if code else NONE


def every():
    """All roles, built-in first, for the role list and the user form."""
    return [*BUILTIN.values(), *Role.objects.all()]


def codes(side=None, permission=None):
    """The codes of the roles of `side` (any side: None) that grant `permission` (any: None)."""
    def keep(role):
        return (side is None or role.side == side) and (permission is None or permission in role.granted)

    return sorted(role.code for role in every() if keep(role))


def carries_duty(role):
    """Whether `role` grants a permission of a 三员 duty."""
    from .permissions import REGISTRY

    return any(REGISTRY[c].duty for c in role.granted if c in REGISTRY)


def with_duty():
    """The codes of the roles carrying a 三员 duty: their accounts are managed with break-glass or `worksafe
    create_admin` only (see `assignable`: a security administrator resetting the audit administrator's password would
    read the logs through it)."""
    return sorted(role.code for role in every() if carries_duty(role))


def check(side, granted):
    """What is wrong with a role of `side` granting the permission codes `granted`: a list of messages in Chinese."""
    from .permissions import REGISTRY

    errors = []
    unknown = [code for code in granted if code not in REGISTRY]
    if unknown:
        errors.append(f"未登记的权限：{'、'.join(unknown)}")
    perms = [REGISTRY[code] for code in granted if code in REGISTRY]
    duties = sorted({p.duty for p in perms if p.duty})
    if len(duties) > 1:
        errors.append("三员分立：一个角色不能同时包含" + "、".join(Duty(d).label for d in duties) + "的权限。")
    if side == Side.SYSTEM:
        wrong = [p.label for p in perms if not p.duty]
        if wrong:
            errors.append(f"系统管理角色不能包含业务权限：{'、'.join(wrong)}（三员不查看、不处理企业数据）。")
    else:
        wrong = [p.label for p in perms if side not in p.sides and not (p.duty and side == Side.GOVERNMENT)]
        if wrong:
            errors.append(f"{Side(side).label}角色不能包含以下权限：{'、'.join(wrong)}")
    return errors


def assignable(actor, side=None):
    """The roles `actor` may give to an account (of `side`): never more than the actor holds, so no administrator can
    raise anyone above themselves; roles carrying a 三员 duty only with break-glass or `worksafe create_admin` (a
    security administrator giving the audit duty could read the logs through the account it made)."""
    from .permissions import MANAGE_ACCOUNTS, has

    out = []
    for role in every():
        if side is not None and role.side != side:
            continue
        if actor.is_superuser:
            out.append(role)
        elif carries_duty(role) or role.side == Side.SYSTEM:
            continue
        elif has(actor, MANAGE_ACCOUNTS) or role.granted <= actor.role_info.granted or (
                actor.is_regulator and role.side == Side.ENTERPRISE):
            out.append(role)
    return out


def attach(accounts):
    """Resolve the roles of many accounts at once (`every()`: one query), so a list shows their role names without a
    query per row; returns `accounts` (a list)."""
    by_code = {role.code: role for role in every()}
    accounts = list(accounts)
    for account in accounts:
        account.__dict__["_role_info"] = (account.role, by_code.get(account.role, NONE))
    return accounts
