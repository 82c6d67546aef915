"""角色管理 (seed 001 六 1.1.1): the built-in roles, read-only, and the roles a security administrator composes from the
registered permissions (core.permissions, core.roles). Every change is audited (the Role model is registered with
core.audit); a role still held by an account cannot be deleted."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import permissions, roles
from .access import require
from .models import Role, Side, User


class RoleForm(forms.ModelForm):
    """The role's fields; its permissions are the ticked boxes named `granted` (drawn grouped by module, not by the
    generic field template)."""

    class Meta:
        model = Role
        fields = ["code", "name", "side", "description"]

    def __init__(self, *args, granted=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.granted = sorted(set(self.data.getlist("granted")) if self.is_bound else set(granted or self.instance.permissions))
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["side"].disabled = True  # the accounts holding it would silently change sides

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code in roles.RESERVED:
            raise forms.ValidationError("该代码为内置角色所用。")
        return code

    def clean(self):
        data = super().clean()
        if data.get("side"):
            for error in roles.check(data["side"], self.granted):
                self.add_error(None, error)
        return data

    def save(self, commit=True):
        self.instance.permissions = self.granted
        return super().save(commit)

    def grouped(self):
        """[(group, [(Permission, ticked)])] for the template's checkboxes, grouped as the registry is."""
        return [(group, [(p, p.code in self.granted) for p in perms]) for group, perms in permissions.grouped()]


def _require_manager(request):
    require(permissions.can_manage_roles(request.user))


@login_required
def role_list(request):
    _require_manager(request)
    holders = _holders()
    rows = [(role, holders.get(role.code, 0), permissions.grouped(role.granted)) for role in roles.every()]
    return render(request, "core/role_list.html", {"rows": rows, "sides": Side})


def _holders():
    from django.db.models import Count

    return dict(User.objects.values("role").annotate(n=Count("pk")).values_list("role", "n"))


@login_required
def role_edit(request, pk=None):
    _require_manager(request)
    role = get_object_or_404(Role, pk=pk) if pk else None
    initial, granted = {}, ()
    if role is None and request.GET.get("copy") in roles.BUILTIN:  # 复制内置角色 as a starting point
        source = roles.BUILTIN[request.GET["copy"]]
        initial, granted = {"name": f"{source.name}（副本）", "side": source.side}, source.granted
    form = RoleForm(request.POST or None, instance=role, initial=initial, granted=granted)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, f"已保存角色“{saved.name}”。")
        return redirect("core:role_list")
    return render(request, "core/role_form.html", {"form": form, "role": role})


@login_required
@require_POST
def role_delete(request, pk):
    _require_manager(request)
    role = get_object_or_404(Role, pk=pk)
    held = User.objects.filter(role=role.code).count()
    if held:
        messages.error(request, f"角色“{role.name}”仍有 {held} 个账号在用，请先为这些账号更换角色。")
    else:
        with transaction.atomic():
            role.delete()
        messages.success(request, f"已删除角色“{role.name}”。")
    return redirect("core:role_list")
