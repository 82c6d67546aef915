from django import template
from django.utils.html import format_html

from .. import deadlines

register = template.Library()


@register.simple_tag
def deadline_badge(hazard, today=None):
    """The deadline in its colour (red overdue, orange within the warning days, green beyond); plain once closed."""
    if hazard.deadline is None:
        return "—"
    status = deadlines.due_status(hazard.deadline, today, hazard.is_open)
    if status is None:
        return format_html('<span class="text-secondary">{}</span>', hazard.deadline)
    return format_html('<span class="badge bg-{}-lt" data-due="{}" title="{}">{}</span>',
                       deadlines.COLORS[status], status, deadlines.labels()[status], hazard.deadline)


@register.simple_tag
def warn_days():
    """The days before its deadline an open hazard turns orange (the 流程设置 value), for the pages' legends."""
    return deadlines.warn_days()


@register.simple_tag
def level_badge(hazard):
    return format_html('<span class="badge bg-{}-lt" data-level="{}">{}</span>', hazard.level_color, hazard.level,
                       hazard.get_level_display())


@register.simple_tag
def state_badge(hazard):
    return format_html('<span class="badge bg-{}-lt" data-state="{}">{}</span>', hazard.state_color, hazard.state,
                       hazard.get_state_display())
