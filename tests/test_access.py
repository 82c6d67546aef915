"""Who may reach every URL and every API operation, as one table, and the test that holds each of them to it.

ROUTES has a row for every route Django resolves, keyed by its full route string ("hazards/<int:pk>/step/<str:action>/"):
paths never change, URL names may. API_OPERATIONS has one for every operation of /api/v1/ ("DELETE /api/v1/hazards/
{enterprise}/{external_id}"). A route or an operation without a row fails the suite, and so does a row whose route is
gone: a new module adds its rows (docs/adding-a-module.md).

A row says who may reach the route (the accounts below: anonymous, the 金水 enterprise's administrator `owner` and
staff member `staff`, 金水区's regulator `jinshui` and regulator administrator `jinshui_admin`, the system
administrator), with which methods, and for a route taking an id what it points to (an object of access_world) and how
that is scoped. For each row the test asks, on the 金水 object:
- anonymously: the login page (302), unless the row is public;
- as each account: an answer other than 403/404 where the row lets it in, else 403 (or the row's `denied`);
and, for a scoped row, on the same kind of object of the sibling county 二七区, as 金水's enterprise administrator,
regulator and regulator administrator, GET and POST: 404 (403 from a role the row keeps out before any lookup), with
no row written, changed or deleted anywhere.

Every request runs in a savepoint that is rolled back, so one account's allowed POST (a delete, a step) never changes
what the next account is asked about. The Django admin site is one rule (`ADMIN`): only staff accounts pass.
"""
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests import access_world
from tests.access_world import TABLE
from worksafe.core import permissions, roles
from worksafe.core.models import Role

pytestmark = pytest.mark.django_db

# Each account of the world and its role (None: the break-glass superuser, whom every permission lets in).
ACCOUNT_ROLES = {"owner": Role.ENTERPRISE_ADMIN, "staff": Role.ENTERPRISE_STAFF, "jinshui": Role.REGULATOR,
                 "jinshui_admin": Role.REGULATOR_ADMIN, "sysadmin": None,
                 "system": Role.SYSADMIN, "security": Role.SECURITY_ADMIN, "auditor": Role.AUDIT_ADMIN}
ROLES = tuple(ACCOUNT_ROLES)
THREE = frozenset({"system", "security", "auditor"})  # 三员: no jurisdiction; every row not naming them refuses them
CROSS = ("owner", "jinshui", "jinshui_admin")  # who asks for 二七's objects
PUBLIC = frozenset({"anonymous", *ROLES})
ANYONE = frozenset(ROLES)  # any logged-in account: its own account, jobs, notifications
USERS = ANYONE - THREE  # the accounts that see the enterprise (scoped rows), or lists within their reach
ENTERPRISE = frozenset({"owner", "staff"})  # the enterprise's own accounts
ENTERPRISE_ADMIN = frozenset({"owner"})
REGULATORS = frozenset({"jinshui", "jinshui_admin", "sysadmin"})  # government accounts (and break-glass)
REGULATOR_ADMINS = frozenset({"jinshui_admin", "sysadmin"})


def granted(*codes):
    """The accounts whose role grants one of the permissions `codes`, read from the registry the checks read
    (core.permissions): a row gated by a permission names its holders this way."""
    return frozenset(name for name, role in ACCOUNT_ROLES.items()
                     if role is None or any(code in roles.of(role).granted for code in codes))


USER_ADMINS = granted(permissions.MANAGE_STAFF, permissions.MANAGE_USERS, permissions.MANAGE_ACCOUNTS)
LOG_READERS = granted(permissions.VIEW_LOGS, permissions.AUDIT_LOGS)
ROLE_ADMINS = granted(permissions.MANAGE_ROLES)
CONFIGURERS = granted(permissions.CONFIGURE)
ORG_ADMINS = granted(permissions.CONFIGURE, permissions.MANAGE_ORGANIZATIONS)
PARK_KEEPERS = granted("archive.park_members")

# How a route's id is scoped.
ENTERPRISE_SCOPE = "enterprise"  # through the object's enterprise (core.scoping.enterprise_q)
REGION = "region"  # by the region it concerns, whatever its enterprise (public reports, organisations' subscriptions)
ORGANISATION = "organisation"  # seen by everyone, changed by the organisation that owns it (guidelines): 403
ACCOUNT = "account"  # the account's own (its sessions, jobs, notifications): World.own
GLOBAL = "global"  # of no county (a composed role): no other county's to ask for
LOGIN = "/accounts/login/"


@dataclass(frozen=True)
class Access:
    who: frozenset  # who may GET (a POST-only route: POST)
    methods: tuple = ("GET",)
    obj: str = ""  # the access_world kind the route's id points to
    scope: str = ""  # how that id is scoped (the constants above); "" for routes taking no id
    values: object = None  # the route's other values: a dict, or a function of the object
    post: frozenset = None  # who may POST, where it differs from `who`
    data: dict = field(default_factory=dict)  # the POST body
    denied: int = 403  # what an account outside `who` gets
    ok: tuple = ()  # what an account inside gets, where it is not simply "anything but 403/404/405 or the login page"
    headers: dict = field(default_factory=dict)  # request headers (as the test client takes them)


def row(who, *methods, obj="", scope=None, **kw):
    """A row; a route with an object is scoped by its enterprise unless `scope` says otherwise."""
    return Access(frozenset(who), methods or ("GET",), obj, ENTERPRISE_SCOPE if obj and scope is None else scope or "", **kw)


POST, BOTH = ("POST",), ("GET", "POST")  # (GET alone is the default)

