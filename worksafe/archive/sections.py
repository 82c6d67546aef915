"""Cards that later features add to the one-page archive and the workbench.

A feature registers a template and a function giving its context: `add(ARCHIVE, "codes/card.html", context)`,
where `context(request, enterprise)` returns a dict (or None to leave the card out). The template receives it as
`section`.

Features also add the enterprise user's actions (the workbench's buttons, the scan page of its own code):
`add_actions(actions)`, where `actions(user, enterprise)` returns [views_workbench.Action].
"""
ARCHIVE = []
WORKBENCH = []
ACTIONS = []


def add_actions(actions):
    ACTIONS.append(actions)


def add(page, template, context):
    page.append((template, context))


def render(page, request, enterprise):
    """[(template, section context)] for `enterprise`, in registration order."""
    out = []
    for template, context in page:
        data = context(request, enterprise)
        if data is not None:
            out.append((template, data))
    return out
