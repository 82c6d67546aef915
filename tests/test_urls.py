"""URLs: every app's routes in its own urls.py, every name `<model>_<action>`, and paths that never change.

Paths are printed on placards (the QR short URL q/…), bookmarked and written in the docs, so ROUTES freezes the full
route string of every path Django resolves, the Django admin site aside (its pages follow its registered models).
A path that disappears or changes fails here; a new module adds its paths to ROUTES (and their rows to
tests/test_access.py's table). Names may change, under one rule (STYLE.md): lowercase words joined by underscores, at
least two, `<model>_<action>` in the app's namespace (`hazards:hazard_list`, `risks:table3_pdf`); `home` and `scan` are
the project's own (worksafe/urls.py). Django's admin site and the ninja API (`apiv1`) name their own routes.
"""
import re
from collections import Counter
from pathlib import Path

from django.urls import URLResolver, get_resolver

import worksafe

PROJECT_NAMES = {"home", "scan"}
# Pages that are no action on a model keep one word: Django's auth pages and the enterprise's workbench.
ONE_WORD = {"core:login", "core:logout", "core:profile", "archive:workbench"}
OWN_NAMES = {"admin", "apiv1"}  # namespaces whose routes are named by Django's admin site and by django-ninja
NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")

# Every route string (prefix + pattern, as tests/test_access.py keys them) in resolution order, one a line; the first,
# empty, is the home page.
ROUTES = r"""

accounts/login/
accounts/logout/
accounts/password/
accounts/profile/
accounts/otp/
accounts/otp/setup/
accounts/otp/recovery-codes/
accounts/otp/disable/
accounts/sessions/<int:pk>/end/
system/users/
system/users/add/
system/users/<int:pk>/reset-password/
system/users/<int:pk>/unlock/
system/users/<int:pk>/reset-otp/
system/login-log/
system/operations/
archive/enterprises/
archive/enterprises/add/
archive/enterprises/review/
archive/enterprises/export/
archive/enterprises/import/
archive/enterprises/import/template/
archive/enterprises/stats/
archive/enterprises/<int:pk>/
archive/enterprises/<int:pk>/edit/
archive/enterprises/<int:pk>/delete/
archive/^enterprises/(?P<pk>\d+)/review/(?P<action>submit|approve|return)/$
archive/enterprises/<int:pk>/move/
archive/enterprises/<int:pk>/type/
archive/enterprises/<int:pk>/reset-password/
archive/enterprises/<int:pk>/units/add/
archive/units/<int:pk>/edit/
archive/enterprises/<int:pk>/items/add/
archive/items/<int:pk>/edit/
archive/^(?P<kind>unit|item)s/(?P<pk>\d+)/delete/$
archive/changes/
workbench/
codes/placards/enterprises/
codes/<slug:key>/<int:pk>/
codes/^(?P<key>[\w-]+)/(?P<pk>\d+)/qr\.(?P<kind>png|svg)$
codes/<slug:key>/<int:pk>/placard.pdf
codes/<slug:key>/<int:pk>/regenerate/
risks/enterprises/<int:pk>/
risks/^add/(?P<kind>object|unit|source|event|measure)/(?P<parent>\d+)/$
risks/^(?P<kind>object|unit|source|event|measure)s/(?P<pk>\d+)/edit/$
risks/^(?P<kind>object|unit|source|event|measure)s/(?P<pk>\d+)/delete/$
risks/enterprises/<int:pk>/list/export/
risks/enterprises/<int:pk>/list/template/
risks/enterprises/<int:pk>/list/import/
risks/enterprises/<int:pk>/table3/
risks/enterprises/<int:pk>/table3/xlsx/
risks/enterprises/<int:pk>/table3/pdf/
risks/enterprises/<int:pk>/map/
risks/enterprises/<int:pk>/map/plan/
risks/enterprises/<int:pk>/map/plan/upload/
risks/enterprises/<int:pk>/map/ready/
risks/enterprises/<int:pk>/map/ready/upload/
risks/enterprises/<int:pk>/map/ready/delete/
risks/units/<int:pk>/place/
risks/maps/
risks/enterprises/<int:pk>/patrols/
risks/enterprises/<int:pk>/patrols/due/
risks/enterprises/<int:pk>/patrols/add/
risks/patrols/<int:pk>/
risks/patrol-items/<int:pk>/photo/
risks/objects/
risks/units/
risks/events/
risks/measures/
risks/patrol-records/
risks/stats/
risks/stats/patrols/
hazards/enterprises/<int:pk>/
hazards/enterprises/<int:pk>/add/
hazards/<int:pk>/
hazards/<int:pk>/edit/
hazards/<int:pk>/delete/
hazards/<int:pk>/step/<str:action>/
hazards/<int:pk>/rectify/
hazards/<int:pk>/notice.pdf
hazards/photos/<int:photo_pk>/
hazards/photos/<int:photo_pk>/delete/
hazards/checklists/
hazards/checklists/import/
hazards/checklists/template/
hazards/checklists/custom/
hazards/checklists/<int:pk>/
hazards/checklists/<int:pk>/export/
hazards/checklists/<int:pk>/derive/
hazards/checklists/<int:pk>/edit/
hazards/checklists/<int:pk>/delete/
hazards/checklists/<int:pk>/submit/
hazards/checklists/<int:pk>/review/
hazards/enterprises/<int:pk>/plans/
hazards/enterprises/<int:pk>/plans/add/
hazards/plans/<int:pk>/edit/
hazards/plans/<int:pk>/delete/
hazards/enterprises/<int:pk>/checks/
hazards/enterprises/<int:pk>/checks/add/
hazards/checks/<int:pk>/
hazards/checks/items/<int:pk>/photo/
hazards/<int:pk>/major/review/
hazards/<int:pk>/major/supervise/
hazards/<int:pk>/major/notice.pdf
hazards/<int:pk>/major/plan/
hazards/report/
hazards/report/status/
hazards/report/receipt/<str:receipt>/
hazards/report/<str:signed>/
hazards/public/
hazards/public/<int:pk>/
hazards/public/photos/<int:pk>/
hazards/enterprises/<int:pk>/report/
hazards/duties/
hazards/duties/bulk/
hazards/duties/<int:enterprise_pk>/
hazards/filing/
hazards/filing/export/
hazards/stats/reporting/
hazards/open/
hazards/open/export/
hazards/major/
hazards/major/export/
hazards/all/
hazards/all/export/
hazards/enterprises/<int:pk>/table4/
hazards/enterprises/<int:pk>/table4.xlsx
hazards/enterprises/<int:pk>/ledger.xlsx
hazards/<int:pk>/ledger/
hazards/<int:pk>/ledger.xlsx
hazards/changes/
hazards/stats/
registrations/enterprises/<int:pk>/<slug:table>/edit/
registrations/enterprises/<int:pk>/<slug:table>/xlsx/
registrations/enterprises/<int:pk>/<slug:table>/pdf/
registrations/<slug:table>/export/
incidents/enterprises/<int:pk>/accidents/
incidents/enterprises/<int:pk>/accidents/xlsx/
incidents/enterprises/<int:pk>/accidents/add/
incidents/accidents/<int:pk>/
incidents/accidents/<int:pk>/edit/
incidents/accidents/<int:pk>/delete/
incidents/accidents/<int:pk>/investigation/
incidents/accidents/<int:pk>/investigation/pdf/
incidents/enterprises/<int:pk>/penalties/
incidents/enterprises/<int:pk>/penalties/xlsx/
incidents/enterprises/<int:pk>/penalties/add/
incidents/penalties/<int:pk>/edit/
incidents/penalties/<int:pk>/delete/
incidents/reports/
incidents/reports/stats/
incidents/enterprises/<int:pk>/reports/add/
incidents/reports/<int:pk>/
incidents/reports/<int:pk>/follow-up/
incidents/reports/<int:pk>/close/
api/v1/openapi.json
api/v1/docs
api/v1/token
api/v1/subscription
api/v1/enterprises
api/v1/hazards
api/v1/hazards
api/v1/hazards/<enterprise>/<path:external_id>
api/v1/checks
api/v1/checks
api/v1/checks/<enterprise>/<path:external_id>
api/v1/risk-objects
api/v1/risk-objects
api/v1/risk-objects/<enterprise>/<path:external_id>
api/v1/four-colour-maps
api/v1/four-colour-maps
api/v1/four-colour-maps/<enterprise>
api/v1/
connect/
connect/add/
connect/grant/
connect/<int:pk>/
connect/<int:pk>/edit/
connect/<int:pk>/secret/
connect/<int:pk>/<str:action>/
q/<str:signed>
"""


