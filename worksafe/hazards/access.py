"""Scoping for this app: every hazard record is seen through its enterprise (Hazard.objects.for_user), out of scope is 404."""
from worksafe.core import permissions
from worksafe.core.access import scoped_or_404

from .models import Hazard


def scoped_hazard(request, pk, for_update=False):
    """The hazard if the user may see it (its enterprise marked in scope); 404 otherwise."""
    queryset = Hazard.objects.select_related("enterprise__region", "enterprise__industry", "category")
    hazard = scoped_or_404(request, queryset, pk=pk)
    permissions.mark_in_scope(request.user, hazard.enterprise)
    return hazard
