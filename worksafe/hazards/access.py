"""Scoping for this app: every hazard record is seen through its enterprise (enterprise_q), out of scope is 404."""
from django.shortcuts import get_object_or_404

from worksafe.core import permissions
from worksafe.core.scoping import enterprise_q

from .models import Hazard


def scoped(user, model, path="enterprise"):
    """`model`'s rows whose enterprise `user` may see."""
    return model.objects.filter(enterprise_q(user, path))


def hazards_for(user):
    """Hazards carry their enterprise's region and industry (models.Hazard): the test needs no join."""
    return Hazard.objects.filter(enterprise_q(user, "enterprise", located=True))


def scoped_hazard(request, pk, for_update=False):
    """The hazard if the user may see it (its enterprise marked in scope); 404 otherwise."""
    hazard = get_object_or_404(hazards_for(request.user).select_related("enterprise__region", "enterprise__industry"), pk=pk)
    permissions.mark_in_scope(request.user, hazard.enterprise)
    return hazard
