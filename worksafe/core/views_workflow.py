"""流程设置 (seed 001 六 1.5 流程管理): the workflow settings the modules declare (core/workflow_settings.py), grouped
by module, the default beside the current value, edited one at a time with its bounds checked, 恢复默认, and the last
changes from the change log.

Who: the system administrator (permissions.CONFIGURE), not a province's regulator administrator. The values hold for
the whole deployment (one per province), not for one jurisdiction, and system configuration is the system
administrator's duty under 三员分立; a regulator administrator who could move the province's deadline colours or
approvers would be configuring the system from a business account. (Who in an organisation takes a step stays a
matter of roles, which the security administrator composes.)"""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import permissions, workflow_settings
from .access import require
from .models import ChangeRecord, WorkflowSetting

HISTORY = 20  # the last changes the page shows


class SettingForm(forms.Form):
    """One setting's value: a number with its unit, or one of the declared options; checked by the declaration."""

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        if item.kind == workflow_settings.CHOICE:
            field = forms.ChoiceField(choices=item.options, widget=forms.RadioSelect)
        else:
            attrs = {"inputmode": "numeric", "min": item.minimum, "max": item.maximum}
            field = forms.CharField(max_length=12, widget=forms.TextInput(attrs={k: v for k, v in attrs.items() if v is not None}))
        field.label = item.label + (f"（{item.unit}）" if item.unit else "")
        field.help_text = "；".join(filter(None, [item.help.rstrip("。"), item.bounds and f"允许范围 {item.bounds}",
                                                 f"默认 {item.display(item.default)}"])) + "。"
        field.error_messages["required"] = f"请填写“{item.label}”。"
        field.error_messages["invalid_choice"] = f"“{item.label}”请从给出的选项中选择。"
        self.fields["value"] = field

    def clean_value(self):
        try:
            return self.item.clean(self.cleaned_data["value"])
        except ValidationError as e:
            raise forms.ValidationError(e.messages) from None


def _require_configurer(request):
    require(permissions.has(request.user, permissions.CONFIGURE))


def _item(key):
    item = workflow_settings.REGISTRY.get(key)
    if item is None:
        raise Http404
    return item


@login_required
def workflow_setting_list(request):
    _require_configurer(request)
    history = (ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(WorkflowSetting))
               .only("time", "user_name", "message", "action").order_by("-time", "-id")[:HISTORY])
    return render(request, "core/workflow_setting_list.html", {"groups": workflow_settings.grouped(), "history": history})


@login_required
def workflow_setting_edit(request, key):
    _require_configurer(request)
    item = _item(key)
    current = workflow_settings.setting(key)
    form = SettingForm(request.POST or None, item=item, initial={"value": current})
    if request.method == "POST" and form.is_valid():
        value = workflow_settings.change(key, form.cleaned_data["value"], request.user)
        messages.success(request, f"已将“{item.label}”设为 {item.display(value)}。")
        return redirect("core:workflow_setting_list")
    return render(request, "core/workflow_setting_form.html", {"form": form, "item": item, "current": current})


@login_required
@require_POST
def workflow_setting_reset(request, key):
    """恢复默认 (audited; nothing to do when the value is the default already)."""
    _require_configurer(request)
    item = _item(key)
    workflow_settings.reset(key, request.user)
    messages.success(request, f"“{item.label}”已恢复默认：{item.display(item.default)}。")
    return redirect("core:workflow_setting_list")
