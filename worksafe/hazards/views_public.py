"""随手拍 pages: anyone's report (general entry or a scanned code), its receipt and status; the regulators' queue,
the report with its photos, and the decision (受理 into a hazard of the enterprise, or 不予受理 with the reason).

Public pages need no login and use the phone layout of the scan pages. Throttling keys on the client's address
(public.client_key): behind nginx, settings.CLIENT_IP_HEADER names the header carrying the phone's address, or every
phone would share the proxy's limit.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from worksafe.archive.models import Enterprise
from worksafe.codes import targets
from worksafe.codes.models import Code
from worksafe.core import storage, uploads
from worksafe.core.access import public_page, regulator_only, require, still_in_scope
from worksafe.core.filters import enterprise_search_q
from worksafe.core.listing import paginate
from worksafe.core.scoping import region_q

from . import public
from .forms_public import AcceptForm, PublicReportFilter, PublicReportForm, RejectForm
from .models import PublicReport, PublicReportPhoto

Status = PublicReport.Status
RECEIPT_ALPHABET = set("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
CANDIDATES = 30  # enterprises offered by one search in the decision form


def _public(response):
    response["X-Robots-Tag"] = "noindex"
    return response


def _code_enterprise(signed):
    """(enterprise, what the code names, notice): the scanned code's enterprise, or a notice why there is none."""
    try:
        code = Code.from_signed(signed)
    except signing.BadSignature:
        code = None
    if code is not None and code.revoked_at:
        return None, "", "该二维码已作废，请在下面选择隐患所在地区后举报。"
    target = targets.for_model(code.content_type.model_class()) if code else None
    obj = target.objects().filter(pk=code.object_id).first() if target else None
    if obj is None:
        return None, "", "无法识别该二维码，请在下面选择隐患所在地区后举报。"
    enterprise = target.enterprise(obj)
    return enterprise, target.title(obj), ""


@public_page
@never_cache
@require_http_methods(["GET", "POST"])
def public_report(request, signed=None):
    """随手拍: the form; a valid post saves the report and its photos (all or nothing) and shows the receipt."""
    enterprise, title, notice = _code_enterprise(signed) if signed is not None else (None, "", "")
    data, files = (request.POST, request.FILES) if request.method == "POST" else (None, None)
    form = PublicReportForm(data, files, enterprise=enterprise)
    if request.method == "POST":
        client = public.client_key(request)
        try:
            public.check_throttle(client)  # before the photos are opened: an over-limit client costs two queries
            if form.is_valid():
                d = form.cleaned_data
                report = storage.save(form, lambda: public.submit(public.Submission(
                    region=form.region, text=d["text"], enterprise=enterprise,
                    enterprise_name=title or d.get("enterprise_name", ""), location=d["location"],
                    latitude=d["latitude"], longitude=d["longitude"], contact=d["contact"],
                ), d["photos"], client))
                if report is not storage.NOT_SAVED:
                    return redirect("hazards:public_receipt", report.receipt)
        except public.Throttled as e:
            return throttled(request, e)
    context = {
        "form": form, "enterprise": enterprise, "title": title, "notice": notice,
        "action": request.path if enterprise is not None or signed is None else reverse("hazards:public_report"),
        "photo_slots": range(1, public.MAX_PHOTOS + 1),
        "photos_lost": request.method == "POST" and bool(request.FILES),
    }
    return _public(render(request, "hazards/public_report.html", context))


