"""Derived data kept current (yearly counts), and hazards raised by patrols that find a measure not in place."""
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from worksafe.archive.models import Enterprise
from worksafe.archive.signals import relocated
from worksafe.core import organizations
from worksafe.core.models import Organization
from worksafe.risks.signals import measure_not_in_place

from . import announce, raise_from, summary
from .models import Checklist, Hazard, State


@receiver(post_init, sender=Hazard)
def _remember_year(sender, instance, **kwargs):
    instance._counted_year = instance.found_on.year if instance.pk and instance.found_on else None


@receiver(post_save, sender=Hazard)
@receiver(post_delete, sender=Hazard)
def _hazard_changed(sender, instance, raw=False, **kwargs):
    """Recount the hazard's year, and the year it was counted in before if its found date moved."""
    if raw:
        return
    year = instance.found_on.year
    for counted in {year, getattr(instance, "_counted_year", None) or year}:
        summary.refresh(instance, counted)
    instance._counted_year = year


@receiver(post_save, sender=Enterprise)
def _enterprise_saved(sender, instance, created=False, raw=False, **kwargs):
    if not created and not raw:
        summary.relocate([instance])


@receiver(relocated)
def _enterprises_relocated(sender, enterprises, **kwargs):
    summary.relocate(enterprises)


@receiver(measure_not_in_place)
def _patrol_found_hazard(sender, item, **kwargs):
    hazard = raise_from.patrol_item(item)
    announce.patrol_hazard(hazard, item)


@receiver(organizations.merging, sender=Organization, dispatch_uid="hazards.merging")
def _merging(sender, source, target, moved, **kwargs):
    """A merge hands the source's open supervision (挂牌督办) and the guidelines it published to the target."""
    moved["督办隐患"] = Hazard.objects.filter(supervisor=source).exclude(state=State.CLOSED).update(supervisor=target)
    moved["指引标准"] = Checklist.objects.filter(owner=source).update(owner=target)
