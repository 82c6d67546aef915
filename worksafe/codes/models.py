"""一码: one QR code per coded object (enterprise, secondary unit; later emergency resources, risk points ...).

A code is a random token; the QR carries it signed (django.core.signing, keyed by SECRET_KEY), so a forged or
damaged token is refused before any lookup. Regenerating a code (lost or leaked placard) revokes the old row and
creates a new one: an object has at most one active code, enforced by the database.
"""
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone


class ShortSigner(signing.Signer):
    """HMAC-SHA256 cut to 96 bits: with a 96-bit token the URL fits a version-4 QR symbol (33 modules instead of
    41 for the full signature), whose larger modules scan better from a worn placard. Fallback keys still work."""

    def signature(self, value, key=None):
        return super().signature(value, key)[:16]


SIGNER = ShortSigner(salt="worksafe.codes")


class Code(models.Model):
    token = models.CharField("令牌", max_length=32, unique=True, editable=False)
    content_type = models.ForeignKey(ContentType, models.PROTECT, verbose_name="对象类型")
    object_id = models.PositiveBigIntegerField("对象ID")
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="作废人")
    revoke_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "二维码"
        indexes = [models.Index(fields=["content_type", "object_id"], name="code_object")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], condition=models.Q(revoked_at__isnull=True), name="code_one_active_per_object"
            )
        ]

    def __str__(self):
        state = "已作废" if self.revoked_at else "有效"
        return f"二维码（{state}，{timezone.localtime(self.created_at):%Y-%m-%d} 生成）"

    @property
    def signed(self):
        return SIGNER.sign(self.token)

    @property
    def url(self):
        """What the QR encodes: the scan page on the configured public site."""
        return settings.SITE_URL + reverse("scan", args=[self.signed])

    @classmethod
    def from_signed(cls, value):
        """The code a scanned value names, or None; raises signing.BadSignature when it was forged or damaged."""
        return cls.objects.filter(token=SIGNER.unsign(value)).first()

    @classmethod
    def active_for(cls, objects):
        """{pk: active code} for same-model `objects`, creating the missing codes (two queries for a whole batch)."""
        objects = list(objects)
        if not objects:
            return {}
        ct = ContentType.objects.get_for_model(objects[0])
        pks = [o.pk for o in objects]

        def existing():
            return {c.object_id: c for c in cls.objects.filter(content_type=ct, object_id__in=pks, revoked_at__isnull=True)}

        codes = existing()
        missing = [cls(token=new_token(), content_type=ct, object_id=pk) for pk in pks if pk not in codes]
        if missing:
            # A concurrent request may create some of them first: skip those, then read back what won.
            cls.objects.bulk_create(missing, ignore_conflicts=True)
            codes = existing()
        return codes

    @classmethod
    def active(cls, obj):
        return cls.active_for([obj])[obj.pk]

    def regenerate(self, user, reason=""):
        """Revoke this code and issue its successor; returns the new code."""
        with transaction.atomic():
            updated = Code.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now(), revoked_by=user, revoke_reason=reason[:200]
            )
            if not updated:
                raise IntegrityError("code already revoked")
            return Code.objects.create(token=new_token(), content_type_id=self.content_type_id, object_id=self.object_id)


def new_token():
    return secrets.token_urlsafe(12)  # 96 random bits, 16 characters


class Tier(models.TextChoices):
    PUBLIC = "public", "公众"
    ENTERPRISE = "enterprise", "本企业"
    REGULATOR = "regulator", "监管部门"


class Scan(models.Model):
    """One counted scan of a code (once per scanner and code per hour: views.first_in_window). Anonymous scans keep
    the time and tier only: no address, no device, no person."""

    code = models.ForeignKey(Code, models.CASCADE, related_name="scans", verbose_name="二维码")
    time = models.DateTimeField("扫码时间", auto_now_add=True)
    tier = models.CharField("查看层级", max_length=12, choices=Tier.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登录用户")

    class Meta:
        verbose_name = verbose_name_plural = "扫码记录"
        indexes = [models.Index(fields=["code", "time"], name="scan_code_time")]

    def __str__(self):
        when = f"，{timezone.localtime(self.time):%Y-%m-%d %H:%M}" if self.time else ""  # set on the first save
        return f"扫码记录（{self.get_tier_display()}{when}）"