def throttled(request, error):
    retry = timezone.localtime(error.retry_at)
    same_day = retry.date() == timezone.localdate()
    context = {"retry": retry, "retry_text": f"{retry:%H:%M}" if same_day else f"{retry:%Y-%m-%d %H:%M}",
               "limits": [(w // 3600 if w % 3600 == 0 else None, w // 60, n) for w, n in public.limits()]}
    response = render(request, "hazards/public_throttled.html", context, status=429)
    response["Retry-After"] = str(error.seconds)
    return _public(response)


@public_page
@never_cache
def public_receipt(request, receipt):
    """The receipt right after reporting: the number to keep, and where to look the report up."""
    report = get_object_or_404(PublicReport.objects.select_related("region__parent"), receipt=receipt)
    context = {"report": report, "status_url": reverse("hazards:public_status") + f"?receipt={report.receipt}"}
    return _public(render(request, "hazards/public_receipt.html", context))


def normalize_receipt(value):
    return "".join(c for c in (value or "").upper() if c.isalnum())


@public_page
@never_cache
def public_status(request):
    """Look a report up by its receipt: status, dates, the decision's reason. Never the contact or the photos."""
    receipt = normalize_receipt(request.GET.get("receipt"))
    report, error = None, ""
    if "receipt" in request.GET:
        if not receipt:
            error = "请输入回执编号。"
        elif len(receipt) != 12 or not set(receipt) <= RECEIPT_ALPHABET:
            error = f"“{receipt[:20]}”不是有效的回执编号：回执编号为 12 位字母和数字（不含 0、1、O、I），请核对后重新输入。"
        else:
            # The template shows only status, dates, region, reason and the hazard's state. (No .only(): the audit
            # trail snapshots every field of a loaded row, and a deferred one would load itself again, endlessly.)
            report = PublicReport.objects.select_related("region__parent", "hazard").filter(receipt=receipt).first()
            if report is None:
                error = f"未找到回执编号为 {receipt} 的举报，请核对后重新输入。"
    context = {"receipt": receipt, "report": report, "error": error}
    return _public(render(request, "hazards/public_status.html", context))


# ---------------------------------------------------------------------------------------------------------------
# The regulators' side


def _tabs(request, counts):
    """The status tabs with their counts, each keeping the other filters."""
    tabs = []
    for value, label in [("", "全部"), *Status.choices]:
        params = request.GET.copy()
        params.pop("page", None)
        params.pop("status", None)
        if value:
            params["status"] = value
        tabs.append({"value": value, "label": label, "count": counts[value or "total"], "query": params.urlencode()})
    return tabs


@login_required
def public_queue(request):
    """随手拍举报 of the jurisdiction: pending first, newest first; counts per status under the other filters."""
    regulator_only(request)
    user = request.user
    base = public.reports_for(user).select_related("region__parent", "enterprise", "decided_by")
    filterset = PublicReportFilter(request.GET, base, user=user)
    qs = filterset.qs
    counts = qs.aggregate(total=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in Status.values})
    status = request.GET.get("status", "")
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    pending_first = Case(When(status=Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
    page = paginate(request, qs.order_by(pending_first, "-created_at", "-id"))
    photos = dict(PublicReportPhoto.objects.filter(report_id__in=[r.pk for r in page]).order_by()
                  .values_list("report_id").annotate(n=Count("id")))
    for r in page:
        r.photo_count = photos.get(r.pk, 0)
    context = {"filter": filterset, "page": page, "status": status, "tabs": _tabs(request, counts),
               "may_decide": public.may_decide(user)}
    return render(request, "hazards/public_queue.html", context)


def _scoped_report(request, pk):
    regulator_only(request)
    qs = public.reports_for(request.user).select_related("region__parent__parent", "enterprise__region", "decided_by", "hazard")
    return get_object_or_404(qs, pk=pk)


def _candidates(request, report):
    """The enterprises the decision form offers: a search (?eq=), else the code's enterprise and those of the
    report's region named like what the reporter wrote; the one already chosen stays offered."""
    scope = Enterprise.objects.for_user(request.user).select_related("region")
    keyword = request.GET.get("eq", "").strip()[:100]
    found = []
    if keyword:
        found = list(scope.filter(enterprise_search_q(keyword, path="")).order_by("region_id", "name", "pk")[:CANDIDATES])
    elif report.enterprise_id:
        found = list(scope.filter(pk=report.enterprise_id))
    elif report.enterprise_name:
        named = scope.filter(region_q(report.region, "region_id"), enterprise_search_q(report.enterprise_name, path=""))
        found = list(named.order_by("name", "pk")[:CANDIDATES])
    chosen = request.POST.get("enterprise", "")
    if chosen.isdigit() and all(e.pk != int(chosen) for e in found):
        found = list(scope.filter(pk=int(chosen))) + found
    return found, keyword


@login_required
@require_http_methods(["GET", "POST"])
def public_detail(request, pk):
    """One report: text, place, photos, and (pending, for those who decide) the two decision forms."""
    report = _scoped_report(request, pk)
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    accept_form = reject_form = None
    if action:
        require(public.may_decide(user))
        if report.status != Status.PENDING:
            messages.error(request, f"该举报已作出“{report.get_status_display()}”决定，不能重复处理。")
            return redirect("hazards:public_detail", report.pk)
    deciding = public.can_decide(user, report)
    candidates, keyword = _candidates(request, report) if deciding else ([], "")
    if action == "accept":
        accept_form = AcceptForm(request.POST, report=report, user=user, candidates=candidates)
        if accept_form.is_valid():
            d = accept_form.cleaned_data
            try:
                hazard = storage.save(accept_form, lambda: still_in_scope(request, public.accept(report, user, d["enterprise"], d)))
            except ValidationError as e:
                messages.error(request, e.messages[0])
                return redirect("hazards:public_detail", report.pk)
            if hazard is not storage.NOT_SAVED:
                messages.success(request, f"已受理回执 {report.receipt} 的举报，形成隐患“{hazard.name}”，"
                                          f"已转{d['enterprise'].name}整改（企业工作台显示该提醒）。")
                return redirect("hazards:public_detail", report.pk)
    elif action == "reject":
        reject_form = RejectForm(request.POST)
        if reject_form.is_valid():
            try:
                public.reject(report, user, reject_form.cleaned_data["reason"])
            except ValidationError as e:
                messages.error(request, e.messages[0])
                return redirect("hazards:public_detail", report.pk)
            messages.success(request, f"回执 {report.receipt} 的举报已不予受理，原因已记录，举报人可凭回执查询。")
            return redirect("hazards:public_detail", report.pk)
    if deciding:
        if accept_form is None:
            accept_form = AcceptForm(report=report, user=user, candidates=candidates)
            if keyword and len(candidates) == 1:
                accept_form.initial["enterprise"] = candidates[0].pk  # the one enterprise found: chosen
        reject_form = reject_form or RejectForm()
    context = {
        "report": report, "photos": list(report.photos.all()), "map_url": public.map_url(report),
        "deciding": deciding, "accept_form": accept_form, "reject_form": reject_form,
        "candidates": candidates, "keyword": keyword, "open_form": action or "",
        "may_decide": public.may_decide(user),
    }
    return render(request, "hazards/public_detail.html", context)


def _reported_photos(request, photos):
    """A report's photos are for regulators whose jurisdiction holds the report (by region, whatever the enterprise)."""
    regulator_only(request)
    return photos.filter(public.report_q(request.user, "report"))


public_photo = uploads.serve_view(PublicReportPhoto, "file", lambda photo: f"随手拍-{photo.report_id}-{photo.pk}", rows=_reported_photos)

