"""随手拍: anyone's hazard report, its throttling, and the regulator's decision on it (seed 002 (一) 6, seed 000 附件3).

Throttling lives in the database, not in process memory: several gunicorn processes answer the same phone. A client
is a keyed hash of its address (REMOTE_ADDR, or the header the proxy sets, settings.CLIENT_IP_HEADER: behind nginx
every request comes from nginx), so no address is stored. `settings.PUBLIC_REPORT_LIMITS` holds (window seconds, max reports)
pairs; a report is refused while any window already holds its maximum.

Who decides: regulators of the report's region at county level and above (the 属地应急管理部门 of the seed), and
system administrators. Township staff (乡镇安监站) see their reports but do not decide, as they do not review
archives or major hazards either (permissions.can_review_archive, workflow.is_regulator_of).
"""
import datetime
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from worksafe.core import clients, permissions, uploads
from worksafe.core.models import OrgLevel
from worksafe.core.scoping import park_enterprises, region_q

from . import announce
from .models import Hazard, HazardPhoto, HazardStep, Level, PublicReport, PublicReportPhoto, Review, Source, State
from .perms import DECIDE_PUBLIC
from .workflow import record_step

DEFAULT_LIMITS = ((3600, 5), (86400, 20))
MAX_PHOTOS = 3
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}  # what a phone camera writes; nothing else is kept


def limits():
    """[(window seconds, max reports)] from settings.PUBLIC_REPORT_LIMITS."""
    return [(int(w), int(n)) for w, n in getattr(settings, "PUBLIC_REPORT_LIMITS", DEFAULT_LIMITS)]


def client_key(request):
    """The keyed hash of the client's address (core.clients): the address itself is never stored, and nobody without
    SECRET_KEY can tell which address sent a report."""
    return clients.client_key(request, "hazards.public")


class Throttled(Exception):
    def __init__(self, retry_at):
        super().__init__(retry_at)
        self.retry_at = retry_at

    @property
    def seconds(self):
        return max(1, int((self.retry_at - timezone.now()).total_seconds()) + 1)


def retry_at(client, now=None):
    """When `client` may report again (None: now). One indexed query (client, created_at) per window: the window is
    full while its max-th newest report is inside it, and frees up when that one leaves it."""
    now = now or timezone.now()
    latest = None
    for window, most in limits():
        span = datetime.timedelta(seconds=window)
        nth = (PublicReport.objects.filter(client=client, created_at__gt=now - span)
               .order_by("-created_at").values_list("created_at", flat=True)[most - 1:most])
        nth = list(nth)
        if nth:
            free = nth[0] + span
            latest = max(latest, free) if latest else free
    return latest


def check_throttle(client, now=None):
    when = retry_at(client, now)
    if when is not None:
        raise Throttled(when)


