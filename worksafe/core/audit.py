"""The audit trail: every change to a registered model becomes a ChangeRecord.

Instances remember their field values when loaded (post_init: a shallow copy of the instance's dict, cheap enough
for a thousand loaded rows; they are turned into JSON only when the instance is saved); on save the difference is
recorded with the acting user taken from the request context. Bulk writes (imports, API uploads) bypass signals and
call `record()` themselves, with `before()` of what they loaded.
"""
import contextvars
import copy
import datetime
import decimal
import uuid
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_init, post_save, pre_delete

_context = contextvars.ContextVar("audit_context", default=None)
_registry = {}  # model -> (enterprise_of, excluded attnames, label)


@contextmanager
def acting_as(user, request_id=None, name=None):
    """Attribute the changes made inside the block to `user`, or, for a system acting without an account (an API
    subscriber, the staging import), to `name`."""
    token = _context.set((user, request_id or uuid.uuid4().hex, name))
    try:
        yield
    finally:
        _context.reset(token)


def current_user():
    ctx = _context.get()
    return ctx[0] if ctx else None


def acting_name(user=None):
    """The name the change log gives the actor: the account's username, the name given to acting_as, or 系统."""
    ctx = _context.get()
    return user.get_username() if user else (ctx[2] if ctx and ctx[2] else "系统")


PLAIN = (str, int, bool, type(None))


def _json(field, value):
    if type(value) in PLAIN:  # most values: nothing to convert (checked first, it is most of the cost of a snapshot)
        return value
    if isinstance(value, FieldFile):
        return value.name or ""  # a file field records the stored file's name
    if isinstance(value, decimal.Decimal) and getattr(field, "decimal_places", None) is not None:
        # As stored: 46631.7 typed into a 2-place field is 46631.70, not a change.
        value = value.quantize(decimal.Decimal(1).scaleb(-field.decimal_places))
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def snapshot(obj):
    """The audited field values of `obj`, JSON-ready; deferred fields (.only()/.defer()) are left out, since
    reading one would load the row again (and run post_init, and this, again)."""
    exclude = _registry[type(obj)][1] | obj.get_deferred_fields()
    return {
        f.attname: _json(f, f.value_from_object(obj)) for f in obj._meta.concrete_fields if f.attname not in exclude
    }


def before(obj):
    """The audited field values `obj` had when it was loaded (or last saved), JSON-ready; None for a new object."""
    raw = getattr(obj, "_audit_raw", None)
    if raw is None:
        return None
    exclude = _registry[type(obj)][1]
    return {f.attname: _json(f, raw[f.attname]) for f in obj._meta.concrete_fields
            if f.attname not in exclude and f.attname in raw}


def _raw(obj):
    """The instance's field values as they are now: JSON values copied (a form may change them in place), files by
    the stored name (saving a new file changes the FieldFile in place)."""
    return {k: v.name if isinstance(v, FieldFile) else copy.deepcopy(v) if isinstance(v, (dict, list)) else v
            for k, v in obj.__dict__.items() if k[0] != "_"}


def record(obj, action, before=None, after=None, message="", enterprise=None, user=None):
    """Build (unsaved) and return the ChangeRecord for one change; callers bulk_create or save it."""
    from .models import ChangeRecord

    ctx = _context.get()
    user = user or (ctx[0] if ctx else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    name = acting_name(user)
    enterprise_of, _, label = _registry.get(type(obj), (lambda o: None, (), str))
    if enterprise is None:
        enterprise = enterprise_of(obj)
    return ChangeRecord(
        user_id=user.pk if user else None,
        user_name=name[:150],
        request_id=ctx[1] if ctx else "",
        action=action,
        content_type_id=ContentType.objects.get_for_model(obj).pk,
        object_id=str(obj.pk),
        object_repr=label(obj)[:200],
        enterprise_id=enterprise.pk if enterprise else None,
        region_code=enterprise.region_id if enterprise else "",
        message=message[:500],
        before=before,
        after=after,
    )


def follow_region(enterprise_pk, region_code):
    """After 属地调整 an archive's history moves to the new jurisdiction (regulators' change lists scope on
    `region_code`): the old one no longer sees it, the new one sees all of it. Bulk writes that change an
    enterprise's region call this themselves."""
    from .models import ChangeRecord

    ChangeRecord.objects.filter(enterprise_id=enterprise_pk).exclude(region_code=region_code).update(region_code=region_code)


def register(model, enterprise=lambda obj: None, exclude=(), label=str):
    """Audit `model`; `enterprise(obj)` gives the Enterprise a change belongs to (or None), `label(obj)` what the
    change list shows of the object."""
    _registry[model] = (enterprise, set(exclude), label)
    post_init.connect(_remember, sender=model, weak=False)
    post_save.connect(_saved, sender=model, weak=False)
    pre_delete.connect(_deleting, sender=model, weak=False)
    post_delete.connect(_deleted, sender=model, weak=False)
    return model


def registered_models():
    return list(_registry)


def _remember(sender, instance, **kwargs):
    instance._audit_raw = _raw(instance) if instance.pk else None


def _saved(sender, instance, created, raw=False, **kwargs):
    from .models import AuditAction

    if raw:
        return
    after = snapshot(instance)
    old = None if created else before(instance)
    action = getattr(instance, "_audit_action", None)
    if old is not None:
        changed = {k for k in after if old.get(k) != after[k]}
        if not changed and not action:
            return
        old = {k: old.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    action = action or (AuditAction.CREATE if created else AuditAction.UPDATE)
    message = getattr(instance, "_audit_message", None) or ""
    change = record(instance, action, old, after, message)
    change.save()
    if old is not None and "region_id" in after and _registry[type(instance)][0](instance) is instance:
        follow_region(instance.pk, change.region_code)
    instance._audit_raw = _raw(instance)
    instance._audit_action = instance._audit_message = None


def _deleting(sender, instance, **kwargs):
    # Resolve the enterprise while it still exists: in a cascade (deleting an enterprise deletes its units and
    # accounts) every pre_delete runs before the first row goes, the post_deletes only after.
    instance._audit_enterprise = _registry[sender][0](instance)


def _deleted(sender, instance, **kwargs):
    from .models import AuditAction

    enterprise = getattr(instance, "_audit_enterprise", None)
    message = getattr(instance, "_audit_message", None) or ""  # e.g. 数据对接撤回
    record(instance, AuditAction.DELETE, snapshot(instance), None, message, enterprise=enterprise).save()