ROUTES = {
    "": row(ANYONE, denied=302),
    # ---- accounts (core.views_account): one's own account ----
    "accounts/login/": row(PUBLIC, *BOTH),
    "accounts/logout/": row(PUBLIC, *POST, ok=(302,)),  # to the login page, logged in or not
    "accounts/password/": row(ANYONE, *BOTH),
    "accounts/profile/": row(ANYONE, *BOTH),
    "accounts/otp/": row(ANYONE, *BOTH),
    "accounts/otp/setup/": row(ANYONE, *BOTH),
    "accounts/otp/recovery-codes/": row(ANYONE, *POST, ok=(404,)),  # 404: these accounts have no authenticator
    "accounts/otp/disable/": row(ANYONE, *POST),
    "accounts/sessions/<int:pk>/end/": row(ANYONE, *POST, obj="session", scope=ACCOUNT),
    "accounts/impersonation/stop/": row(ANYONE, *POST, ok=(302,)),  # ends 快速登录企业端 if on; home otherwise
    "jobs/": row(ANYONE),
    "jobs/<uuid:pk>/": row(ANYONE, obj="job", scope=ACCOUNT),
    "jobs/<uuid:pk>/result/": row(ANYONE, obj="job", scope=ACCOUNT),
    # ---- notifications (core.views_notifications): one's own ----
    "notifications/": row(ANYONE),
    "notifications/<int:pk>/": row(ANYONE, obj="notification", scope=ACCOUNT),
    "notifications/read-all/": row(ANYONE, *POST),
    "directory/": row(ANYONE),  # 通讯录: each account sees the contacts within its reach (the 三员 a sentence)
    # ---- system (core.views): accounts and logs ----
    "system/users/": row(USER_ADMINS),
    "system/users/add/": row(USER_ADMINS, *BOTH),
    "system/users/<int:pk>/": row(USER_ADMINS, obj="account"),
    "system/users/<int:pk>/edit/": row(USER_ADMINS, *BOTH, obj="account"),
    "system/users/<int:pk>/disable/": row(USER_ADMINS, *POST, obj="account"),
    "system/users/<int:pk>/enable/": row(USER_ADMINS, *POST, obj="account"),
    "system/users/<int:pk>/delete/": row(USER_ADMINS, *BOTH, obj="account"),  # GET: why not, or the confirmation
    "system/users/<int:pk>/reset-password/": row(USER_ADMINS, *POST, obj="account"),
    "system/users/<int:pk>/unlock/": row(USER_ADMINS, *BOTH, obj="account"),  # GET: the form asking for the reason
    "system/users/<int:pk>/reset-otp/": row(USER_ADMINS, *POST, obj="account"),
    "system/login-log/": row(LOG_READERS),
    "system/operations/": row(LOG_READERS),
    "system/login-log/export/": row(LOG_READERS),
    "system/operations/export/": row(LOG_READERS),
    "system/organizations/": row(ORG_ADMINS),
    "system/organizations/add/": row(ORG_ADMINS, *BOTH),
    "system/organizations/<int:pk>/edit/": row(ORG_ADMINS, *BOTH, obj="organization", scope=REGION),
    "system/organizations/<int:pk>/merge/": row(ORG_ADMINS, *BOTH, obj="organization", scope=REGION),
    "system/organizations/<int:pk>/<str:action>/": row(ORG_ADMINS, *POST, obj="organization", scope=REGION,
                                                       values={"action": "activate"}),
    "system/roles/": row(ROLE_ADMINS),
    "system/roles/add/": row(ROLE_ADMINS, *BOTH),
    "system/roles/<int:pk>/edit/": row(ROLE_ADMINS, *BOTH, obj="role", scope=GLOBAL),
    "system/roles/<int:pk>/delete/": row(ROLE_ADMINS, *POST, obj="role", scope=GLOBAL),
    "system/status/": row(CONFIGURERS),
    "system/workflow/": row(CONFIGURERS),
    "system/workflow/<str:key>/": row(CONFIGURERS, *BOTH, values={"key": "hazards.warn_days"}, data={"value": "7"}),
    "system/workflow/<str:key>/reset/": row(CONFIGURERS, *POST, values={"key": "hazards.warn_days"}),
    # ---- 参考数据 (core.views_refdata): every reference table, the system administrator's ----
    "system/reference/": row(CONFIGURERS),
    "system/reference/<str:key>/": row(CONFIGURERS, values={"key": "regions"}),
    "system/reference/<str:key>/add/": row(CONFIGURERS, *BOTH, values={"key": "competent-departments"}),
    "system/reference/<str:key>/import/": row(CONFIGURERS, *BOTH, values={"key": "hazard-categories"}),
    "system/reference/<str:key>/template/": row(CONFIGURERS, values={"key": "industries"}),
    "system/reference/<str:key>/export/": row(CONFIGURERS, values={"key": "accident-categories"}),
    "system/reference/<str:key>/<str:code>/edit/": row(CONFIGURERS, *BOTH, values={"key": "competent-departments", "code": "coal"}),
    "system/reference/<str:key>/<str:code>/<str:action>/": row(CONFIGURERS, *POST, values={"key": "hazard-categories", "code": "fire",
                                                                                          "action": "deactivate"}),
    # ---- archive (一企一档) ----
    "archive/enterprises/": row(REGULATORS),
    "archive/enterprises/add/": row(REGULATORS, *BOTH),
    "archive/enterprises/review/": row(REGULATORS, *POST, data={"action": "approve"}),
    "archive/enterprises/export/": row(REGULATORS, *BOTH),
    "archive/enterprises/import/": row(REGULATORS, *BOTH),
    "archive/enterprises/import/template/": row(REGULATORS),
    "archive/enterprises/reset-passwords/": row(REGULATOR_ADMINS, *BOTH),  # a confirmation page; confirm=1 starts the job
    "archive/enterprises/stats/": row(REGULATORS),
    "archive/enterprises/<int:pk>/": row(USERS, obj="enterprise"),
    "archive/enterprises/<int:pk>/edit/": row(USERS, *BOTH, obj="enterprise"),
    "archive/enterprises/<int:pk>/delete/": row(REGULATOR_ADMINS, *POST, obj="enterprise"),
    r"archive/^enterprises/(?P<pk>\d+)/review/(?P<action>submit|approve|return)/$": [
        row(ENTERPRISE_ADMIN, *POST, obj="enterprise", values={"action": "submit"}),
        row(REGULATORS, *POST, obj="enterprise", values={"action": "approve"}),
        row(REGULATORS, *POST, obj="enterprise", values={"action": "return"}),
    ],
    "archive/enterprises/<int:pk>/move/": row(REGULATORS, *BOTH, obj="enterprise"),
    "archive/enterprises/<int:pk>/type/": row(REGULATORS, *BOTH, obj="enterprise"),
    "archive/enterprises/<int:pk>/reset-password/": row(REGULATORS, *POST, obj="enterprise"),
    # 快速登录企业端: regulators of the jurisdiction (the break-glass account has none: it sees everything as itself)
    "archive/enterprises/<int:pk>/impersonate/": row(REGULATORS - {"sysadmin"}, *POST, obj="enterprise"),
    "archive/enterprises/<int:pk>/units/add/": row(USERS, *BOTH, obj="enterprise"),
    "archive/units/<int:pk>/edit/": row(USERS, *BOTH, obj="unit"),
    "archive/enterprises/<int:pk>/items/add/": row(USERS, *BOTH, obj="enterprise"),
    "archive/items/<int:pk>/edit/": row(USERS, *BOTH, obj="item"),
    r"archive/^(?P<kind>unit|item)s/(?P<pk>\d+)/delete/$": [
        row(USERS, *POST, obj="unit", values={"kind": "unit"}),
        row(USERS, *POST, obj="item", values={"kind": "item"}),
    ],
    "archive/changes/": row(REGULATORS),
    # 园区企业名单: the park's managers above it (and its own accounts, who read it); 分级负责
    "archive/parks/<int:pk>/members/": row(PARK_KEEPERS, *BOTH, obj="park", scope=REGION),
    "archive/parks/members/<int:pk>/": row(PARK_KEEPERS, *POST, obj="park_member"),
    "archive/enterprises/<int:pk>/supervision/": row(REGULATORS - {"sysadmin"}, *BOTH, obj="enterprise"),
    "archive/supervision/": row(REGULATORS),
    # a request by someone else to hand 金水's enterprise to its township: the county's administrator approves
    "archive/supervision/<int:pk>/<str:action>/": row(granted("archive.approve_supervision") - THREE, *POST,
                                                      obj="supervision_change", values={"action": "approve"}),
    "workbench/": row(ENTERPRISE, denied=302),  # a regulator is sent to their home page
    # ---- codes (一码) ----
    "codes/placards/enterprises/": row(REGULATORS, *BOTH),
    "codes/<slug:key>/<int:pk>/": [
        row(USERS, obj="enterprise", values={"key": "enterprise"}),
        row(USERS, obj="unit", values={"key": "unit"}),
    ],
    r"codes/^(?P<key>[\w-]+)/(?P<pk>\d+)/qr\.(?P<kind>png|svg)$": [
        row(USERS, obj="enterprise", values={"key": "enterprise", "kind": "png"}),
        row(USERS, obj="unit", values={"key": "unit", "kind": "svg"}),
    ],
    "codes/<slug:key>/<int:pk>/placard.pdf": row(USERS, obj="enterprise", values={"key": "enterprise"}),
    "codes/<slug:key>/<int:pk>/regenerate/": [
        row(granted("codes.regenerate", "archive.manage"), *POST, obj="enterprise", values={"key": "enterprise"}),
        row(granted("codes.regenerate", "archive.manage"), *POST, obj="unit", values={"key": "unit"}),
    ],
    "q/<str:signed>": row(PUBLIC, obj="code", scope="", values=lambda code: {"signed": code.signed}),
    # ---- risks (风险分级管控) ----
    "risks/enterprises/<int:pk>/": row(USERS, obj="enterprise"),
    r"risks/^add/(?P<kind>object|unit|source|event|measure)/(?P<parent>\d+)/$": [
        row(ENTERPRISE, *BOTH, obj=parent, values={"kind": kind})
        for kind, parent in [("object", "enterprise"), ("unit", "risk_object"), ("source", "risk_unit"),
                             ("event", "risk_source"), ("measure", "risk_event")]
    ],
    r"risks/^(?P<kind>object|unit|source|event|measure)s/(?P<pk>\d+)/edit/$": [
        row(ENTERPRISE, *BOTH, obj=f"risk_{kind}", values={"kind": kind}) for kind in ("object", "unit", "source", "event", "measure")
    ],
    r"risks/^(?P<kind>object|unit|source|event|measure)s/(?P<pk>\d+)/delete/$": [
        row(ENTERPRISE, *BOTH, obj=f"risk_{kind}", values={"kind": kind}) for kind in ("object", "unit", "source", "event", "measure")
    ],
    "risks/enterprises/<int:pk>/list/export/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/list/template/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/list/import/": row(ENTERPRISE, *BOTH, obj="enterprise"),
    "risks/enterprises/<int:pk>/table3/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/table3/xlsx/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/table3/pdf/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/map/": row(USERS, obj="map"),
    "risks/enterprises/<int:pk>/map/plan/": row(USERS, obj="map"),
    "risks/enterprises/<int:pk>/map/plan/upload/": row(ENTERPRISE, *POST, obj="map"),
    "risks/enterprises/<int:pk>/map/ready/": row(USERS, obj="map"),
    "risks/enterprises/<int:pk>/map/ready/upload/": row(ENTERPRISE, *POST, obj="map"),
    "risks/enterprises/<int:pk>/map/ready/delete/": row(ENTERPRISE, *POST, obj="map"),
    "risks/units/<int:pk>/place/": row(ENTERPRISE, *POST, obj="risk_unit", data={"clear": "on"}),
    "risks/maps/": row(REGULATORS),
    "risks/enterprises/<int:pk>/patrols/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/patrols/due/": row(USERS, obj="enterprise"),
    "risks/enterprises/<int:pk>/patrols/add/": row(ENTERPRISE, *BOTH, obj="enterprise"),
    "risks/patrols/<int:pk>/": row(USERS, obj="patrol"),
    "risks/patrol-items/<int:pk>/photo/": row(USERS, obj="patrol_photo"),
    "risks/objects/": row(REGULATORS),
    "risks/units/": row(REGULATORS),
    "risks/events/": row(REGULATORS),
    "risks/measures/": row(REGULATORS),
    "risks/patrol-records/": row(REGULATORS),
    "risks/stats/": row(REGULATORS),
    "risks/stats/patrols/": row(REGULATORS, headers={"HTTP_HX_REQUEST": "true"}),  # the stats page's part (htmx)
    # ---- hazards (隐患排查治理): the ledger and the closed loop ----
    "hazards/enterprises/<int:pk>/": row(USERS, obj="enterprise"),
    "hazards/enterprises/<int:pk>/add/": row(USERS, *BOTH, obj="enterprise"),
    "hazards/<int:pk>/": row(USERS, obj="hazard"),
    "hazards/<int:pk>/edit/": row(ENTERPRISE, *BOTH, obj="hazard"),
    "hazards/<int:pk>/delete/": row(ENTERPRISE, *BOTH, obj="hazard"),
    "hazards/<int:pk>/step/<str:action>/": row(USERS, *POST, obj="hazard", values={"action": "start"}),
    "hazards/<int:pk>/rectify/": row(USERS, *BOTH, obj="hazard"),
    "hazards/<int:pk>/notice.pdf": row(USERS, obj="hazard"),
    "hazards/photos/<int:photo_pk>/": row(USERS, obj="hazard_photo"),
    "hazards/photos/<int:photo_pk>/delete/": row(ENTERPRISE, *POST, obj="hazard_photo"),
    # checklists: guidelines are everyone's to read and their organisation's to keep; custom ones are scoped
    "hazards/checklists/": row(USERS),
    "hazards/checklists/import/": row(REGULATORS, *BOTH),
    "hazards/checklists/template/": row(USERS),
    "hazards/checklists/custom/": row(REGULATORS),
    "hazards/checklists/<int:pk>/": [row(USERS, obj="checklist"), row(USERS, obj="guideline", scope="")],
    "hazards/checklists/<int:pk>/export/": [row(USERS, obj="checklist"), row(USERS, obj="guideline", scope="")],
    "hazards/checklists/<int:pk>/derive/": row(ENTERPRISE, *POST, obj="guideline", scope=""),
    "hazards/checklists/<int:pk>/edit/": [
        row(ENTERPRISE, *BOTH, obj="checklist"),
        row(REGULATORS, *BOTH, obj="guideline", scope=ORGANISATION),
    ],
    "hazards/checklists/<int:pk>/delete/": [
        row(ENTERPRISE, *BOTH, obj="checklist"),
        row(REGULATORS, *BOTH, obj="guideline", scope=ORGANISATION),
    ],
    "hazards/checklists/<int:pk>/submit/": row(ENTERPRISE, *POST, obj="checklist"),
    "hazards/checklists/<int:pk>/review/": row(REGULATORS, *POST, obj="checklist", data={"action": "approve"}),
    "hazards/enterprises/<int:pk>/plans/": row(USERS, obj="enterprise"),
    "hazards/enterprises/<int:pk>/plans/add/": row(ENTERPRISE, *BOTH, obj="enterprise"),
    "hazards/plans/<int:pk>/edit/": row(ENTERPRISE, *BOTH, obj="plan"),
    "hazards/plans/<int:pk>/delete/": row(ENTERPRISE, *BOTH, obj="plan"),
    "hazards/enterprises/<int:pk>/checks/": row(USERS, obj="enterprise"),
    "hazards/enterprises/<int:pk>/checks/add/": row(ENTERPRISE, *BOTH, obj="enterprise"),
    "hazards/checks/<int:pk>/": row(USERS, obj="check"),
    "hazards/checks/items/<int:pk>/photo/": row(USERS, obj="check_photo"),
    # major hazards: reviewed and supervised by regulators, planned by the enterprise
    "hazards/<int:pk>/major/review/": row(REGULATORS, *BOTH, obj="major_hazard"),
    "hazards/<int:pk>/major/supervise/": row(REGULATORS, *BOTH, obj="confirmed_hazard"),
    "hazards/<int:pk>/major/notice.pdf": row(USERS, obj="supervised_hazard"),
    "hazards/<int:pk>/major/plan/": row(ENTERPRISE, *BOTH, obj="confirmed_hazard"),
    # 随手拍: anyone reports and looks a report up by its receipt; regulators of the report's region handle it
    "hazards/report/": row(PUBLIC, *BOTH),
    "hazards/report/status/": row(PUBLIC),
    "hazards/report/receipt/<str:receipt>/": row(PUBLIC, obj="public_report", scope="", values=lambda r: {"receipt": r.receipt}),
    "hazards/report/<str:signed>/": row(PUBLIC, *BOTH, obj="code", scope="", values=lambda code: {"signed": code.signed}),
    "hazards/public/": row(REGULATORS),
    "hazards/public/<int:pk>/": row(REGULATORS, *BOTH, obj="public_report", scope=REGION),
    "hazards/public/photos/<int:pk>/": row(REGULATORS, obj="public_photo", scope=REGION),
    # 查报: the enterprise reports its period; regulators see it and manage the duties
    "hazards/enterprises/<int:pk>/report/": row(USERS, *BOTH, obj="enterprise", post=ENTERPRISE),
    "hazards/duties/": row(REGULATORS),
    "hazards/duties/bulk/": row(REGULATORS, *POST),
    "hazards/duties/<int:enterprise_pk>/": row(REGULATORS, *BOTH, obj="enterprise"),
    "hazards/filing/": row(REGULATORS),
    "hazards/filing/export/": row(REGULATORS),
    "hazards/stats/reporting/": row(REGULATORS),
    # the regulators' lists, the enterprise's tables and ledgers
    "hazards/open/": row(REGULATORS),
    "hazards/open/export/": row(REGULATORS),
    "hazards/major/": row(REGULATORS),
    "hazards/major/export/": row(REGULATORS),
    "hazards/all/": row(REGULATORS),
    "hazards/all/export/": row(REGULATORS),
    "hazards/enterprises/<int:pk>/table4/": row(USERS, obj="enterprise"),
    "hazards/enterprises/<int:pk>/table4.xlsx": row(USERS, obj="enterprise"),
    "hazards/enterprises/<int:pk>/ledger.xlsx": row(USERS, obj="enterprise"),
    "hazards/<int:pk>/ledger/": row(USERS, obj="hazard"),
    "hazards/<int:pk>/ledger.xlsx": row(USERS, obj="hazard"),
    "hazards/changes/": row(USERS),  # each account sees the changes within its reach
    "hazards/stats/": row(REGULATORS),
    # ---- registrations (行业登记表) ----
    "registrations/enterprises/<int:pk>/<slug:table>/edit/": row(USERS, *BOTH, obj="enterprise", values={"table": TABLE}),
    "registrations/enterprises/<int:pk>/<slug:table>/xlsx/": row(USERS, obj="registration", values={"table": TABLE}),
    "registrations/enterprises/<int:pk>/<slug:table>/pdf/": row(USERS, obj="registration", values={"table": TABLE}),
    "registrations/<slug:table>/export/": row(REGULATORS, values={"table": TABLE}),
    # ---- incidents (事故台账, 调查, 处罚, 快报) ----
    "incidents/enterprises/<int:pk>/accidents/": row(USERS, obj="enterprise"),
    "incidents/enterprises/<int:pk>/accidents/xlsx/": row(USERS, obj="enterprise"),
    "incidents/enterprises/<int:pk>/accidents/add/": row(USERS, *BOTH, obj="enterprise"),
    "incidents/accidents/<int:pk>/": row(USERS, obj="accident"),
    "incidents/accidents/<int:pk>/edit/": row(USERS, *BOTH, obj="accident"),
    "incidents/accidents/<int:pk>/delete/": row(USERS, *POST, obj="accident"),
    "incidents/accidents/<int:pk>/investigation/": row(USERS, *BOTH, obj="accident"),
    "incidents/accidents/<int:pk>/investigation/pdf/": row(USERS, obj="investigation"),
    "incidents/enterprises/<int:pk>/penalties/": row(USERS, obj="enterprise"),
    "incidents/enterprises/<int:pk>/penalties/xlsx/": row(USERS, obj="enterprise"),
    "incidents/enterprises/<int:pk>/penalties/add/": row(USERS, *BOTH, obj="enterprise"),
    "incidents/penalties/<int:pk>/edit/": row(USERS, *BOTH, obj="penalty"),
    "incidents/penalties/<int:pk>/delete/": row(USERS, *POST, obj="penalty"),
    "incidents/reports/": row(USERS),  # each account sees the reports within its reach
    "incidents/reports/stats/": row(REGULATORS),
    "incidents/enterprises/<int:pk>/reports/add/": row(USERS, *BOTH, obj="enterprise"),
    "incidents/reports/<int:pk>/": row(USERS, obj="report"),
    "incidents/reports/<int:pk>/follow-up/": row(USERS, *POST, obj="report"),
    "incidents/reports/<int:pk>/close/": row(USERS, *POST, obj="report"),
    # ---- the data connection: the API's own pages (its operations are API_OPERATIONS) and 接口订阅管理 ----
    "api/v1/openapi.json": row(PUBLIC),
    "api/v1/docs": row(PUBLIC),
    "api/v1/": row(PUBLIC, ok=(404,)),  # nothing at the root: the operations are below it
    "connect/": row(USERS),
    "connect/add/": row(ENTERPRISE_ADMIN, *BOTH),
    "connect/grant/": row(REGULATOR_ADMINS, *BOTH),
    "connect/<int:pk>/": [
        row(USERS, obj="subscription"),
        row(REGULATORS, obj="org_subscription", scope=REGION, denied=404),  # not an enterprise's to see at all
    ],
    "connect/<int:pk>/edit/": row(ENTERPRISE_ADMIN, *BOTH, obj="subscription"),
    "connect/<int:pk>/secret/": row(ENTERPRISE_ADMIN, *POST, obj="subscription"),
    "connect/<int:pk>/<str:action>/": [
        row(REGULATORS, *POST, obj="subscription", values={"action": "approve"}),
        row(ENTERPRISE_ADMIN, *POST, obj="subscription", values={"action": "cancel"}),
    ],
    # ---- the Django admin site's own pages (its model pages follow ADMIN) ----
    "admin/login/": row(PUBLIC, *BOTH),
    "admin/logout/": row(PUBLIC, *POST, ok=(200, 302)),
}
ADMIN = "admin/"  # every other route under it: staff accounts only (the system administrator)