def _lock_client(client):
    """Serialise one client's submissions on PostgreSQL (two parallel posts would both pass the count otherwise);
    SQLite takes its write lock for the whole transaction anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"public-report:{client}"])


@dataclass
class Submission:
    region: object
    text: str
    enterprise: object = None
    enterprise_name: str = ""
    location: str = ""
    latitude: object = None
    longitude: object = None
    contact: str = ""


def submit(data, photos, client):
    """Save a report and its photos (already checked: `photos` are (file, content type)), all or nothing; raises
    Throttled, saving nothing, when the client is over a limit."""
    with transaction.atomic():
        _lock_client(client)
        check_throttle(client)
        report = PublicReport.objects.create(
            region=data.region, text=data.text, enterprise=data.enterprise, enterprise_name=data.enterprise_name[:200],
            location=data.location, latitude=data.latitude, longitude=data.longitude, contact=data.contact,
            client=client,
        )
        for i, (upload, content_type) in enumerate(photos, 1):
            upload.seek(0)
            PublicReportPhoto.objects.create(report=report, file=ContentFile(upload.read(), name=f"photo{i}{PHOTO_TYPES[content_type]}"))
        announce.public_report_received(report)
    return report


# ---------------------------------------------------------------------------------------------------------------
# The regulators' side


def report_q(user, path=""):
    """Q for the reports `user` sees (through `path` from another model): those of regions in their jurisdiction,
    whatever industries their organisation supervises (a report concerns a place); all for system administrators."""
    p = f"{path}__" if path else ""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_sysadmin:
        return Q()
    if user.is_regulator:
        q = region_q(user.organization.region, f"{p}region_id")
        if user.organization.by_membership:  # a park: the reports naming its member enterprises
            q &= Q(**{f"{p}enterprise_id__in": park_enterprises(user.organization)})
        return q
    return Q(pk__in=[])


def reports_for(user):
    return PublicReport.objects.filter(report_q(user))


def may_decide(user):
    """Whether `user` decides on the reports they see (not whether a given report is still open): the role grants
    核实随手拍举报 and the organisation is above township level."""
    if not permissions.has(user, DECIDE_PUBLIC):
        return False
    return user.is_sysadmin or (user.is_regulator and user.organization.level != OrgLevel.TOWNSHIP)


def can_decide(user, report):
    return report.status == PublicReport.Status.PENDING and may_decide(user)


# The REPORT step of a hazard accepted from a report. Not the receipt number: the enterprise reads the hazard's steps,
# and the receipt is the reporter's key to the report (regulators find it on the hazard's origin line).
REPORT_COMMENT = "群众举报（随手拍）"


def _decided(report, user, status):
    """The report, locked, still pending and decidable by `user`; else PermissionDenied / ValidationError."""
    report = PublicReport.objects.select_for_update().get(pk=report.pk)
    if not may_decide(user) or not reports_for(user).filter(pk=report.pk).exists():
        raise PermissionDenied
    if report.status != PublicReport.Status.PENDING:
        raise ValidationError(f"该举报已于 {timezone.localtime(report.decided_at):%Y-%m-%d %H:%M} "
                              f"作出“{report.get_status_display()}”决定，不能重复处理。")
    report.status, report.decided_by, report.decided_at = status, user, timezone.now()
    return report


def accept(report, user, enterprise, fields):
    """Accept a report as a hazard of `enterprise` (in `user`'s scope): the hazard (source 群众举报, 已上报, found on
    the report's date, its photos as 整改前 photos) with its REPORT step; the report links it. Returns the hazard."""
    if not permissions.in_scope(user, enterprise):
        raise PermissionDenied
    with transaction.atomic():
        report = _decided(report, user, PublicReport.Status.ACCEPTED)
        found_on = timezone.localtime(report.created_at).date()
        level = fields.get("level") or Level.GENERAL
        hazard = Hazard(
            enterprise=enterprise, source=Source.PUBLIC, state=State.REPORTED, found_on=found_on,
            name=fields["name"], place=fields["place"], content=fields["content"], category_id=fields["category"],
            level=level, deadline=fields.get("deadline"), kind=fields.get("kind", ""),
            # A major hazard still goes through its review (确认 / 打回), as any other one does.
            review=Review.PENDING if level == Level.MAJOR else "",
            filled_by=getattr(user, "full_name", "") or user.get_username(), filled_on=timezone.localdate(),
            created_by=user,
        )
        hazard.save()
        for photo in report.photos.all():
            data = _without_metadata(photo.file)
            if data is not None:
                HazardPhoto.objects.create(hazard=hazard, stage=HazardPhoto.Stage.BEFORE, uploaded_by=user,
                                           file=ContentFile(data, name=f"photo{_ext(photo.file.name)}"))
        record_step(hazard, HazardStep.Action.REPORT, user, REPORT_COMMENT, save=False)
        report.enterprise, report.hazard = enterprise, hazard
        if not report.enterprise_name:
            report.enterprise_name = enterprise.name
        report.reason = fields.get("reason", "")[:500]
        report._audit_message = f"受理，转{enterprise.name}整改（隐患“{hazard.name}”）"
        report.save()
        announce.public_report_assigned(report, hazard, user)
    return hazard


def reject(report, user, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("不予受理须填写原因。")
    with transaction.atomic():
        report = _decided(report, user, PublicReport.Status.REJECTED)
        report.reason = reason[:500]
        report._audit_message = f"不予受理：{report.reason}"
        report.save()
    return report


def map_url(report):
    """A map showing the reported position (browser geolocation gives WGS-84), or "" without coordinates."""
    if report.latitude is None or report.longitude is None:
        return ""
    template = getattr(settings, "PUBLIC_REPORT_MAP_URL",
                       "https://uri.amap.com/marker?position={lng},{lat}&coordinate=wgs84&name=随手拍举报位置&callnative=0")
    return template.format(lat=report.latitude, lng=report.longitude)


def _without_metadata(field_file):
    """A report photo's bytes for the enterprise's hazard, without metadata: one stored before uploads were cleaned
    may still carry the reporter's GPS position. None for a photo that cannot be cleaned: it stays on the report
    only, for the regulators."""
    try:
        return uploads.without_metadata(_read(field_file))[0]
    except ValidationError:
        return None


def _read(field_file):
    field_file.open("rb")
    try:
        return field_file.read()
    finally:
        field_file.close()


def _ext(name):
    return os.path.splitext(name)[1].lower()[:8]
