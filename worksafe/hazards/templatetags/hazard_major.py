"""{% major_panel hazard as m %}: what the major-hazard panel (_major_panel.html) shows to the current user."""
from django import template
from django.urls import reverse

from .. import workflow
from ..forms_major import ReviewForm, SuperviseForm, may_reissue
from ..models import HazardStep, Review, State
from ..views_major import awaiting_review

register = template.Library()
A = HazardStep.Action


@register.simple_tag(takes_context=True)
def major_panel(context, hazard):
    """None for a hazard that never was major; else the review, supervision, plan and acceptance as this user sees
    them, with the forms the user may use. Reads the hazard's steps once (the prefetched ones when the page has them)."""
    if not hazard.is_major and hazard.review != Review.DOWNGRADED:
        return None
    user = context["request"].user
    last, supervisions = {}, []
    for step in hazard.steps.all():  # ordered by time: the last of each action wins
        last[step.action] = step
        if step.action == A.SUPERVISE:
            supervisions.append(step)
    if not hazard.is_major:  # returned as a general hazard: only say so, and why
        return {"downgraded": True, "step": last.get(A.DOWNGRADE)}
    m = {
        "downgraded": False,
        "confirmed": hazard.review == Review.CONFIRMED,
        "confirm_step": last.get(A.CONFIRM),
        "supervisions": supervisions,
        "has_plan": bool(hazard.plan_leader),
        "plan_step": last.get(A.PLAN),
        "accept_step": last.get(A.ACCEPT) if hazard.state == State.CLOSED else None,
        "reject_step": last.get(A.REJECT) if hazard.state == State.RECTIFYING else None,
        "can_plan": workflow.can_plan(user, hazard),
        "is_own": workflow.is_own(user, hazard),
        "pdf_url": reverse("hazards:hazard_major_notice_pdf", args=[hazard.pk])
        if hazard.supervision and hazard.notice_number else "",
    }
    if awaiting_review(hazard) and workflow.can_review(user, hazard):
        m["review_form"] = ReviewForm(hazard=hazard, user=user)
    elif workflow.can_supervise(user, hazard) and may_reissue(user, hazard):
        m["supervise_form"] = SuperviseForm(hazard=hazard, user=user)
    return m