@dataclass(frozen=True)
class Operation:
    """An API operation: public, or for a subscription's bearer token; what it does with an enterprise's records
    (`kind`: token, read, list, upload, withdraw) decides how it is asked about 金水's and 二七's."""

    auth: str  # PUBLIC_API or TOKEN
    kind: str
    external_id: str = ""  # the record of each county a withdrawal names (uploaded by the county's own system)


PUBLIC_API, TOKEN = "public", "token"
API_OPERATIONS = {
    "POST /api/v1/token": Operation(PUBLIC_API, "token"),
    "GET /api/v1/subscription": Operation(TOKEN, "read"),
    "GET /api/v1/enterprises": Operation(TOKEN, "list"),
    "POST /api/v1/hazards": Operation(TOKEN, "upload"),
    "GET /api/v1/hazards": Operation(TOKEN, "list"),
    "DELETE /api/v1/hazards/{enterprise}/{external_id}": Operation(TOKEN, "withdraw", "H-1"),
    "POST /api/v1/checks": Operation(TOKEN, "upload"),
    "GET /api/v1/checks": Operation(TOKEN, "list"),
    "DELETE /api/v1/checks/{enterprise}/{external_id}": Operation(TOKEN, "withdraw", "C-1"),
    "POST /api/v1/risk-objects": Operation(TOKEN, "upload"),
    "GET /api/v1/risk-objects": Operation(TOKEN, "list"),
    "DELETE /api/v1/risk-objects/{enterprise}/{external_id}": Operation(TOKEN, "withdraw", "R-1"),
    "POST /api/v1/four-colour-maps": Operation(TOKEN, "upload"),
    "GET /api/v1/four-colour-maps": Operation(TOKEN, "list"),
    "DELETE /api/v1/four-colour-maps/{enterprise}": Operation(TOKEN, "withdraw"),
}


