"""我的工作台: the enterprise user's home, its 待办 (core/todo.py) on top of a summary of its own archive."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from worksafe.core import todo
from worksafe.core.display import fetch_related_names
from worksafe.core.models import NOT_CHANGES, ChangeRecord

from . import review, sections


@login_required
def index(request):
    user = request.user
    if not user.is_enterprise_user:
        return redirect("home")
    e = user.enterprise
    context = {
        "e": e,
        "todo": todo.for_user(user),
        "unit_count": e.secondary_units.count(),
        "item_count": e.key_items.count(),
        "recent": fetch_related_names(list(ChangeRecord.objects.filter(enterprise_id=e.pk).exclude(action__in=NOT_CHANGES)
                                           .select_related("content_type")[:8])),  # changes; downloads, views are not
        "last_review": e.reviews.first(),
        "can_submit": review.REVIEW.can(user, e, "submit"),
        "sections": sections.render(sections.WORKBENCH, request, e),
    }
    return render(request, "archive/workbench.html", context)
