"""通讯录 (seed 001 七 1.3.9): the page of the organisations and contacts an account may see, as declared lists.

Who is listed and which numbers are shown in full is core/directory.py's rule; each list's queryset comes from there
with `full_phone` on every row, and its phone columns show the number or its mask (display.shown_phone), so the full
number of a masked row is never in the page. Tabs by account: a regulator's 监管单位 (its own organisation, those above
and those under it) and 辖区企业 (the safety contacts of the enterprises in scope); an enterprise user's 监管部门 (the
regulators covering it) and 本企业人员. The 三员 get a sentence: they have no jurisdiction.

There is no export (the directory is a list of people's phone numbers). Each list reads a fixed number of queries:
the role names of a page's accounts come from one query (`_with_roles`), not one per account.
"""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import directory
from . import roles as role_table
from .display import shown_phone
from .filters import ColleagueFilter, EnterpriseContactFilter, OfficialFilter
from .lists import Column, List, Table, everyone

PHONE_CELL = ('{% if value %}{% if row.full_phone %}<a href="tel:{{ value }}" data-testid="phone">{{ value }}</a>'
              '{% else %}<span class="text-secondary" data-testid="phone" title="号码已隐藏">{{ value }}</span>{% endif %}'
              '{% else %}—{% endif %}')


def phone(header, field):
    """A phone column: the row's number in full where its `full_phone` says so, else masked (server-side)."""
    return Column(header, field, format=lambda row: shown_phone(getattr(row, field), getattr(row, "full_phone", False)),
                  cell=PHONE_CELL, css="text-nowrap")


def _with_roles(accounts):
    """Resolve the page's accounts' roles from one query (a composed role is a row: User.role_info)."""
    every = {role.code: role for role in role_table.every()}
    for account in accounts:
        account.__dict__["_role_info"] = (account.role, every.get(account.role, role_table.NONE))


PERSON = [
    Column("姓名", "full_name", format=lambda u: u.full_name or u.username),
    Column("角色", "role", format=lambda u: u.get_role_display()),
    phone("手机", "mobile"),
    Column("邮箱", "email", cell="{{ value|dash }}"),
]
OFFICIALS = List(
    "监管单位", "core/directory.html", lambda request: directory.officials(request.user), OfficialFilter,
    Table([Column("单位", "organization", format=lambda u: u.organization.name), *PERSON], export=[],
          empty="没有符合条件的监管人员。"),
    {"organization": ("organization__region_id", "organization__name", "organization_id", "full_name", "username", "id")},
    audience=everyone, decorate=_with_roles, capped=False,
)
COLLEAGUES = List(
    "本企业人员", "core/directory.html", lambda request: directory.colleagues(request.user), ColleagueFilter,
    Table(PERSON, export=[], empty="没有符合条件的人员。"),
    {"name": ("full_name", "username", "id")}, audience=everyone, decorate=_with_roles, capped=False,
)
ENTERPRISES = List(
    "辖区企业", "core/directory.html",
    lambda request: directory.enterprise_contacts(request.user).select_related("region").only(
        "name", "region__name", "legal_representative", "legal_representative_mobile", "safety_head",
        "safety_head_mobile", "safety_office_phone", "duty_phone"),
    EnterpriseContactFilter,
    Table([
        Column("企业名称", "name", cell="<a href=\"{% url 'archive:enterprise_detail' row.pk %}\">{{ value }}</a>"),
        Column("属地", "region", format=lambda e: e.region.name),
        Column("主要负责人", "legal_representative", cell="{{ value|dash }}"),
        phone("手机", "legal_representative_mobile"),
        Column("安全负责人", "safety_head", cell="{{ value|dash }}"),
        phone("手机", "safety_head_mobile"),
        phone("安全管理机构电话", "safety_office_phone"),
        phone("值班电话", "duty_phone"),
    ], export=[], empty="没有符合条件的企业。"),
    # The jurisdiction's index in its order (archive.Enterprise: enterprise_region_name), counted up to the cap.
    {"region": ("region_id", "name", "id")}, audience=everyone,
)


def tabs_for(user):
    """[(key, title, List)] of the tabs `user` has; none for the 三员."""
    if user.is_superuser or user.is_regulator:
        return [("officials", "监管单位", OFFICIALS), ("enterprises", "辖区企业", ENTERPRISES)]
    if user.is_enterprise_user:
        return [("officials", "监管部门", OFFICIALS), ("colleagues", "本企业人员", COLLEAGUES)]
    return []


@login_required
@require_GET
def directory_list(request):
    """通讯录: the tab's list (?tab=, else the first the account has), filtered and paged."""
    tabs = tabs_for(request.user)
    context = {"title": "通讯录", "tabs": [(key, title) for key, title, _ in tabs]}
    if tabs:
        chosen = dict((key, lst) for key, _, lst in tabs)
        tab = request.GET.get("tab") if request.GET.get("tab") in chosen else tabs[0][0]
        context.update(chosen[tab].context(request), title="通讯录", tab=tab)
    return render(request, "core/directory.html", context)
