"""Forms of the ledgers: an accident (辅助表2), its investigation (辅助表3), a penalty or sanction (辅助表4)."""
from django import forms
from django.utils import timezone

from worksafe.core import refdata
from worksafe.core.forms import DATE, textarea

from .models import FIGURES, Accident, AccidentReport, FollowUp, Investigation, Penalty


class AccidentForm(forms.ModelForm):
    class Meta:
        model = Accident
        fields = ["occurred_on", "name", "kind", "category", "gb_category", "deaths", "serious_injuries", "minor_injuries",
                  "direct_loss", "recorded_by"]
        widgets = {"occurred_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refdata.offer_active(self)  # GB 6441 categories: the active ones


class InvestigationForm(forms.ModelForm):
    class Meta:
        model = Investigation
        fields = ["number", "investigated_on", "subject", "team_lead", "team_members", "course", "direct_causes",
                  "indirect_causes", "direct_responsibility", "leadership_responsibility", "loss_description", "training",
                  "handling_opinion", "corrective_actions", "confirmed_by", "reviewed_by", "approved_by", "follow_up",
                  "follow_up_reviewed_by"]
        widgets = {"investigated_on": DATE, **{name: textarea(4) for name in (
            "course", "direct_causes", "indirect_causes", "direct_responsibility", "leadership_responsibility",
            "loss_description", "training", "handling_opinion", "corrective_actions", "follow_up")}}


class PenaltyForm(forms.ModelForm):
    class Meta:
        model = Penalty
        fields = ["imposed_on", "kind", "department", "reason", "state"]
        widgets = {"imposed_on": DATE, "reason": textarea(3)}


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReportForm(forms.ModelForm):
    class Meta:
        model = AccidentReport
        fields = ["title", "occurred_at", "place", "category", "gb_category", "deaths", "missing", "serious_injuries",
                  "minor_injuries", "direct_loss", "summary", "measures"]
        widgets = {"occurred_at": DATETIME, "summary": textarea(4), "measures": textarea(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refdata.offer_active(self)

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now():
            raise forms.ValidationError("发生时间不能晚于现在。")
        return value


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["content", *FIGURES]
        widgets = {"content": textarea(3)}


class LinkInvestigationForm(forms.Form):
    investigation = forms.ModelChoiceField(label="调查处理情况", queryset=Investigation.objects.none(),
                                           help_text="关联该企业已登记的事故（件）调查处理情况后，快报即结案。")

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["investigation"].queryset = Investigation.objects.filter(
            accident__enterprise=report.enterprise, report__isnull=True).select_related("accident")
        self.fields["investigation"].label_from_instance = lambda i: f"{i.accident.occurred_on:%Y-%m-%d} {i.accident.name}"