# ---- the routes as Django resolves them --------------------------------------------------------------------------


def walk(patterns=None, prefix=""):
    """(full route string, URLPattern) of every route, in resolution order."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def api_operations():
    """{"METHOD /api/v1/path"} of the API's OpenAPI document."""
    from worksafe.api.api import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods}


def api_path(route):
    """The OpenAPI path of an API route ("api/v1/hazards/<enterprise>/<path:external_id>" → "/api/v1/hazards/{enterprise}/{external_id}")."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


ALL_ROUTES = [route for route, _ in walk()]
_API_PATHS = {op.split(" ", 1)[1] for op in api_operations()}


def is_api_operation(route):
    return api_path(route) in _API_PATHS


def concrete(route, values):
    """The path of `route` with `values` filled in (missing ones: 1, or a regex group's first alternative)."""
    def converter(m):
        return str(values.get(m["name"], 1))

    def group(m):
        value = str(values.get(m["name"], m["pat"].split("|")[0] if re.fullmatch(r"[\w|-]+", m["pat"]) else 1))
        assert re.fullmatch(m["pat"], value), (route, m["name"], value)
        return value

    path = re.sub(r"\(\?P<(?P<name>\w+)>(?P<pat>[^)]*)\)", group, route)
    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", converter, path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def resolves_to(path, route):
    """Whether `path` resolves to `route` (Django's ResolverMatch.route drops an included regex's leading ^)."""
    return resolve(path).route == route.replace("/^", "/")


# ---- the table covers the routes, and only them --------------------------------------------------------------------


def test_every_route_has_a_row():
    missing = [r for r in ALL_ROUTES if r not in ROUTES and not r.startswith(ADMIN) and not is_api_operation(r)]
    assert not missing, "routes without a row in tests/test_access.py ROUTES (who may reach them?):\n" + "\n".join(missing)


def test_every_row_names_a_route_that_exists():
    stale = sorted(set(ROUTES) - set(ALL_ROUTES))
    assert not stale, "rows of ROUTES whose route no longer exists:\n" + "\n".join(stale)


def test_every_api_operation_has_a_row_and_every_row_an_operation():
    operations = api_operations()
    missing, stale = sorted(operations - set(API_OPERATIONS)), sorted(set(API_OPERATIONS) - operations)
    assert not missing, "API operations without a row in API_OPERATIONS:\n" + "\n".join(missing)
    assert not stale, "rows of API_OPERATIONS whose operation no longer exists:\n" + "\n".join(stale)


# ---- each row, held to ---------------------------------------------------------------------------------------------


class Rollback(Exception):
    pass


def fingerprint(*objects, skip=None):
    """Every table's row count (one query) and the given rows as stored: what a refused request leaves as it was."""
    tables = sorted(m._meta.db_table for m in apps.get_models()
                    if m.__module__.startswith("worksafe.") and m._meta.managed and m is not skip)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in tables))
        counts = dict(cursor.fetchall())
    rows = tuple(type(o).objects.filter(pk=o.pk).values().first() for o in objects if o is not None)
    return counts, rows


