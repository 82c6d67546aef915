"""What later features add to the archive's pages, so that archive imports none of them.

Each hook is a list that features append to from their AppConfig.ready(); the pages show what is registered, in
registration order (INSTALLED_APPS).

- Cards on the one-page archive and the workbench: `add(ARCHIVE, "codes/card.html", context)`, where
  `context(request, enterprise)` returns a dict (or None to leave the card out). The template receives it as `section`.
- The enterprise user's actions (the workbench's buttons, the scan page of its own code): `add_actions(actions)`,
  where `actions(user, enterprise)` returns [Action].
- Badges beside an enterprise's name, in the list's rows and the archive's title (the 联合惩戒 flag):
  `add_badge(flagged, template)`, where `flagged(enterprise_ids)` returns the ids that carry the badge, in one query
  for a whole page of rows. The template receives the enterprise as `e` and `full` (the archive's title, else a row).
- Actions on the enterprise list page (bulk exports of the filtered list): `add_list_action(template, context)`, where
  `context(request)` returns a dict (or None), received as `section`.
- The next step after saving the basic information (表1): `add_next_step(step)`, where `step(enterprise)` returns a
  URL, or None when the enterprise has nothing more to fill in; the first URL wins, else the archive page.
"""
from typing import NamedTuple

ARCHIVE = []
WORKBENCH = []
ACTIONS = []
BADGES = []
LIST_ACTIONS = []
NEXT_STEPS = []


class Action(NamedTuple):
    label: str
    url: str
    post: bool = False  # a form button (changes state) rather than a link


def add_actions(actions):
    ACTIONS.append(actions)


def add(page, template, context):
    page.append((template, context))


def add_badge(flagged, template):
    BADGES.append((flagged, template))


def add_list_action(template, context):
    LIST_ACTIONS.append((template, context))


def add_next_step(step):
    NEXT_STEPS.append(step)


def render(page, request, enterprise):
    """[(template, section context)] for `enterprise`, in registration order."""
    out = []
    for template, context in page:
        data = context(request, enterprise)
        if data is not None:
            out.append((template, data))
    return out


def list_actions(request):
    """[(template, section context)] of the enterprise list page's actions."""
    out = []
    for template, context in LIST_ACTIONS:
        data = context(request)
        if data is not None:
            out.append((template, data))
    return out


def mark_badges(enterprises):
    """Give each of `enterprises` its `badges` (the templates to include): one query per kind of badge for them all."""
    enterprises = list(enterprises)
    ids = [e.pk for e in enterprises]
    flagged = [(template, flag(ids)) for flag, template in BADGES]
    for e in enterprises:
        e.badges = [template for template, found in flagged if e.pk in found]
    return enterprises


def next_after_basic(enterprise):
    """Where saving the basic information leads: as the manual has it, an enterprise of an industry with a registration
    table (尾矿库, 地下矿山 ...) goes on to it."""
    for step in NEXT_STEPS:
        url = step(enterprise)
        if url:
            return url
    return enterprise.get_absolute_url()
