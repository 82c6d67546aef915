"""Scan counts for the code card."""
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import Scan, Tier


def scan_stats(obj):
    """Scans of every code `obj` has had (revoked ones too): total, last 30 days, per tier, the latest."""
    since = timezone.now() - timedelta(days=30)
    counts = {f"tier_{t}": Count("id", filter=Q(tier=t)) for t in Tier.values}
    return Scan.objects.filter(
        code__content_type=ContentType.objects.get_for_model(obj), code__object_id=obj.pk
    ).aggregate(total=Count("id"), recent=Count("id", filter=Q(time__gte=since)), last=Max("time"), **counts)