def ask(client, method, path, data=None, watch=(), headers=None):
    """The response to one request made inside a savepoint that is then rolled back; with `watch`, also whether the
    request left every table and the watched rows as they were."""
    result = {}
    try:
        with transaction.atomic():
            before = fingerprint(*watch) if watch else None
            result["response"] = getattr(client, method.lower())(path, data or {}, **(headers or {}))
            result["unchanged"] = fingerprint(*watch) == before if watch else None
            raise Rollback
    except Rollback:
        pass
    return result["response"], result["unchanged"]


def to_login(response):
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def let_in(response, case):
    if case.ok:
        return response.status_code in case.ok
    return response.status_code not in (403, 404, 405) and not to_login(response)


@pytest.fixture
def world(users, orgs, county_admins):
    return access_world.make(users, orgs, county_admins, {name: ACCOUNT_ROLES[name] for name in THREE})


@pytest.fixture
def clients(world):
    out = {"anonymous": Client()}
    for role in ROLES:
        out[role] = Client()
        out[role].force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    return out


def target(world, case, county, role="owner"):
    """The object a case's URL points to in `county`; for ACCOUNT scope, the asking account's own (or 二七's)."""
    if not case.obj:
        return None
    if case.scope == ACCOUNT:
        return world.own(case.obj, world.users["erqi" if county == "erqi" else role if role in world.users else "owner"])
    return world.get(case.obj, county)


