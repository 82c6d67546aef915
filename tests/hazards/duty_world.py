"""Reporting duties to test with (隐患排查上报): a county of enterprises in each reporting state, and their audit rows."""
import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from tests.factories import JINSHUI, create_enterprise
from worksafe.core.models import ChangeRecord
from worksafe.hazards import periods
from worksafe.hazards.models import Cycle, ReportingDuty


def today():
    return timezone.localdate()


def duty(e, **fields):
    return ReportingDuty.objects.update_or_create(enterprise=e, defaults=fields)[0]


def previous_quarter_key():
    first, _ = periods.bounds(Cycle.QUARTER, today())
    return periods.key(Cycle.QUARTER, first - datetime.timedelta(days=1))


def make_county(enterprise):
    """金水区 with four enterprises: `enterprise` reported this month, one paused, one quarterly that reported only
    last quarter, one monthly without a duty row. 二七区's `other_enterprise` reported (outside 金水)."""
    quarterly = create_enterprise(JINSHUI, name="金水季报企业", industry="0301")
    paused = create_enterprise(JINSHUI, name="金水停产企业")
    silent = create_enterprise(JINSHUI, name="金水未报企业")
    duty(enterprise, last_period=periods.key("month", today()))
    duty(paused, paused_from=today() - datetime.timedelta(days=30), pause_reason="季节性生产",
         last_period=periods.key("month", today()))
    duty(quarterly, cycle=Cycle.QUARTER, last_period=previous_quarter_key())
    return {"reported": enterprise, "quarterly": quarterly, "paused": paused, "silent": silent}


def records_of(e):
    ct = ContentType.objects.get_for_model(ReportingDuty)
    return ChangeRecord.objects.filter(content_type=ct, object_id=str(e.pk)).order_by("pk")
