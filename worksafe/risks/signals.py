"""Signals of the risk module, and the handlers keeping derived data current."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from . import schedule, summary
from .models import ControlMeasure, RiskEvent

# Sent with `item` (a PatrolItem) when a patrol finds a control measure not in place: where a hazard (隐患) begins.
# The hazards module connects to it; nothing here depends on that module.
measure_not_in_place = Signal()


@receiver(post_save, sender=RiskEvent)
@receiver(post_delete, sender=RiskEvent)
def _event_changed(sender, instance, **kwargs):
    if not kwargs.get("raw"):
        summary.refresh(instance.enterprise_id)


@receiver(post_save, sender=ControlMeasure)
def _measure_saved(sender, instance, raw=False, **kwargs):
    """A new measure, or a changed frequency, moves the next patrol deadline."""
    due = schedule.next_due(instance)
    if not raw and instance.next_due_at != due:
        ControlMeasure.objects.filter(pk=instance.pk).update(next_due_at=due)
        instance.next_due_at = due