def url_of(route, case, obj):
    """The route's path for `obj`: its id in the one value the row does not give."""
    values = dict(case.values(obj) if callable(case.values) else case.values or {})
    names = [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]
    ids = [name for name in names if name not in values]
    if obj is not None and ids:
        assert len(ids) == 1, (route, ids)
        values[ids[0]] = obj.pk
    path = concrete(route, values)
    assert resolves_to(path, route), (route, path)
    return path


def allowed(case, role, method):
    return role in (case.post if method == "POST" and case.post is not None else case.who)


def cases():
    for route, entry in ROUTES.items():
        for i, case in enumerate(entry if isinstance(entry, list) else [entry]):
            yield pytest.param(route, case, id=f"{route}#{i}" if isinstance(entry, list) else route)


@pytest.mark.parametrize("route, case", list(cases()))
def test_each_route_answers_each_account_as_its_row_says(world, clients, route, case):
    paths = {role: url_of(route, case, target(world, case, "jinshui", role))
             for role in ("anonymous", *ROLES)} if case.scope == ACCOUNT else {}
    path = None if paths else url_of(route, case, target(world, case, "jinshui"))

    for role in ("anonymous", *ROLES):
        for method in case.methods:
            response, _ = ask(clients[role], method, paths.get(role, path), case.data, headers=case.headers)
            status = response.status_code
            if allowed(case, role, method):
                assert let_in(response, case), f"{method} {route} as {role}: {status}"
            elif role == "anonymous":
                assert to_login(response), f"{method} {route} anonymously: {status}, not the login page"
            elif role in THREE:  # kept out before or at the lookup: never the page, never a change
                assert status in {case.denied, 403, 404}, f"{method} {route} as {role}: {status}"
            else:
                assert status == case.denied, f"{method} {route} as {role}: {status}, not {case.denied}"

    if case.scope and case.scope != GLOBAL:
        other = target(world, case, "erqi")
        other_path, watched = url_of(route, case, other), (other, getattr(other, "enterprise", None))
        for role in CROSS:
            for method in ("GET", "POST"):
                response, unchanged = ask(clients[role], method, other_path, case.data, watch=watched, headers=case.headers)
                status, expected = response.status_code, other_county(case, role, method)
                assert status in expected, f"{method} {route} for 二七's {case.obj} as {role}: {status}, not {sorted(expected)}"
                assert unchanged, f"{method} {route} for 二七's {case.obj} as {role} changed the database"


