"""What can carry a code, and what each tier of viewer sees of it.

A Target adapts one model: how to find it in a user's scope, which enterprise it belongs to, its public values and
its full archive page. Later features (emergency resources, disaster risk points) register their own.
"""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete
from django.urls import reverse

from worksafe.archive.models import Enterprise, SecondaryUnit
from worksafe.core import permissions

from .models import Code, Tier
from .perms import REGENERATE

# The fields the public tier may show, by configuration (settings.CODE_PUBLIC_FIELDS). Personal phone numbers,
# people's names and exact coordinates are not candidates at all, whatever the configuration says.
PUBLIC_FIELDS = {
    "name": "名称",
    "address": "地址",
    "industry": "行业分类",
    "region": "所在地区",
    "risk_level": "安全风险等级",
    "safety_office_name": "安全管理机构",
    "safety_office_phone": "安全管理机构电话",
    "duty_phone": "值班电话",
    "uscc": "统一社会信用代码",
}

_targets = {}  # key -> Target


class Target:
    key = ""  # URL segment: /codes/<key>/<pk>/
    model = None
    noun = ""  # 企业, 二级单位 ...

    def objects(self):
        """All objects of this kind, with what the pages need joined in (their model's for_user says who sees which)."""
        raise NotImplementedError

    def enterprise(self, obj):
        raise NotImplementedError

    def public_values(self, obj):
        """{PUBLIC_FIELDS key: value}; a None value is left out."""
        raise NotImplementedError

    def archive_url(self, obj):
        raise NotImplementedError

    def title(self, obj):
        return str(obj)

    def subtitle(self, obj):
        return ""

    def placard_lines(self, obj):
        """[(label, value)] printed under the name on the placard."""
        raise NotImplementedError

    def tier(self, user, obj):
        if user.is_authenticated and user.is_active:
            enterprise = self.enterprise(obj)
            if user.is_enterprise_user and user.enterprise_id == enterprise.pk:
                return Tier.ENTERPRISE
            if (user.is_regulator or user.is_sysadmin) and permissions.in_scope(user, enterprise):
                return Tier.REGULATOR
        return Tier.PUBLIC

    def can_regenerate(self, user, obj):
        """The enterprise administrator (lost placard) and regulators in scope."""
        enterprise = self.enterprise(obj)
        if user.is_enterprise_user:
            return user.enterprise_id == enterprise.pk and permissions.has(user, REGENERATE)
        return permissions.can_manage_enterprise(user, enterprise)

    def public_rows(self, obj):
        values = self.public_values(obj)
        return [(PUBLIC_FIELDS[k], values[k], k) for k in settings.CODE_PUBLIC_FIELDS if values.get(k) not in (None, "")]


def register(target):
    _targets[target.key] = target
    # Codes go with their object (GenericForeignKey has no database cascade).
    post_delete.connect(_delete_codes, sender=target.model, weak=False, dispatch_uid=f"codes-{target.key}")
    return target


def get(key):
    return _targets.get(key)


def for_model(model):
    return next((t for t in _targets.values() if t.model is model), None)


def _delete_codes(sender, instance, **kwargs):
    Code.objects.filter(content_type=ContentType.objects.get_for_model(sender), object_id=instance.pk).delete()


def risk_level(enterprise):
    """The enterprise's overall risk level once risks are graded (an object with `label` and `color`), else None."""
    return getattr(enterprise, "risk_level", None)


class EnterpriseTarget(Target):
    key, model, noun = "enterprise", Enterprise, "企业"

    def objects(self):
        return Enterprise.objects.select_related("industry", "region__parent__parent")

    def enterprise(self, obj):
        return obj

    def public_values(self, e):
        return {
            "name": e.name, "address": e.address, "industry": str(e.industry), "region": e.region.full_name,
            "risk_level": risk_level(e), "safety_office_name": e.safety_office_name,
            "safety_office_phone": e.safety_office_phone, "duty_phone": e.duty_phone, "uscc": e.uscc,
        }

    def archive_url(self, e):
        return e.get_absolute_url()

    def placard_lines(self, e):
        return [("统一社会信用代码", e.uscc), ("所在地区", e.region.full_name), ("行业分类", str(e.industry))]


class UnitTarget(Target):
    key, model, noun = "unit", SecondaryUnit, "二级单位"

    def objects(self):
        return SecondaryUnit.objects.select_related("industry", "enterprise__industry", "enterprise__region__parent__parent")

    def enterprise(self, unit):
        return unit.enterprise

    def subtitle(self, unit):
        return f"所属企业：{unit.enterprise.name}"

    def public_values(self, u):
        e = u.enterprise
        return {
            "name": u.name, "address": u.address or e.address, "industry": str(u.industry), "region": e.region.full_name,
            "risk_level": risk_level(e), "safety_office_name": e.safety_office_name,
            "safety_office_phone": e.safety_office_phone, "duty_phone": e.duty_phone, "uscc": e.uscc,
        }

    def archive_url(self, u):
        return reverse("archive:enterprise_detail", args=[u.enterprise_id]) + "#units"

    def placard_lines(self, u):
        e = u.enterprise
        return [("所属企业", e.name), ("统一社会信用代码", e.uscc), ("所在地区", e.region.full_name), ("行业分类", str(u.industry))]


ENTERPRISE = register(EnterpriseTarget())
UNIT = register(UnitTarget())
