"""Forms of the ledgers: an accident (辅助表2), its investigation (辅助表3), a penalty or sanction (辅助表4)."""
from django import forms

from worksafe.core.forms import DATE, textarea

from .models import Accident, Investigation, Penalty


class AccidentForm(forms.ModelForm):
    class Meta:
        model = Accident
        fields = ["occurred_on", "name", "kind", "category", "gb_category", "deaths", "serious_injuries", "minor_injuries",
                  "direct_loss", "recorded_by"]
        widgets = {"occurred_on": DATE}


class InvestigationForm(forms.ModelForm):
    class Meta:
        model = Investigation
        exclude = ["accident"]
        widgets = {"investigated_on": DATE, **{name: textarea(4) for name in (
            "course", "direct_causes", "indirect_causes", "direct_responsibility", "leadership_responsibility",
            "loss_description", "training", "handling_opinion", "corrective_actions", "follow_up")}}


class PenaltyForm(forms.ModelForm):
    class Meta:
        model = Penalty
        fields = ["imposed_on", "kind", "department", "reason", "state"]
        widgets = {"imposed_on": DATE, "reason": textarea(3)}