def other_county(case, role, method):
    """What `role` may get asking for the other county's object: never the object, never a change."""
    if method not in case.methods:  # refused for the method (or the role) before any lookup, or not found
        return {404, 405} | (set() if allowed(case, role, method) else {403})
    if case.scope == ORGANISATION:
        return {403}  # everyone reads it; only its organisation changes it
    return {404} if allowed(case, role, method) else {403, 404}  # 403: kept out before the lookup


# ---- the Django admin site -----------------------------------------------------------------------------------------


ADMIN_ROUTES = [r for r in ALL_ROUTES if r.startswith(ADMIN) and r not in ROUTES]


@pytest.mark.parametrize("route", ADMIN_ROUTES)
def test_the_admin_site_is_for_staff_only(world, clients, route):
    path = concrete(route, {})
    for who in ("anonymous", "owner", "jinshui_admin", *THREE):  # no role opens it: break-glass only
        response = clients[who].get(path, follow=True)
        assert response.redirect_chain and response.request["PATH_INFO"] == "/admin/login/", (route, who, response.status_code)
        assert response.redirect_chain[-1][0].startswith("/admin/login/")
    response = clients["sysadmin"].get(path, follow=True)  # in, if only to be told the log is read-only (403)
    assert response.request["PATH_INFO"] != "/admin/login/", route


