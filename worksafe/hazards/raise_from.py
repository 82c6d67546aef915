"""Hazards raised from findings, prefilled: a check item found 不符合 (排查记录), a measure found not in place on a
patrol (风险巡检). Both become general hazards in 已上报, which the enterprise then completes and rectifies."""
import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from worksafe.core import audit, storage, uploads, workflow

from .models import Category, Hazard, HazardPhoto, HazardStep, Source
from .workflow import record_step

# The deadline a raised hazard carries until the enterprise sets its own (a 流程设置 value; 30 days by default).
RAISED_DEADLINE = workflow.declare(
    "hazards.raised_deadline_days", "发现隐患的默认整改期限", "隐患排查治理", workflow.DAYS, 30, minimum=1, maximum=365,
    help="排查记录、风险巡检中“不符合”的项目和转为隐患的随手拍，整改期限预填为发现之日起该天数，企业或监管部门可再修改。")


def default_deadline(found_on):
    """The deadline a hazard found on `found_on` is given before anyone sets one."""
    return found_on + datetime.timedelta(days=workflow.setting(RAISED_DEADLINE))


def _raise(enterprise, user, *, name, place, content, category, source, found_on, photo=None, **links):
    hazard = Hazard(
        enterprise=enterprise, name=name[:200], place=place[:200] or "（待补充）", content=content,
        category_id=category or Category.OTHER_SITE, source=source, found_on=found_on,
        deadline=default_deadline(found_on),
        filled_by=getattr(user, "full_name", "") or getattr(user, "username", ""), filled_on=found_on,
        created_by=user if getattr(user, "is_authenticated", False) else None, **links,
    )
    # All or nothing: after a patrol this runs on its own (once the patrol has committed), and a photo that cannot be
    # copied must not leave a hazard without its REPORT step, nor a copied file without its row.
    with storage.all_or_nothing(), audit.acting_as(user if getattr(user, "is_authenticated", False) else None):
        hazard.save()
        if photo:
            photo.open("rb")
            try:
                data = photo.read()
            finally:
                photo.close()
            try:  # a photo stored before uploads were cleaned may still carry EXIF; the enterprise's own, if not
                data = uploads.without_metadata(data)[0]
            except ValidationError:
                pass
            copy = ContentFile(data, name=f"photo{_ext(photo.name)}")
            HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE, file=copy,
                                       uploaded_by=hazard.created_by)
        if user is not None:
            record_step(hazard, HazardStep.Action.REPORT, user, "由" + Source(source).label + "发现", save=False)
    return hazard


def check_item(item, user):
    """The hazard of one 不符合 item of a check record."""
    check = item.check_record
    section = item.item.section if item.item_id else "风险管控措施"
    place = _unit_place(item.measure) if item.measure_id else section
    return _raise(
        check.enterprise, user, name=f"{section}：{item.text}"[:200], place=place,
        content=item.note or item.text, category=item.item.category_id if item.item_id else "",
        source=Source.SELF_CHECK, found_on=check.checked_on, photo=item.photo or None, check_item=item,
    )


def patrol_item(item):
    """The hazard of a measure found not in place on a patrol (risks.signals.measure_not_in_place)."""
    patrol = item.patrol
    place = _unit_place(item.measure) if item.measure_id else ""
    return _raise(
        patrol.enterprise, patrol.patroller, name=f"管控措施未落实：{item.measure_text}"[:200], place=place,
        content=item.note or item.measure_text, category="", source=Source.PATROL,
        found_on=timezone.localtime(patrol.patrolled_at).date(), photo=item.photo or None, patrol_item=item,
    )


def _unit_place(measure):
    """Where a control measure applies: its analysis object and unit."""
    unit = measure.event.source.unit
    return f"{unit.object.name} / {unit.name}"


def _ext(name):
    import os

    return os.path.splitext(name)[1].lower()[:8]
