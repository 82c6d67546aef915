"""URLs: every app's routes in its own urls.py, every name `<model>_<action>`, and paths that never change.

Paths are printed on placards (the QR short URL q/…), bookmarked and written in the docs: tests/test_access.py's table
is keyed by every full route string, so a path that disappears or changes fails there. Names may change, under one
rule (STYLE.md): lowercase words joined by underscores, at least two, `<model>_<action>` in the app's namespace
(`hazards:hazard_list`, `risks:table3_pdf`); `home` and `scan` are the project's own (worksafe/urls.py). Django's
admin site and the ninja API (`apiv1`) name their own routes.
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