# ---- the API ---------------------------------------------------------------------------------------------------------


def records_of(path, enterprise, external_id):
    """A record of the kind `path` uploads, for `enterprise`."""
    from tests.api.helpers import hazard_record
    from tests.api.records import check_record, risk_object

    if path == "risk-objects":
        return risk_object(enterprise, external_id, name=f"{external_id}罐区")  # names are unique in an enterprise
    return {"hazards": hazard_record, "checks": check_record}[path](enterprise, external_id)


class ApiWorld:
    """金水's enterprise system and 金水区's organisation system (each with a token), and 二七's enterprise system;
    each enterprise's own system has uploaded one record of every kind and its four-colour map."""

    def __init__(self, client, world):
        from tests.api.helpers import approved, post, token_for
        from tests.api.records import png_bytes

        self.client, self.png = client, png_bytes
        self.enterprises = world.enterprises
        own, self.credentials = approved(world.enterprise("jinshui"), system_name="金水测试机械双预防系统"), None
        self.credentials = {"key_id": own[0].key_id, "secret": own[1]}
        self.tokens = {"enterprise": token_for(client, *own),
                       "organisation": token_for(client, *approved(organization=world.orgs["jinshui"]))}
        tokens = {"jinshui": self.tokens["enterprise"], "erqi": token_for(client, *approved(world.enterprise("erqi")))}
        for county, token in tokens.items():
            e = self.enterprises[county]
            for path, external_id in (("hazards", "H-1"), ("checks", "C-1"), ("risk-objects", "R-1")):
                answer = post(client, token, path, [records_of(path, e, external_id)]).json()
                assert answer["counts"]["created"] == 1, answer
            assert self.upload_map(token, e).status_code == 200

    def upload_map(self, token, enterprise, color=(200, 30, 30)):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.api.helpers import bearer

        upload = SimpleUploadedFile("map.png", self.png(color=color))
        return self.client.post("/api/v1/four-colour-maps", {"enterprise": enterprise.uscc, "file": upload}, **bearer(token))

    def call(self, key, operation, token, county):
        """The operation on `county`'s enterprise (its records, its map), with `token` (None: no token)."""
        from tests.api.helpers import bearer

        method, path = key.split(" ", 1)
        e = self.enterprises[county]
        auth = bearer(token) if token else {}
        name = path.removeprefix("/api/v1/").split("/")[0]
        if operation.kind == "token":
            return self.client.post(path, self.credentials, content_type="application/json")
        if operation.kind in ("read", "list"):
            return self.client.get(path, {"enterprise": e.uscc} if operation.kind == "list" else {}, **auth)
        if operation.kind == "upload" and name == "four-colour-maps":
            return self.upload_map(token, e, color=(30, 200, 30))  # another map: it replaces the first
        if operation.kind == "upload":
            body = {"records": [records_of(name, e, f"{county}-new")]}
            return self.client.post(path, body, content_type="application/json", **auth)
        url = path.replace("{enterprise}", e.uscc).replace("{external_id}", operation.external_id)
        return self.client.delete(url, **auth)


def api_ask(api_world, key, operation, token, county):
    """(response, whether the records were left as they were: every table but the call log)."""
    from worksafe.api.models import ApiCall

    result = {}
    try:
        with transaction.atomic():
            before = fingerprint(skip=ApiCall)
            result["response"] = api_world.call(key, operation, token, county)
            result["unchanged"] = fingerprint(skip=ApiCall) == before
            raise Rollback
    except Rollback:
        pass
    return result["response"], result["unchanged"]


def api_let_in(response, operation):
    """Whether the operation did its work on the subscription's own enterprise."""
    if response.status_code != 200:
        return False
    body = response.json()
    if operation.kind == "list":
        return body["count"] >= 1
    if operation.kind == "upload":
        return [r["result"] for r in body["results"]] == ["created"] if "results" in body else body["result"] == "updated"
    return True


def api_kept_out(response, operation):
    """Whether the operation found nothing of, and did nothing to, an enterprise the subscription does not cover."""
    if operation.kind == "list":
        return response.status_code == 200 and response.json()["count"] == 0
    if operation.kind == "upload" and response.status_code == 200:
        return [r["result"] for r in response.json()["results"]] == ["rejected"]
    return response.status_code == 404


@pytest.mark.parametrize("key", sorted(API_OPERATIONS))
def test_each_api_operation_answers_as_its_row_says(client, world, key):
    operation, api_world = API_OPERATIONS[key], ApiWorld(client, world)
    response, unchanged = api_ask(api_world, key, operation, None, "jinshui")
    if operation.auth == PUBLIC_API:
        assert api_let_in(response, operation), f"{key} without a token: {response.status_code}"
        return
    assert response.status_code == 401 and unchanged, f"{key} without a token: {response.status_code}"
    for system, token in api_world.tokens.items():
        response, _ = api_ask(api_world, key, operation, token, "jinshui")
        assert api_let_in(response, operation), f"{key} by 金水's {system} system on 金水: {response.status_code} {response.content[:300]}"
        if operation.kind == "read":
            continue
        response, unchanged = api_ask(api_world, key, operation, token, "erqi")
        assert api_kept_out(response, operation), f"{key} by 金水's {system} system on 二七: {response.status_code} {response.content[:300]}"
        assert unchanged, f"{key} by 金水's {system} system on 二七 changed the database"
