"""The 404 and the 403 every view raises, spelled one way.

A row outside the user's jurisdiction is a 404 whether or not it exists, so a guessed id tells nothing (scoping.py
says which rows are in reach, through their enterprise); a row in reach that the user may not act on is a 403
(permissions.py says who may act). Views fetch through `scoped_or_404` / `scoped_enterprise` and check with `require`,
instead of each app writing its own get-in-scope helper.
"""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from . import permissions
from .scoping import enterprises_for, scoped


def scoped_or_404(queryset, user, path, located=False, **lookup):
    """The row of `queryset` matching `lookup` whose enterprise (reached through `path`; "" for Enterprise itself)
    `user` may see; 404 otherwise. `located` as in scoping.enterprise_q."""
    return get_object_or_404(scoped(queryset, user, path, located), **lookup)


def scoped_enterprise(request, pk):
    """The enterprise if the user may see it, marked in scope (permission checks need not ask again); 404 otherwise."""
    queryset = enterprises_for(request.user).select_related("industry__parent", "region__parent__parent")
    return permissions.mark_in_scope(request.user, get_object_or_404(queryset, pk=pk))


def require(allowed):
    """403 unless `allowed` (a permission check's answer)."""
    if not allowed:
        raise PermissionDenied


def regulator_only(request):
    """403 for enterprise users: the page is the regulators' (and the system administrators')."""
    require(request.user.is_regulator or request.user.is_sysadmin)
