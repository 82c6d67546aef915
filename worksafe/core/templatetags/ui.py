"""Template helpers shared by every page: Bootstrap classes on widgets, sortable headers, value display."""
from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from worksafe.core.risk_levels import grade

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with the Tabler/Bootstrap class it needs."""
    widget = field.field.widget
    if isinstance(widget, (forms.CheckboxInput,)):
        css = "form-check-input"
    elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.simple_tag(takes_context=True)
def sort_header(context, column, label):
    """A column header link that toggles ?sort=column / -column, keeping the other query parameters."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    desc = current == column
    params["sort"] = f"-{column}" if desc else column
    arrow = " ▲" if current == column else (" ▼" if current == f"-{column}" else "")
    return format_html('<a href="?{}" class="text-reset">{}{}</a>', params.urlencode(), label, arrow)


@register.filter
def has(user, code):
    """`{% if user|has:"core.export" %}`: whether the user's role grants the permission (core.permissions.has), so a
    button the user may not use is not drawn."""
    from worksafe.core.permissions import has as granted

    return granted(user, code)


@register.filter
def yesno_cn(value):
    if value is None or value == "":
        return "—"
    return "是" if value else "否"


@register.filter
def dash(value):
    return "—" if value in (None, "") else value


@register.filter
def risk_badge(level):
    """A risk level (value or Grade) as its coloured badge; a dash when not graded."""
    g = grade(getattr(level, "value", level))
    if g is None:
        return mark_safe('<span class="text-secondary">—</span>')
    return format_html('<span class="badge bg-{0} text-{0}-fg" data-level="{1}">{2}</span>', g.color, g.value, g.label)
