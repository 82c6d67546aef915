"""我的工作台: the enterprise user's home, a summary of its own archive."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django_fsm import can_proceed, has_transition_perm

from worksafe.core.display import fetch_related_names
from worksafe.core.models import ChangeRecord


@login_required
def index(request):
    user = request.user
    if not user.is_enterprise_user:
        return redirect("home")
    e = user.enterprise
    context = {
        "e": e,
        "unit_count": e.secondary_units.count(),
        "item_count": e.key_items.count(),
        "recent": fetch_related_names(list(ChangeRecord.objects.filter(enterprise_id=e.pk).select_related("content_type")[:8])),
        "last_review": e.reviews.first(),
        "can_submit": can_proceed(e.submit) and has_transition_perm(e.submit, user),
    }
    return render(request, "archive/workbench.html", context)
