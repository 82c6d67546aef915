"""The regulator's home page tiles, as a registry: key counts of the jurisdiction, each linking to the filtered list
behind it, with the change against 7 days earlier.

An app registers `Panel`s from its AppConfig.ready() (`home.add(*PANELS)`, declared in the app's `todo.py`): a panel is
a heading, one `measure` (user → {tile key: value}, one or two scoped aggregate queries for all its tiles, written with
`Model.objects.for_user(user)` and the indexes the app's lists and statistics already read) and its `Tile`s (label, the
list URL with its query, colour, and whether a rise is bad news). The page (core.views.home) shows the panels in
`order` under the user's 待办 (core/todo.py).

The change: `worksafe snapshot_tiles` stores every tile's value per organisation each night (TileSnapshot), computed by
the same measures for a stand-in regulator of that organisation (`viewer`), so the stored value is exactly what its
regulators' home page shows that day. The page compares today's value with the newest snapshot of 7 to 13 days ago
(a missed night or two still compares with about a week earlier), and shows "—" until one exists.
"""
import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from . import roles
from .menu import government_side
from .models import Organization, Role, Side, TileSnapshot, User

WEEK = 7
WINDOW = 6  # a snapshot up to this many days older than a week still counts as "7 days earlier"


class Tile(NamedTuple):
    key: str  # stable: the snapshots are keyed by it
    label: str
    url: Callable  # user -> the filtered list's URL (todo.link)
    color: str = "blue"  # Tabler colour of the figure
    # A rise shows red (more overdue hazards), with False green (a higher reporting rate), with None neither.
    rise_is_bad: bool | None = True
    unit: str = ""  # "%": the value is a percentage (one decimal)


class Panel(NamedTuple):
    key: str
    title: str
    measure: Callable  # user -> {tile key: number, or None when there is nothing to count}
    tiles: tuple
    order: int = 100
    sees: Callable = government_side


class Shown(NamedTuple):
    """A tile as the page draws it."""

    key: str
    label: str
    value: str
    href: str
    color: str
    delta: str  # "+3", "−2", "±0", or "—" without a snapshot
    delta_color: str
    since: datetime.date | None  # the snapshot's date


_panels = {}


def add(*panels):
    for panel in panels:
        _panels[panel.key] = panel


def panels(user):
    return [p for p in sorted(_panels.values(), key=lambda p: (p.order, p.key)) if p.sees(user)]


def tiles():
    """{tile key: Tile} of every registered panel."""
    return {t.key: t for p in _panels.values() for t in p.tiles}


def values(user):
    """{tile key: value} of the panels `user` sees: one measure (one or two queries) per panel."""
    result = {}
    for panel in panels(user):
        measured = panel.measure(user)
        result.update({t.key: measured.get(t.key) for t in panel.tiles})
    return result


def viewer(organization):
    """A regulator of `organization` that is never saved: the snapshot counts what its regulators see."""
    return User(username=f"snapshot-{organization.pk}", role=Role.REGULATOR, organization=organization, is_active=True)


def earlier(organization, today=None):
    """({tile key: value}, {tile key: date}) of the newest snapshot of each key taken 7 to 13 days before `today`:
    one query."""
    today = today or timezone.localdate()
    last = today - datetime.timedelta(days=WEEK)
    rows = (TileSnapshot.objects.filter(organization=organization, date__gte=last - datetime.timedelta(days=WINDOW),
                                        date__lte=last)
            .order_by("key", "-date").values_list("key", "date", "value"))
    values, dates = {}, {}
    for key, day, value in rows:
        if key not in values:
            values[key], dates[key] = value, day
    return values, dates


def number(value, tile):
    if value is None:
        return "—"
    if tile.unit == "%":
        return f"{Decimal(value):.1f}%"
    return f"{int(value):,}"


def change(value, before, tile):
    """(text, colour) of the change from `before` to `value`."""
    if value is None or before is None:
        return "—", "secondary"
    diff = Decimal(value) - Decimal(before)
    if tile.unit == "%":
        diff = diff.quantize(Decimal("0.1"))
        text = f"{abs(diff):.1f}"
    else:
        text = f"{abs(int(diff)):,}"
    if not diff:
        return "±0", "secondary"
    text = ("+" if diff > 0 else "−") + text
    if tile.rise_is_bad is None:
        return text, "secondary"
    return text, "red" if (diff > 0) == tile.rise_is_bad else "green"


def for_user(user, today=None):
    """[(panel title, [Shown])] for `user`'s home page, with the change against the snapshot of their organisation."""
    current = values(user)
    before, dates = earlier(user.organization, today) if user.organization_id else ({}, {})
    result = []
    for panel in panels(user):
        shown = []
        for tile in panel.tiles:
            value = current.get(tile.key)
            delta, delta_color = change(value, before.get(tile.key), tile)
            shown.append(Shown(tile.key, tile.label, number(value, tile), tile.url(user), tile.color, delta, delta_color,
                               dates.get(tile.key)))
        result.append((panel.title, shown))
    return result


def snapshot(organization, today=None):
    """Store today's value of every tile of `organization` (again, the same day: replaced). Returns how many."""
    today = today or timezone.localdate()
    rows = [TileSnapshot(organization=organization, key=key, date=today, value=Decimal(value).quantize(Decimal("0.01")))
            for key, value in values(viewer(organization)).items() if value is not None]
    with transaction.atomic():
        TileSnapshot.objects.bulk_create(rows, update_conflicts=True, unique_fields=["organization", "date", "key"],
                                         update_fields=["value"])
    return len(rows)


def organizations():
    """The organisations whose home pages are in use: those with an active regulator account."""
    return (Organization.objects.filter(pk__in=User.objects.filter(is_active=True, role__in=roles.codes(Side.GOVERNMENT))
                                        .values("organization_id"))
            .select_related("region").order_by("region_id", "pk"))