def walk(patterns=None, prefix="", namespace=None, module="worksafe.urls"):
    """(route string, namespace, name, the module that lists it) of every route Django resolves."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            # An include of a module names it; an include of a list (a prefix inside an app's urls.py) stays in its module.
            where = module if isinstance(p.urlconf_name, list | tuple) else getattr(p.urlconf_name, "__name__", p.urlconf_name)
            yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace, where)
        else:
            yield prefix + str(p.pattern), namespace, p.name, module


def app_routes():
    return [(route, namespace, name, module) for route, namespace, name, module in walk() if namespace not in OWN_NAMES]


def test_it_names_every_route_model_action():
    bad = [f"{namespace or ''}:{name} ({route})" for route, namespace, name, _ in app_routes()
           if not (name in PROJECT_NAMES and namespace is None) and not (namespace and name and NAME.fullmatch(name))
           and f"{namespace}:{name}" not in ONE_WORD]
    assert not bad, "URL names that are not <app>:<model>_<action>:\n" + "\n".join(bad)


def test_it_gives_each_route_a_name_of_its_own():
    names = Counter(f"{namespace}:{name}" if namespace else name for _, namespace, name, _ in app_routes())
    assert not [name for name, n in names.items() if n > 1]


def test_it_lists_each_apps_routes_in_its_own_urls_py():
    stray = [f"{route} ({namespace}: {module})" for route, namespace, _, module in app_routes()
             if module != (f"worksafe.{namespace}.urls" if namespace else "worksafe.urls")]
    assert not stray, "routes listed outside their app's urls.py:\n" + "\n".join(stray)
    root = Path(worksafe.__file__).parent
    elsewhere = [str(f.relative_to(root)) for f in sorted(root.rglob("*.py"))
                 if f.name != "urls.py" and re.search(r"^urlpatterns\b", f.read_text(encoding="utf-8"), re.M)]
    assert not elsewhere, f"urlpatterns outside urls.py: {elsewhere}"
    assert not list(root.glob("*/urls_*.py")), "one urls.py per app"


def test_it_keeps_every_path():
    now = [route for route, *_ in walk() if not route.startswith("admin/")]
    frozen = ROUTES.split("\n")[1:-1]
    gone, new = Counter(frozen) - Counter(now), Counter(now) - Counter(frozen)
    assert not gone, "paths that changed or disappeared (bookmarks, placards and docs point at them):\n" + "\n".join(gone)
    assert not new, "new paths: add them to ROUTES (and a row to tests/test_access.py):\n" + "\n".join(new)
