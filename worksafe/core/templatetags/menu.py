"""The top menu (core/menu.py) for the logged-in user, drawn by base.html."""
from django import template

from worksafe.core import menu

register = template.Library()


@register.inclusion_tag("includes/menu.html", takes_context=True)
def main_menu(context):
    return {"menu": menu.for_user(context["user"])}
