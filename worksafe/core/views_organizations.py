"""监管单位维护: the organisation tree (core.organizations says who manages which and the rules a placement keeps)."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import organizations, permissions, refdata
from .access import require
from .filters import FastSelect
from .models import Industry, Organization, OrgKind, Region, User
from .scoping import regions_for


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind", "parent", "region", "industries"]
        widgets = {"region": FastSelect, "parent": FastSelect, "industries": forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})}

    wide_fields = ["industries"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        parents = organizations.parents(actor).select_related("region")
        if self.instance.pk:
            parents = parents.exclude(pk__in={self.instance.pk, *organizations.descendants(self.instance)})
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = not organizations.may_be_top_level(actor)
        self.fields["parent"].help_text = "应急管理局选上一级应急管理局；行业部门、园区管理机构选所属的应急管理局或政府部门。"
        regions = Region.objects.all() if permissions.has(actor, permissions.CONFIGURE) else regions_for(actor)
        self.fields["region"].queryset = regions
        self.fields["region"].help_text = "单位的管辖区域；级别随区域确定（省、市、县、乡镇）。须在上级单位的管辖区域之内。"
        self.fields["industries"].queryset = Industry.objects.filter(parent__isnull=True)
        self.fields["industries"].help_text = "行业部门只监管所选行业；应急管理局不选（监管全部行业）。"
        self.fields["kind"].help_text = ("园区：有独立区划代码的功能区（如 411071）选该区划，按区划管辖；没有独立区划代码的园区选所在县（市）区划，"
                                         "按企业名单管辖，名单在单位列表的“企业名单”中维护。")
        refdata.offer_active(self, "region", "industries")

    def clean(self):
        data = super().clean()
        region = data.get("region")
        if data.get("kind") == OrgKind.DEPARTMENT and not data.get("industries"):
            self.add_error("industries", "行业主管部门须选择其监管的行业。")
        if data.get("kind") == OrgKind.BUREAU and data.get("industries"):
            self.add_error("industries", "应急管理部门监管全部行业，不选监管行业；只监管部分行业的请选“行业主管部门”。")
        if region is not None:
            error = organizations.placement_error(self.instance, data.get("parent"), region)
            if error:
                self.add_error("region", error)
        return data

    def save(self, commit=True):
        self.instance.level = self.cleaned_data["region"].level
        return super().save(commit)


def _require_manager(request):
    require(organizations.may_manage(request.user))


@login_required
def organization_list(request):
    _require_manager(request)
    qs = organizations.managed(request.user).prefetch_related("industries").annotate(
        accounts=Count("users", filter=Q(users__is_active=True))).order_by("region_id", "parent_id", "name")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(region__name__icontains=q))
    state = request.GET.get("state", "active")
    if state in ("active", "inactive"):
        qs = qs.filter(is_active=state == "active")
    return render(request, "core/organization_list.html", {"rows": qs[:500], "q": q, "state": state})


@login_required
def organization_edit(request, pk=None):
    _require_manager(request)
    org = get_object_or_404(organizations.managed(request.user), pk=pk) if pk else None
    form = OrganizationForm(request.POST or None, instance=org, actor=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
        messages.success(request, f"已保存监管单位“{saved.name}”。")
        return redirect("core:organization_list")
    return render(request, "core/organization_form.html", {"form": form, "org": org})


@login_required
@require_POST
def organization_state(request, pk, action):
    """停用 (once no active account or child is left in it) or 启用; never a delete. Audited."""
    _require_manager(request)
    if action not in ("activate", "deactivate"):
        raise Http404
    org = get_object_or_404(organizations.managed(request.user), pk=pk)
    if action == "deactivate":
        blockers = organizations.deactivation_blockers(org)
        if blockers:
            messages.error(request, f"“{org.name}”不能停用：" + "；".join(blockers) + "。")
            return redirect("core:organization_list")
    elif org.parent_id and not org.parent.is_active:
        messages.error(request, f"上级单位“{org.parent.name}”已停用，请先启用上级单位。")
        return redirect("core:organization_list")
    with transaction.atomic():
        org.is_active = action == "activate"
        org.save(update_fields=["is_active"])
    messages.success(request, f"已{'启用' if org.is_active else '停用'}“{org.name}”。")
    return redirect("core:organization_list")


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(label="合并到", queryset=Organization.objects.none(), widget=FastSelect)

    def __init__(self, *args, source, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["target"].queryset = organizations.parents(actor).exclude(
            pk__in={source.pk, *organizations.descendants(source)}).select_related("region")
        self.fields["target"].error_messages["invalid_choice"] = "请选择您管理的其他启用单位（不能是本单位或它的下级单位）。"

    def clean_target(self):
        target = self.cleaned_data["target"]
        error = organizations.merge_error(self.source, target)
        if error:
            raise forms.ValidationError(error)
        return target


@login_required
def organization_merge(request, pk):
    """合并: `source` into another organisation the user manages (or its own). Audited on both."""
    _require_manager(request)
    source = get_object_or_404(organizations.managed(request.user).filter(is_active=True), pk=pk)
    form = MergeForm(request.POST or None, source=source, actor=request.user)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = organizations.merge(source, target, request.user)
        except ValueError as error:  # changed since the form was checked (a concurrent merge or move)
            messages.error(request, str(error))
            return redirect("core:organization_list")
        summary = "，".join(f"{what} {n}" for what, n in moved.items() if n) or "没有需要移动的数据"
        messages.success(request, f"已将“{source.name}”合并到“{target.name}”（{summary}），“{source.name}”已停用。")
        return redirect("core:organization_list")
    accounts = User.objects.filter(organization=source).count()
    return render(request, "core/organization_merge.html", {"form": form, "org": source, "accounts": accounts,
                                                           "children": source.children.count()})
