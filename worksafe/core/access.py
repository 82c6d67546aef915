"""The 404 and the 403 every view raises, spelled one way.

A row outside the user's jurisdiction is a 404 whether or not it exists, so a guessed id tells nothing (scoping.py
says which rows are in reach, through their enterprise); a row in reach that the user may not act on is a 403
(permissions.py says who may act). Views fetch through `scoped_or_404` / `scoped_enterprise` and check with `require`,
instead of each app writing its own get-in-scope helper.

Writes are checked after the fact too (`save_in_scope`): a create or edit view saves, then confirms the user still
sees the row through its model's `for_user`, else everything the view wrote in that transaction rolls back. Forms
offer only in-scope choices, but a choice can be tampered with or the enterprise can move meanwhile; this is the
one check that holds whatever the form offered.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import BaseForm
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from . import permissions
from .scoping import enterprises_for


def user_of(who):
    """The user of a request, or the user itself."""
    return who.user if isinstance(who, HttpRequest) else who


def scoped_or_404(who, rows, **lookup):
    """The row of `rows` (a model, or its queryset with what the page joins in) matching `lookup` that the user (of
    `who`, a request or a user) may see through its model's `for_user`; 404 otherwise."""
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    return get_object_or_404(queryset.for_user(user_of(who)), **lookup)


class OutOfScope(Http404):
    """A save would leave the row outside the user's reach: a 404 (nothing written) unless the view shows a form error."""


def save_in_scope(who, target, **save_kwargs):
    """Save `target` (a model instance, or a ModelForm: form.save()) in a transaction and return the row; raise
    OutOfScope (rolling back the save, and the transaction of the view around it) when the user of `who` (a request or
    a user) no longer sees the saved row through its model's `for_user`."""
    with transaction.atomic():
        if isinstance(target, BaseForm):
            obj = target.save(**save_kwargs)
        else:
            obj = target
            obj.save(**save_kwargs)
        return still_in_scope(who, obj)


def still_in_scope(who, obj):
    """`obj`, just written by a view's transaction (which the caller opened); OutOfScope, rolling it back, unless the
    user of `who` sees it through its model's `for_user`. For rows saved by a domain function rather than here."""
    if not type(obj)._default_manager.for_user(user_of(who)).filter(pk=obj.pk).exists():
        raise OutOfScope("saved row out of scope")
    return obj


def saved_in_scope(who, target, form, message, field=None):
    """save_in_scope for a view that shows its form again instead of a 404: whether saved; if not, `message` on
    `form` (on `field`, or the whole form)."""
    try:
        save_in_scope(who, target)
    except OutOfScope:
        form.add_error(field, message)
        return False
    return True


def scoped_enterprise(request, pk):
    """The enterprise if the user may see it, marked in scope (permission checks need not ask again); 404 otherwise."""
    queryset = enterprises_for(request.user).select_related("industry__parent", "region__parent__parent", "competent_department")
    return permissions.mark_in_scope(request.user, get_object_or_404(queryset, pk=pk))


def require(allowed):
    """403 unless `allowed` (a permission check's answer)."""
    if not allowed:
        raise PermissionDenied


def regulator_only(request):
    """403 for enterprise users: the page is the regulators' (and the system administrators')."""
    require(request.user.is_regulator or request.user.is_sysadmin)


def public_page(view):
    """Mark a page anyone may open, logged in or not (a QR code's page, 随手拍): the 三员 gate
    (middleware.DutyGateMiddleware) lets such a page through for the administrators too."""
    view.public = True
    return view
