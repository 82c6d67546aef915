"""Scan pages (anyone with the code), and the code's management: card, downloads, placards, regeneration."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from worksafe.archive.listing import filtered_enterprises, selected_rows
from worksafe.archive.models import Enterprise
from worksafe.archive.workbench import actions
from worksafe.core import audit, clients, jobs, permissions
from worksafe.core.access import public_page, regulator_only, require, scoped_or_404
from worksafe.core.models import AuditAction
from worksafe.core.responses import file_response, pdf_response
from worksafe.core.views import redirect_next

from . import batch, targets
from . import render as draw
from .models import Code, Scan, Tier
from .perms import PLACARDS
from .stats import scan_stats


@public_page
@never_cache
def scan(request, signed):
    """What a scanned code shows depends on who scans: see targets.Target.tier."""
    try:
        code = Code.from_signed(signed)
    except signing.BadSignature:
        code = None
    if code is None:
        return render(request, "codes/scan_invalid.html", status=404)
    if code.revoked_at:
        return render(request, "codes/scan_revoked.html", {"code": code}, status=410)
    target = targets.for_model(code.content_type.model_class())
    obj = target.objects().filter(pk=code.object_id).first() if target else None
    if obj is None:
        return render(request, "codes/scan_invalid.html", status=404)
    user = request.user
    tier = target.tier(user, obj)
    if first_in_window(request, code):
        # pk: an account (not the unsaved stand-in of 快速登录企业端, whose request writes nothing: core.impersonation)
        Scan.objects.create(code=code, tier=tier, user=user if user.pk else None)
    if tier == Tier.REGULATOR:
        return redirect(target.archive_url(obj))
    context = {
        "target": target, "obj": obj, "tier": tier,
        "title": target.title(obj), "subtitle": target.subtitle(obj),
        "rows": target.public_rows(obj),
        "actions": actions(user, target.enterprise(obj)) if tier == Tier.ENTERPRISE else [],
    }
    response = render(request, "codes/scan.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def first_in_window(request, code):
    """Whether this is the scanner's first scan of `code` within settings.CODE_SCAN_WINDOW (an hour): a scan is
    counted once per scanner, code and window, so reloading, or a script, cannot fill the Scan table.

    The scanner is the account when logged in, else the client's address; the mark is a keyed hash of it and the
    code in the scans cache (its own table, settings.CACHES; add succeeds for the first scan only), so no address is kept anywhere."""
    user = request.user
    if user.is_authenticated:
        mark = clients.keyed_hash("code_scan", f"user:{user.pk}|{code.pk}")
    else:
        mark = clients.client_key(request, "code_scan", extra=str(code.pk))
    return caches["scans"].add(f"codes.scan.{mark}", 1, settings.CODE_SCAN_WINDOW)


def scoped_target(request, key, pk):
    """(target, object) if the user may see the object; 404 otherwise."""
    target = targets.get(key)
    if target is None:
        raise Http404
    return target, scoped_or_404(request, target.objects(), pk=pk)


def card_context(request, target, obj):
    """What the code card needs (the archive page, the workbench, the code page)."""
    code = Code.active(obj)
    return {
        "target": target, "obj": obj, "code": code, "svg": draw.svg_inline(code),
        "stats": scan_stats(obj), "can_regenerate": target.can_regenerate(request.user, obj),
    }


@login_required
def code_detail(request, key, pk):
    target, obj = scoped_target(request, key, pk)
    card = card_context(request, target, obj)
    revoked = Code.objects.filter(content_type=card["code"].content_type_id, object_id=obj.pk, revoked_at__isnull=False)
    context = {
        "section": card, **card, "archive_url": target.archive_url(obj),
        "revoked": revoked.select_related("revoked_by").order_by("-revoked_at"),
    }
    return render(request, "codes/code_detail.html", context)


@login_required
def code_image(request, key, pk, kind):
    target, obj = scoped_target(request, key, pk)
    code = Code.active(obj)
    if kind == "png":
        return file_response(draw.png(code), f"{target.title(obj)}-二维码.png", "image/png", f"qrcode_{key}_{pk}.png")
    return file_response(draw.svg(code), f"{target.title(obj)}-二维码.svg", "image/svg+xml", f"qrcode_{key}_{pk}.svg")


def placard_size(request):
    size = request.GET.get("size", request.POST.get("size", "A4")).upper()
    return size if size in draw.SIZES else "A4"


@login_required
def placard(request, key, pk):
    target, obj = scoped_target(request, key, pk)
    size = placard_size(request)
    pdf = draw.placards_pdf([(target, obj, Code.active(obj))], size)
    return pdf_response(pdf, f"{target.title(obj)}-二维码牌-{size}.pdf", f"placard_{key}_{pk}_{size}.pdf")


@login_required
@require_POST
def regenerate(request, key, pk):
    target, obj = scoped_target(request, key, pk)
    require(target.can_regenerate(request.user, obj))
    old = Code.active(obj)
    reason = request.POST.get("reason", "").strip()[:200]
    new = old.regenerate(request.user, reason)
    old.refresh_from_db()
    audit.record(
        old, AuditAction.REVOKE_CODE,
        before={"revoked_at": None, "revoke_reason": ""},
        after={"revoked_at": str(old.revoked_at), "revoke_reason": reason},
        message=f"{target.noun}“{target.title(obj)}”的二维码作废并重新生成" + (f"：{reason}" if reason else ""),
        enterprise=target.enterprise(obj),
    ).save()
    messages.success(request, f"已生成新二维码（{timezone.localtime(new.created_at):%Y-%m-%d %H:%M}），原二维码及已印制的二维码牌即刻失效。")
    return redirect_next(request, reverse("codes:code_detail", args=[key, pk]))


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_placards(request):
    """Placards for the enterprise list's filtered rows (GET) or ticked rows (POST selected=1), as one PDF made by a
    background job (batch.placards): the answer is the job's page, where the PDF is downloaded when ready."""
    regulator_only(request)
    require(permissions.has(request.user, PLACARDS))
    filterset, qs, _ = filtered_enterprises(request)
    back = reverse("archive:enterprise_list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if request.method == "POST":
        qs = selected_rows(request, qs)
        if qs is None:
            messages.warning(request, "请先勾选要打印二维码牌的企业。")
            return redirect_next(request, back)
    limit = settings.CODE_PLACARD_BATCH_MAX
    ids = list(qs.values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        messages.error(request, f"一次最多打印 {limit} 家企业的二维码牌，请先用筛选条件缩小范围。")
        return redirect_next(request, back)
    if not ids:
        messages.warning(request, "没有符合条件的企业。")
        return redirect_next(request, back)
    size = placard_size(request)
    audit.record_export(request, Enterprise, "二维码牌（批量打印）", len(ids), filterset)
    # The ids are the user's scoped, filtered list as of now; the job reads each again through the owner's scope.
    return redirect(jobs.start(request.user, batch.KIND, batch.label(len(ids), size), total=len(ids), ids=ids, size=size))
