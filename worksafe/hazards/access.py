"""Scoping for this app: every hazard record is seen through its enterprise (enterprise_q), out of scope is 404."""
from worksafe.core import permissions
from worksafe.core.access import scoped_or_404
from worksafe.core.scoping import enterprise_q

from .models import Hazard


def hazards_for(user):
    """Hazards carry their enterprise's region and industry (models.Hazard): the test needs no join."""
    return Hazard.objects.filter(enterprise_q(user, "enterprise", located=True))


def scoped_hazard(request, pk, for_update=False):
    """The hazard if the user may see it (its enterprise marked in scope); 404 otherwise."""
    queryset = Hazard.objects.select_related("enterprise__region", "enterprise__industry")
    hazard = scoped_or_404(queryset, request.user, "enterprise", located=True, pk=pk)
    permissions.mark_in_scope(request.user, hazard.enterprise)
    return hazard
