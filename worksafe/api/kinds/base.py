"""What every record kind provides to the batch upload, the withdrawal and the read-back."""
from django.db import transaction
from django.db.models import Q

from worksafe.core import audit
from worksafe.core.models import AuditAction
from worksafe.core.scoping import organization_q

from ..errors import field_error


def coverage_q(subscription, path="enterprise", located=False):
    """Q for the rows (reached from Enterprise by `path`) of the enterprises `subscription` covers. `located`: the
    rows carry their enterprise's region and industry (hazards), tested without a join."""
    if subscription.enterprise_id:
        return Q(**{f"{path}_id" if path else "pk": subscription.enterprise_id})
    return organization_q(subscription.organization, path, located, region=subscription.region)


class NotWithdrawn(Exception):
    def __init__(self, status, message, errors=()):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, list(errors)


class Kind:
    interface = ""
    schema = None  # the record's pydantic model
    model = None  # the model a record becomes (its external_id matches)
    label = ""
    options = {}  # the kind's boolean upload options: {name: (title, description)}

    def existing(self, items, queryset=None):
        """{(enterprise_id, external_id): instance} for the records of `items` we already hold."""
        ids = {it.record.external_id for it in items}
        enterprises = {it.enterprise.pk for it in items}
        qs = queryset if queryset is not None else self.model.objects.all()
        rows = qs.filter(enterprise_id__in=enterprises, external_id__in=ids)
        return {(obj.enterprise_id, obj.external_id): obj for obj in rows}

    def plan(self, items):
        raise NotImplementedError

    def write(self, items):
        raise NotImplementedError

    def withdrawable(self, obj):
        """[errors] when `obj` may not be withdrawn, else []."""
        return []

    def withdraw(self, obj):
        obj._audit_message = "数据对接撤回"
        obj.delete()

    def withdraw_record(self, subscription, uscc, external_id):
        """Withdraw one record of the enterprises `subscription` covers, locked, checked and audited: the API's DELETE
        and the staging table's withdraw rows. NotWithdrawn (404: no such record, 409: may not) otherwise."""
        with transaction.atomic():
            obj = (self.model.objects.filter(coverage_q(subscription), enterprise__uscc=uscc.strip().upper(),
                                             external_id=external_id.strip())
                   .select_for_update(of=("self",)).select_related("enterprise").first())
            if obj is None:
                raise NotWithdrawn(404, f"本订阅覆盖的企业中没有编号为 {external_id} 的{self.label}记录")
            refused = self.withdrawable(obj)
            if refused:
                raise NotWithdrawn(409, refused[0]["message"], refused)
            self.withdraw(obj)

    def queryset(self, subscription):
        return self.model.objects.filter(coverage_q(subscription)).select_related("enterprise")

    def serialize(self, obj):
        raise NotImplementedError


def audit_created(obj, enterprise, message="数据对接上传：新增"):
    return audit.record(obj, AuditAction.CREATE, None, audit.snapshot(obj), message, enterprise=enterprise)


def audit_updated(obj, before, enterprise, message="数据对接上传：更新"):
    after = audit.snapshot(obj)
    changed = [k for k in after if before.get(k) != after[k]]
    return audit.record(obj, AuditAction.UPDATE, {k: before.get(k) for k in changed}, {k: after[k] for k in changed},
                        message, enterprise=enterprise)


def reject(field, message):
    return field_error(field, message)
