"""待办, computed, not stored: what is waiting for a user, as a registry like menu.py.

Each app registers its sources from its AppConfig.ready() (`todo.add(*SOURCES)`, the sources declared in the app's
own `todo.py` beside its `menu.py`). A source says its label, who it is for (`sees`, a predicate on the user: menu.py's
government_side / enterprise_side, or narrower, e.g. `reviewer`), how many rows are pending for a user (`count`: user
→ a queryset already scoped with `Model.objects.for_user(user)`, counted here up to a cap, or an int) and the filtered
list behind it (`url`: user → the list's URL with its query). `for_user(user)` runs one COUNT per source the user
sees and keeps those with something pending, in `order`; a later module adds its sources without touching a page.

The regulator's home page (core.views.home) and the enterprise's 我的工作台 show them first (includes/todo.html).
"""
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

from . import permissions
from .listing import capped_count
from .menu import government_side
from .models import OrgLevel

LIMIT = 999  # a to-do count above this reads "999+": the list behind it has the exact figure


class Source(NamedTuple):
    key: str  # stable and unique: tests and the page's data-todo attribute name it
    label: str
    sees: Callable  # user -> bool
    count: Callable  # user -> a scoped queryset (counted up to LIMIT) or an int
    url: Callable  # user -> the filtered list's URL
    order: int = 100
    color: str = "orange"  # Tabler colour of the count's badge


class Item(NamedTuple):
    """What the page draws: a source with its count for one user."""

    key: str
    label: str
    count: int
    more: bool  # beyond LIMIT
    href: str
    color: str


_sources = {}


def add(*sources):
    for source in sources:
        _sources[source.key] = source


def sources():
    return sorted(_sources.values(), key=lambda s: (s.order, s.key))


def counted(value):
    """(count, whether there are more) of a source's answer: a queryset counted up to LIMIT, or an int."""
    if isinstance(value, QuerySet):
        return capped_count(value, LIMIT)
    return int(value or 0), False


def for_user(user):
    """[Item] of the sources `user` sees with at least one pending row, in order: one query per source seen."""
    items = []
    for source in sources():
        if not source.sees(user):
            continue
        n, more = counted(source.count(user))
        if n:
            items.append(Item(source.key, source.label, n, more, source.url(user), source.color))
    return items


def link(name, args=None, **query):
    """A source's `url`: user -> the URL named `name` (its `args` from the user) with `query`."""

    def url(user):
        href = reverse(name, args=args(user) if args else None)
        return f"{href}?{urlencode(query)}" if query else href

    return url


# Who a source is for, beyond menu.py's two sides.
def reviewer(user):
    """Regulators who decide (reviews, approvals, 随手拍): above township level, and system administrators."""
    if not government_side(user):
        return False
    return user.is_sysadmin or user.organization.level != OrgLevel.TOWNSHIP


def deciding(permission):
    """A source's `sees` for the reviewers whose role grants `permission` (a role without it has nothing to do)."""

    def sees(user):
        return reviewer(user) and permissions.has(user, permission)

    return sees
