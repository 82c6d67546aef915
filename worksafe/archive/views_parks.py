"""园区企业名单 (parks.py) and 分级负责 (supervision.py): the pages."""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from worksafe.core import permissions
from worksafe.core.access import require, scoped_enterprise, scoped_or_404
from worksafe.core.filters import FastSelect
from worksafe.core.listing import paginate
from worksafe.core.models import Organization, OrgLevel

from . import parks, perms, supervision
from .models import ChangeState, ParkMember, SupervisionChange


@login_required
def parkmember_list(request, pk):
    """A park's member enterprises; its managers add (one code or name per line) and remove them."""
    user = request.user
    require(permissions.has(user, perms.PARK_MEMBERS) or parks.park_side(user))
    park = get_object_or_404(Organization.objects.select_related("region", "parent"), pk=pk)
    if not parks.may_view(user, park):
        raise Http404
    can_manage = parks.may_manage(request.user, park)
    text, errors = "", []
    if request.method == "POST":
        require(can_manage)
        text = request.POST.get("enterprises", "")
        found, errors = parks.resolve(text, request.user)
        if not errors and not found:
            errors = ["请填写要加入园区的企业（每行一个统一社会信用代码或企业全称）。"]
        if not errors:
            added, named = parks.add(park, found), len({e.pk for e in found})  # a line repeated counts once
            notes = [f"{named - added} 家原已在园区内"] if added < named else []
            if len(found) > named:
                notes.append(f"{len(found) - named} 行重复，只计一次")
            messages.success(request, f"已将 {added} 家企业加入“{park.name}”" + (f"（{'；'.join(notes)}）。" if notes else "。"))
            return redirect("archive:parkmember_list", pk=park.pk)
    rows = parks.members(park, request.user)
    rows = list(rows.prefetch_related("enterprise__secondary_units") if can_manage else rows)
    for m in rows:
        m.units = list(m.enterprise.secondary_units.all()) if can_manage else []
    return render(request, "archive/park_members.html", {
        "park": park, "rows": rows, "can_manage": can_manage, "text": text, "errors": errors})


@login_required
@require_POST
def parkmember_edit(request, pk):
    """移出园区 (action=remove) or set the secondary unit that lies in the park (unit=<pk> or empty)."""
    member = scoped_or_404(request, ParkMember.objects.select_related("park__region", "enterprise"), pk=pk)
    require(parks.may_manage(request.user, member.park))
    with transaction.atomic():
        if request.POST.get("action") == "remove":
            member.delete()
            messages.success(request, f"已将“{member.enterprise.name}”移出园区。")
        else:
            unit = request.POST.get("unit") or None
            if unit is not None and not member.enterprise.secondary_units.filter(pk=unit).exists():
                raise Http404
            member.secondary_unit_id = unit
            member.save(update_fields=["secondary_unit"])
            messages.success(request, f"已更新“{member.enterprise.name}”的入园单位。")
    return redirect("archive:parkmember_list", pk=member.park_id)


# 分级负责 ----------------------------------------------------------------------------------------------------------

class SupervisionForm(forms.Form):
    level = forms.ChoiceField(label="负责监管层级", choices=OrgLevel.choices, widget=FastSelect)
    department = forms.ModelChoiceField(label="负责监管的行业部门", queryset=Organization.objects.none(), required=False,
                                        widget=FastSelect, help_text="可不选；选择后该行业部门与所选层级共同负责。")
    reason = forms.CharField(label="调整理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["department"].queryset = Organization.objects.filter(
            pk__in=[o.pk for o in supervision.department_choices(enterprise)])

    def clean(self):
        data = super().clean()
        if "level" in data and "department" in data:
            error = supervision.request_error(self.enterprise, data["level"], data["department"])
            if error:
                raise ValidationError(error)
        return data


@login_required
def supervisionchange_add(request, pk):
    """申请调整负责监管层级."""
    enterprise = scoped_enterprise(request, pk)
    require(supervision.may_request(request.user, enterprise))
    initial = {"level": enterprise.supervision_level, "department": enterprise.supervising_department_id}
    form = SupervisionForm(request.POST or None, enterprise=enterprise, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                supervision.request(enterprise, request.user, form.cleaned_data["level"], form.cleaned_data["department"],
                                    form.cleaned_data["reason"])
        except IntegrityError:  # another request filed meanwhile (one pending per enterprise)
            form.add_error(None, "该企业已有一项待审批的负责层级调整，请等待审批或撤回后再申请。")
        else:
            messages.success(request, "调整申请已提交，待上级审批；审批前负责层级不变。")
            return redirect(enterprise)
    return render(request, "archive/simple_form.html", {"form": form, "e": enterprise, "title": "申请调整负责监管层级"})


@login_required
def supervisionchange_list(request):
    """负责层级调整: the requests in scope, those waiting for the user first."""
    require(request.user.is_regulator or request.user.is_sysadmin)
    qs = SupervisionChange.objects.for_user(request.user).select_related(
        "enterprise__region", "from_department", "to_department")
    state = request.GET.get("state", "")
    if state in ChangeState.values:
        qs = qs.filter(state=state)
    page = paginate(request, qs)
    for change in page:
        change.steps = supervision.FLOW.available(request.user, change)
    return render(request, "archive/supervision_list.html", {"rows": page, "page": page, "state": state,
                                                             "states": ChangeState.choices})


@login_required
@require_POST
def supervisionchange_step(request, pk, action):
    change = scoped_or_404(request, SupervisionChange.objects.select_related("enterprise"), pk=pk)
    step = supervision.FLOW.step(action)
    if step is None:
        raise Http404
    require(step.allowed(request.user, change))
    try:
        supervision.FLOW.perform(change, action, request.user, request.POST.get("comment", ""))
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已{step.label}。")
    return redirect(change.enterprise if request.POST.get("back") == "enterprise" else "archive:supervisionchange_list")
